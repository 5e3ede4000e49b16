"""The outbox relay: publish committed outbound messages with confirms, then mark them sent.

Rows are claimed and marked sent in one statement (an UPDATE of the rows picked with
SELECT ... FOR UPDATE SKIP LOCKED), so several relays (one per hub process) never publish the
same row at the same time; the mark is committed only once the broker has confirmed every
message, and rolled back if it has not. A crash between the broker's confirm and the commit
publishes that batch again after restart: delivery to terminals and partners is
at-least-once, and every message carries a stable `message_id` (and gate messages a
per-container sequence) so receivers discard repeats.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from hub.errors import BrokerUnavailable, TransientError
from hub.service_layer.observe import Metrics, NoMetrics
from hub.service_layer.ports import Backoff, Clock, Transport, UnitOfWork

log = logging.getLogger("hub.relay")


def relay_once(
    uow_factory: Callable[[], UnitOfWork],
    transport: Transport,
    clock: Clock,
    limit: int = 500,
    metrics: Metrics | None = None,
) -> int:
    """Publish up to `limit` pending messages; returns how many were sent."""
    with uow_factory() as uow:
        batch = uow.outbox.claim(limit, clock())
        if not batch:
            return 0
        transport.publish(batch)  # raises unless every message is confirmed: no commit then
        confirmed_at = clock()
        uow.commit()
    if metrics is not None:
        metrics.delivered(batch, confirmed_at)
    return len(batch)


def relay_all(
    uow_factory: Callable[[], UnitOfWork],
    transport: Transport,
    clock: Clock,
    limit: int = 500,
    metrics: Metrics | None = None,
) -> int:
    """Publish until the outbox is empty: a claim that came back short found all there was
    (what is committed meanwhile goes out on the next call), so it is not asked again."""
    total = 0
    while True:
        sent = relay_once(uow_factory, transport, clock, limit, metrics)
        total += sent
        if sent < limit:
            return total


class BackgroundRelay:
    """The relay on its own thread and its own broker connection, for `hub run`.

    Publishing a batch's outbound messages (claim, publish, wait for the confirms, commit) took
    a third of each worker cycle; run inline, it delayed the next batch and every gate message
    behind it. Here the worker only `nudge`s after each commit and goes on with the next batch.
    Nothing about delivery changes: rows are committed before the inbound ack, and published
    from the database with confirms; whatever is unsent when a process dies goes out from the
    next relay to run. The thread waits at most `idle` seconds between passes, so rows left by
    another process are picked up too, and services its connection (heartbeats) meanwhile.
    """

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        transport: Transport,
        clock: Clock,
        *,
        idle: float = 0.5,
        backoff: Backoff,
        metrics: Metrics | None = None,
    ) -> None:
        """`backoff`: the hub's one policy (`hub.adapters.retry.Backoff`, given by
        `bootstrap`), shared with the worker loop."""
        self.uow_factory, self.transport, self.clock = uow_factory, transport, clock
        self.idle, self.backoff = idle, backoff
        self.published = 0
        self.metrics: Metrics = metrics or NoMetrics()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="hub-relay", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def nudge(self) -> None:
        """Something was committed to the outbox: publish it now."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the pass in progress and one more (what the last batch committed), then end."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        failures = 0
        while True:
            last = self._stopping.is_set()
            try:
                self.transport.service()  # the connection's I/O: heartbeats, closes
                sent = relay_all(self.uow_factory, self.transport, self.clock, metrics=self.metrics)
                self.published += sent
                self.metrics.relayed(sent)
                failures = 0
            except TransientError as exc:
                failures += 1
                wait = self.backoff(failures)
                self.metrics.relay_failed()
                log.warning("relay: transient fault: %s; retrying in %.1fs", exc, wait)
                if last or self._stopping.wait(wait):
                    return  # stopping: what is unsent stays in the outbox for the next run
                if isinstance(exc, BrokerUnavailable):
                    self._reconnect()
                continue
            except Exception:  # a defect must not silently stop all outbound traffic
                failures += 1
                wait = self.backoff(failures)
                self.metrics.relay_failed()
                log.exception("relay: unexpected error; retrying in %.1fs", wait)
                if last or self._stopping.wait(wait):
                    return
                continue
            if last:
                return
            self._wake.wait(self.idle)
            self._wake.clear()

    def _reconnect(self) -> None:
        try:
            self.transport.connect()
            log.info("relay: reconnected to the broker")
        except BrokerUnavailable as exc:
            log.warning("relay: reconnect failed: %s", exc)
