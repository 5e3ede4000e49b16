"""What the hub tells its operator: the `Metrics` port, the overview and the health checks.

The service layer reports what happened through `Metrics` (a no-op by default, so nothing in
the middle depends on a metrics library); `hub.adapters.metrics` implements it for Prometheus.
The overview is read from the database at scrape (or `hub status`) time, never counted here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from datetime import datetime

    from hub.domain.events import Event
    from hub.service_layer.pipeline import Outcome
    from hub.service_layer.ports import Delivery, Outgoing

log = logging.getLogger("hub.worker")

R = TypeVar("R")


class Kept(Generic[R]):
    """`read()`'s last outcome, its value or its failure, kept for `every` seconds (by
    `clock`): what a scrape or a health probe reads from the database or the broker is read at
    most that often, however often it is asked for (a scraper polling every second, or anyone
    on the portal's port asking for /readyz)."""

    def __init__(
        self, read: Callable[[], R], every: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.read, self.every, self.clock = read, every, clock
        self._kept: tuple[float, R | None, Exception | None] | None = None
        self._lock = threading.Lock()  # asked from the HTTP server's threads

    def __call__(self) -> R:
        with self._lock:
            now = self.clock()
            kept = self._kept
            if kept is None or now - kept[0] >= self.every:
                try:
                    kept = (now, self.read(), None)
                except Exception as exc:
                    kept = (now, None, exc)
                self._kept = kept
        _, value, failure = kept
        if failure is not None:
            raise failure
        return value  # type: ignore[return-value]


class Metrics(Protocol):
    """Counters and histograms the worker and relay move (after the commit that makes the
    counted thing true)."""

    def batch(
        self, deliveries: Sequence[Delivery], outcomes: Sequence[object], seconds: float
    ) -> None:
        """A batch was committed: its deliveries, their `Outcome`s, and how long it took."""

    def events(self, events: Sequence[Event]) -> None:
        """Domain events that were committed (tokens, gate authorisations, withdrawals)."""

    def relayed(self, published: int) -> None:
        """The relay published (and had confirmed) `published` outbox rows."""

    def relay_failed(self) -> None:
        """A relay pass failed (no confirm, broker away); it is retried."""

    def delivered(self, messages: Sequence[Outgoing], confirmed_at: datetime) -> None:
        """The broker confirmed `messages` at `confirmed_at` (and their claim is committed):
        each with an `origin` ends an end-to-end measure (publish → gate message)."""


class NoMetrics:
    """The default: nothing is measured."""

    def batch(
        self, deliveries: Sequence[Delivery], outcomes: Sequence[object], seconds: float
    ) -> None:
        return None

    def events(self, events: Sequence[Event]) -> None:
        return None

    def relayed(self, published: int) -> None:
        return None

    def relay_failed(self) -> None:
        return None

    def delivered(self, messages: Sequence[Outgoing], confirmed_at: datetime) -> None:
        return None


@dataclass(frozen=True)
class Overview:
    """The state of the ledger an operator looks at first (read in a few cheap queries)."""

    outbox_backlog: int = 0
    oldest_unsent_seconds: float = 0.0
    quarantine: Mapping[str, int] = field(default_factory=dict)
    """Held (not yet replayed or discarded) entries by kind."""
    inbox_last_hour: int = 0
    audit_head: int = 0
    token_movements: Mapping[str, int] = field(default_factory=dict)
    """Token ledger entries ever written, by kind (`consume`, `refund`): the ledger is
    append-only, so these are counters, read from it rather than counted in one process."""


@dataclass(frozen=True)
class Activity:
    """What went through the hub in the last `window_seconds` (read from the ledger, so every
    process's work counts): inbox units by outcome, and the end-to-end latency of the
    outbound messages published in that window (publish of the inbound message → relay)."""

    window_seconds: float
    by_outcome: Mapping[str, int] = field(default_factory=dict)
    latencies: tuple[float, ...] = ()
    """Seconds, sorted: one per outbound message with an origin (at most a bounded sample)."""

    def per_minute(self, outcome: str) -> float:
        return self.by_outcome.get(outcome, 0) * 60.0 / self.window_seconds

    def latency(self, share: float) -> float | None:
        """The `share` quantile (0.5, 0.95) of `latencies`, None when there are none."""
        if not self.latencies:
            return None
        return self.latencies[min(len(self.latencies) - 1, int(share * len(self.latencies)))]


@dataclass(frozen=True)
class Live:
    """The console's live overview: the ledger, the last minutes' activity, the broker's
    queues (None: not on RabbitMQ, or unreachable) and the readiness checks."""

    overview: Overview
    activity: Activity
    queues: Mapping[str, tuple[int, int]] | None
    checks: Sequence[Check]


@dataclass(frozen=True)
class Check:
    """One health check: its name, whether it passed, and a word on why not."""

    name: str
    ok: bool
    detail: str = ""


def run_checks(checks: Mapping[str, Callable[[], str]]) -> list[Check]:
    """Run each check: it returns "" when healthy, else what is wrong; raising is a failure."""
    done = []
    for name, check in checks.items():
        try:
            detail = check()
        except Exception as exc:  # a probe that fails is a failed check, not a crash
            detail = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
        done.append(Check(name, not detail, detail))
    return done


def report_batch(
    metrics: Metrics, batch: Sequence[Delivery], outcomes: Sequence[Outcome], seconds: float
) -> None:
    """After the commit and ack: metrics, one line per rejected message (every message at
    DEBUG), and one INFO line for the batch."""
    metrics.batch(batch, outcomes, seconds)
    applied = rejected = duplicates = 0
    detail = log.isEnabledFor(logging.DEBUG)
    for delivery, o in zip(batch, outcomes, strict=False):
        applied, rejected, duplicates = (
            applied + o.applied,
            rejected + o.rejected,
            duplicates + o.duplicates,
        )
        if detail or o.rejected:
            log_message(delivery, o, logging.INFO if o.rejected else logging.DEBUG)
    log.info(
        "batch of %d in %.1f ms: applied=%d rejected=%d duplicates=%d",
        len(batch),
        seconds * 1000,
        applied,
        rejected,
        duplicates,
        extra={"batch_size": len(batch), "ms": round(seconds * 1000, 1)},
    )


def log_message(delivery: Delivery, outcome: Outcome, level: int) -> None:
    """One line about one message: its id, sender, containers and outcome (as fields too)."""
    containers = ",".join(dict.fromkeys(outcome.containers)) or "-"
    log.log(
        level,
        "message %s from %s (%s): %s",
        delivery.message_id or "-",
        delivery.user_id or "-",
        containers,
        outcome.status,
        extra={
            "message_id": delivery.message_id,
            "sender": delivery.user_id,
            "container": containers,
            "outcome": outcome.status,
        },
    )
