"""A delivery rejected as a whole (unreadable, from a broker user that is no partner, or
dead-lettered by the broker) is quarantined once: the same bytes delivered again after the
commit (the ack was lost) are a duplicate, not a second quarantine entry; the sender gets the
original answer again, marked as a repeat."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub
from hub.ledger.tables import audit, inbox, outbox
from hub.service_layer.pipeline import handle_inbound
from hub.service_layer.ports import DEAD_LETTER_HEADER, Delivery
from tests.unit.service.conftest import SAMPLES

pytestmark = pytest.mark.sql_only  # it counts table rows with SQL


def _count(hub: Hub, table: object) -> int:
    with hub.db.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


def _held(hub: Hub) -> list[str]:
    with hub.uow() as uow:
        return [q.reason for q in uow.quarantine.list("held")]


def test_an_unreadable_payload_delivered_twice_is_quarantined_once_and_answered_again(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    transport.put(b"UNB+UNOC:3+MSCBE+CPU\x00garbage'", "mscbe", "m-1")
    hub.worker.drain()
    answers = _count(hub, outbox)
    assert len(_held(hub)) == 1 and answers == 1
    transport.put(b"UNB+UNOC:3+MSCBE+CPU\x00garbage'", "mscbe", "m-1")  # a redelivery
    hub.worker.drain()
    assert len(_held(hub)) == 1, "not quarantined a second time"
    assert _count(hub, outbox) == answers + 1, "answered again: the original answer, marked"
    with hub.db.connect() as conn:
        bodies = [(r.body, r.headers.get("x-hub-repeat")) for r in conn.execute(select(outbox))]
    assert bodies[1] == (bodies[0][0], True)
    assert hub.worker.stats.duplicates == 1 and hub.worker.stats.rejected == 1


def test_a_stranger_delivering_twice_is_quarantined_once(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    body = (SAMPLES / "demo/01_release.edi").read_bytes()
    for _ in range(2):
        transport.put(body, "mallory", "m-9")
        hub.worker.drain()
    held = _held(hub)
    assert held == ["broker user 'mallory' is not a registered partner"]
    with hub.db.connect() as conn:
        senders = list(conn.scalars(select(inbox.c.sender)))
    assert senders == ["?mallory"]


def test_a_dead_lettered_message_is_held_unread_and_replays_normally(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    body = (SAMPLES / "demo/01_release.edi").read_bytes()
    mark = {DEAD_LETTER_HEADER: "dead-lettered by the broker (delivery_limit)"}
    for _ in range(2):  # the dead-letter queue may deliver it again too
        transport.queue.append(Delivery(body, "mscbe", "m-1", headers=mark))
        hub.worker.drain()
    held = _held(hub)
    assert len(held) == 1 and held[0].startswith("dead-lettered by the broker (delivery_limit)")
    assert _count(hub, outbox) == 0, "not read, so not answered"
    with hub.db.connect() as conn:
        actions = list(conn.scalars(select(audit.c.action).order_by(audit.c.seq)))
    assert actions == ["rejected", "duplicate"]
    with hub.uow() as uow:
        entry = uow.quarantine.list("held")[0]
        replay = Delivery(entry.payload, entry.broker_user, "replay", entry.content_type)
        outcome = handle_inbound(replay, uow, hub.worker.hub, replay_of=entry.id)
        uow.commit()
    assert outcome.status == "applied", "replayed by the operator, it is read and applied"
