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

from collections.abc import Callable

from hub.service_layer.ports import Clock, Transport, UnitOfWork


def relay_once(
    uow_factory: Callable[[], UnitOfWork], transport: Transport, clock: Clock, limit: int = 500
) -> int:
    """Publish up to `limit` pending messages; returns how many were sent."""
    with uow_factory() as uow:
        batch = uow.outbox.claim(limit, clock())
        if not batch:
            return 0
        transport.publish(batch)  # raises unless every message is confirmed: no commit then
        uow.commit()
    return len(batch)


def relay_all(
    uow_factory: Callable[[], UnitOfWork], transport: Transport, clock: Clock, limit: int = 500
) -> int:
    """Publish until the outbox is empty: a claim that came back short found all there was
    (what is committed meanwhile goes out on the next call), so it is not asked again."""
    total = 0
    while True:
        sent = relay_once(uow_factory, transport, clock, limit)
        total += sent
        if sent < limit:
            return total
