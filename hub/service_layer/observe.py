"""What the hub tells its operator: the `Metrics` port, the overview and the health checks.

The service layer reports what happened through `Metrics` (a no-op by default, so nothing in
the middle depends on a metrics library); `hub.adapters.metrics` implements it for Prometheus.
The overview is read from the database at scrape (or `hub status`) time, never counted here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from hub.domain.events import Event
    from hub.service_layer.ports import Delivery


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
