"""The consumer loop: fetch a batch, process it in one transaction, commit, then ack.

Batching many messages into one commit is what lets the hub go past ~1,000 messages a second
(one commit per message is the wall); every guarantee stays: the ack is sent only after the
commit that covers the whole batch. A batch first runs without savepoints (they cost two
statements a message). If a message fails unexpectedly, the whole transaction is rolled back
and the batch runs again with each message in its own savepoint, so that message is rolled
back alone and quarantined, never redelivered in a loop. A message carrying a value the
database cannot store (`Unstorable`) is rejected there with that reason and answered
(`handle_unstorable`). A transient fault (database or broker) rolls the whole batch back; it
is retried with bounded backoff and the batch is held, unacked, until the database takes it.
A concurrency conflict that outlasts `max_conflict_rounds` rounds of retries is no race: the
messages that still conflict alone are quarantined as internal errors.

Nothing is handed back to the broker: a quorum queue returns what is handed back out of order
(see `hub.adapters.amqp`), which would apply one sender's messages out of the order sent. With
`leases` (several `hub run` processes), the loop renews its partition leases every
`renew_every` seconds and consumes only the partitions it holds; a partition it must give up is
cancelled first and released only once everything received from it is committed and acked.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeVar

from hub.errors import (
    BrokerUnavailable,
    ConcurrencyConflict,
    Problem,
    TransientError,
    Unstorable,
)
from hub.runtime.relay import BackgroundRelay, relay_all
from hub.service_layer.handlers import settle_due
from hub.service_layer.observe import Metrics, NoMetrics, report_batch
from hub.service_layer.pipeline import (
    HubContext,
    Outcome,
    handle_batch,
    handle_inbound,
    handle_unstorable,
    record_events,
    saved_files,
)
from hub.service_layer.ports import (
    Backoff,
    Clock,
    Delivery,
    PartitionLeases,
    QuarantineKind,
    Transport,
    UnitOfWork,
)
from hub.service_layer.quarantine import quarantine_entry

log = logging.getLogger("hub.worker")
T = TypeVar("T")


class Retry(Protocol):
    """Runs a callable, retrying transient faults with bounded backoff."""

    def __call__(self, fn: Callable[[], T]) -> T: ...


def _no_retry(fn: Callable[[], T]) -> T:
    return fn()


@dataclass
class Stats:
    """Counters a running hub reports."""

    received: int = 0
    applied: int = 0
    rejected: int = 0
    duplicates: int = 0
    published: int = 0
    expired: int = 0
    outcomes: list[Outcome] = field(default_factory=list)


@dataclass
class Worker:
    """Consumes `transport`, applies messages through `uow_factory`, relays the outbox."""

    transport: Transport
    uow_factory: Callable[[], UnitOfWork]
    hub: HubContext
    batch_size: int = 100
    batch_wait: float = 0.2
    retry: Retry = _no_retry
    keep_outcomes: bool = False
    periodic: Sequence[Callable[[UnitOfWork, datetime], object]] = ()
    stats: Stats = field(default_factory=Stats)
    relay: BackgroundRelay | None = None
    """`run_forever` runs it beside the loop; without it (or in `drain`) the loop relays."""
    max_conflict_rounds: int = 3
    metrics: Metrics = field(default_factory=NoMetrics)
    last_tick: float = field(default_factory=time.monotonic)
    """`time.monotonic()` when the loop last went round (what `/livez` looks at)."""
    leases: PartitionLeases | None = None
    """Shares the transport's partitions with other processes (`run_forever` only)."""
    holder: str = "hub"
    """This process's name in the leases (unique per process)."""
    lease_seconds: float = 20.0
    """A lease not renewed for this long is free: how soon a dead process's partitions move."""
    renew_every: float = 2.0
    backoff: Backoff = field(kw_only=True)
    """Waits between rounds of the loop after a transient fault: the hub's one policy
    (`hub.adapters.retry.Backoff`, given by `bootstrap`), shared with the relay."""
    _last: list[Outcome] = field(default_factory=list, init=False, repr=False)
    _held: list[Delivery] = field(default_factory=list, init=False, repr=False)
    _conflict_rounds: int = field(default=0, init=False, repr=False)
    _consuming: frozenset[int] = field(default=frozenset(), init=False, repr=False)
    _moving_until: float = field(default=0.0, init=False, repr=False)

    def run_once(self) -> int:
        """One batch: fetch, process, commit, ack, relay. Returns the number of messages.

        A batch the database would not take (after the bounded retries) is held, unacked, and
        tried first on the next call; it is not handed back to the broker, because every
        give-back counts towards the queue's delivery limit and a long database outage would
        dead-letter valid messages. The connection is still serviced meanwhile (heartbeats)."""
        if self._held:
            self.transport.service()
            batch = self._held
        else:
            batch = self.transport.fetch(self.batch_size, self.batch_wait)
        if batch:
            self._held = batch
            started = time.perf_counter()
            self._settle(batch)
            self._held = []
            self.transport.ack(batch)
            self._report(batch, time.perf_counter() - started)
        if self.relay is not None and self.relay.running:
            if batch:
                self.relay.nudge()
        else:
            sent = self.retry(
                lambda: relay_all(
                    self.uow_factory, self.transport, self.hub.clock, metrics=self.metrics
                )
            )
            self.stats.published += sent
            self.metrics.relayed(sent)
        return len(batch)

    def _settle(self, batch: Sequence[Delivery]) -> None:
        """Process `batch` with retries; a conflict in every round is not a race (another
        process's row would have been seen by now): each message is then tried alone, and
        one that still conflicts is quarantined instead of holding everyone back."""
        try:
            self.retry(lambda: self._attempt(batch))
        except ConcurrencyConflict:
            self._conflict_rounds += 1
            if self._conflict_rounds < self.max_conflict_rounds:
                raise
            log.error(
                "batch of %d conflicts after %d rounds; alone", len(batch), self._conflict_rounds
            )
            self._count(batch, [self._alone(d, conflicts_are_defects=True) for d in batch])
        self._conflict_rounds = 0

    def _attempt(self, batch: Sequence[Delivery]) -> None:
        try:
            self.process(batch)
        except TransientError as exc:
            log.warning("batch of %d rolled back: %s", len(batch), exc)
            raise

    def process(self, batch: Sequence[Delivery]) -> None:
        """All of `batch` in one transaction. An unexpected (not transient) failure anywhere,
        the commit included, rolls it all back and runs the batch again message by message."""
        try:
            outcomes = self._together(batch)
        except TransientError:
            raise
        except Exception as exc:  # some message is defective: find it under savepoints
            log.warning(
                "batch of %d rolled back (%s: %s); running it again message by message",
                len(batch),
                type(exc).__name__,
                str(exc).splitlines()[0][:200] if str(exc) else "",
            )
            outcomes = self._one_by_one(batch)
        self._count(batch, outcomes)

    def _alone(self, delivery: Delivery, conflicts_are_defects: bool = False) -> Outcome:
        """One message in its own transaction; if even that fails other than transiently, it
        is kept in quarantine (internal) in a fresh one, so nothing loops on it."""
        try:
            with self.uow_factory() as uow:
                outcome = self._one(uow, delivery, conflicts_are_defects)
                uow.commit()
            return outcome
        except ConcurrencyConflict as exc:
            if not conflicts_are_defects:
                raise
            return self._kept_alone(delivery, exc)
        except TransientError:
            raise
        except Exception as exc:
            return self._kept_alone(delivery, exc)

    def _kept_alone(self, delivery: Delivery, exc: Exception) -> Outcome:
        log.error("message %r could not be processed alone; quarantined", delivery.message_id)
        with self.uow_factory() as uow:
            outcome = self._last_resort(uow, delivery, exc, QuarantineKind.INTERNAL)
            uow.commit()
        return outcome

    def _together(self, batch: Sequence[Delivery]) -> list[Outcome]:
        """The normal case: every message in the same transaction, no savepoints."""
        with self.uow_factory() as uow:
            outcomes = handle_batch(batch, uow, self.hub)
            uow.commit()
        return outcomes

    def _one_by_one(self, batch: Sequence[Delivery]) -> list[Outcome]:
        """Each message in its own savepoint: a failing one is undone alone and quarantined.
        Should the transaction still fail (the savepoints did not isolate the fault), each
        message is processed in a transaction of its own instead."""
        try:
            with self.uow_factory() as uow:
                outcomes = [self._one(uow, delivery) for delivery in batch]
                uow.commit()
            return outcomes
        except TransientError:
            raise
        except Exception:
            log.exception("batch of %d failed message by message; each alone", len(batch))
            return [self._alone(delivery) for delivery in batch]

    def _one(
        self, uow: UnitOfWork, delivery: Delivery, conflicts_are_defects: bool = False
    ) -> Outcome:
        try:
            with uow.savepoint():
                return handle_inbound(delivery, uow, self.hub)
        except ConcurrencyConflict as exc:
            if not conflicts_are_defects:
                raise
            return self._last_resort(uow, delivery, exc, QuarantineKind.INTERNAL)
        except TransientError:
            raise
        except Unstorable as exc:
            return self._unstorable(uow, delivery, exc)
        except Exception as exc:  # a defect must not become a redelivery loop
            log.exception("internal error on message %r; quarantined", delivery.message_id)
            return self._last_resort(uow, delivery, exc, QuarantineKind.INTERNAL)

    def _unstorable(self, uow: UnitOfWork, delivery: Delivery, error: Unstorable) -> Outcome:
        """Reject the units that carry what the database cannot store, with an answer."""
        log.warning("message %r carries an unstorable value: %s", delivery.message_id, error)
        try:
            with uow.savepoint():
                return handle_unstorable(delivery, uow, self.hub, error)
        except TransientError:
            raise
        except Exception as exc:
            return self._last_resort(uow, delivery, exc, QuarantineKind.UNSTORABLE)

    def _last_resort(
        self, uow: UnitOfWork, delivery: Delivery, exc: Exception, kind: QuarantineKind
    ) -> Outcome:
        """Keep the message, unanswered, with what went wrong. The ledger cleans and bounds
        every field of the entry, so this write cannot fail on what the message carries."""
        label = "internal error" if kind is QuarantineKind.INTERNAL else "not stored"
        reason = f"{label}: {type(exc).__name__}: {exc}"
        sender = uow.partners.by_broker_user(delivery.user_id)
        problems = list(getattr(exc, "problems", ())) or [Problem(reason)]
        entry = quarantine_entry(delivery, kind, reason, problems, sender, self.hub.clock())
        return Outcome(rejected=1, quarantine_ids=[uow.quarantine.add(entry)])

    def _report(self, batch: Sequence[Delivery], seconds: float) -> None:
        outcomes, self._last = self._last, []
        report_batch(self.metrics, batch, outcomes, seconds)

    def _count(self, batch: Sequence[Delivery], outcomes: list[Outcome]) -> None:
        self._last = outcomes
        s = self.stats
        s.received += len(batch)
        for o in outcomes:
            s.applied += o.applied
            s.rejected += o.rejected
            s.duplicates += o.duplicates
        if self.keep_outcomes:
            s.outcomes.extend(outcomes)

    def expire_due(self) -> int:
        """Expire rights whose time has come, withdraw their authorisations, then run the
        other periodic jobs (token expiry, subscription reminders) in the same transaction."""
        with self.uow_factory() as uow:
            done = settle_due(uow, self.hub.clock())
            files = saved_files(done)
            for ex in done:
                record_events(uow, ex.events, "hub", "expiry", self.hub, files)
            for job in self.periodic:
                job(uow, self.hub.clock())
            uow.commit()
        self.stats.expired += len(done)
        self.metrics.events([e for ex in done for e in ex.events])
        return len(done)

    def drain(self, idle_rounds: int = 1) -> None:
        """Process until the transport has nothing more (used by the demo and tests)."""
        idle = 0
        while idle < idle_rounds:
            idle = idle + 1 if self.run_once() == 0 else 0

    def run_forever(
        self,
        should_stop: Callable[[], bool],
        expiry_every: float = 30.0,
    ) -> None:
        """The `hub run` loop; survives broker and database outages."""
        if self.leases is not None:
            self.transport.assign(frozenset())  # nothing until a lease says so
            self._moving_until = time.monotonic() + 10 * self.renew_every  # joining: look often
        if self.relay is not None:
            self.relay.start()
        try:
            self._loop(should_stop, expiry_every)
            self._finish()
        finally:
            if self.relay is not None:
                self.relay.stop()
                self.stats.published += self.relay.published
                self.relay.published = 0

    def _finish(self) -> None:
        """Stopping: cancel every consumer, process and ack what was already received (so
        nothing is handed back out of order), then free the leases at once."""
        if self.leases is None:
            return
        try:
            self.transport.assign(frozenset())
            while self.run_once():
                pass
            self.leases.leave(self.holder)
        except TransientError as exc:
            log.warning("stopping without settling: %s (the leases expire by themselves)", exc)

    def balance(self, clock: Clock) -> frozenset[int]:
        """Renew the leases and consume what they say; returns the partitions consumed."""
        assert self.leases is not None
        renewal = self.leases.renew(
            self.holder,
            self.transport.partitions,
            self.lease_seconds,
            clock(),
            self.transport.settled(),
        )
        if renewal.consume != self._consuming or renewal.held != renewal.consume:
            # the shares are moving: renew often until they settle, so a partition given up
            # is taken over within a fraction of a second, not a few renewals later
            self._moving_until = time.monotonic() + 10 * self.renew_every
        if renewal.consume != self._consuming:
            self._consuming = renewal.consume
            log.info(
                "partitions: consuming %s (held %s) holder=%s",
                sorted(renewal.consume) or "none",
                sorted(renewal.held) or "none",
                self.holder,
            )
        self.transport.assign(renewal.consume)
        return renewal.consume

    def _loop(self, should_stop: Callable[[], bool], expiry_every: float) -> None:
        next_expiry = 0.0
        next_renewal = 0.0
        failures = 0
        while not should_stop():
            self.last_tick = time.monotonic()
            try:
                if self.leases is not None and time.monotonic() >= next_renewal:
                    self.balance(self.hub.clock)
                    moving = time.monotonic() < self._moving_until
                    next_renewal = time.monotonic() + (0.2 if moving else self.renew_every)
                self.run_once()
                if time.monotonic() >= next_expiry:
                    self.expire_due()
                    if self.relay is not None:
                        self.relay.nudge()  # withdrawals and notifications of the expiry
                    next_expiry = time.monotonic() + expiry_every
                failures = 0
            except TransientError as exc:
                failures += 1
                wait = self.backoff(failures)
                log.warning("transient fault: %s; retrying in %.1fs", exc, wait)
                time.sleep(wait)
                if isinstance(exc, BrokerUnavailable):
                    self._held = []  # its delivery tags died with the channel: redelivered
                    self._reconnect()

    def _reconnect(self) -> None:
        try:
            self.transport.connect()
            log.info("reconnected to the broker")
        except BrokerUnavailable as exc:
            log.warning("reconnect failed: %s", exc)
