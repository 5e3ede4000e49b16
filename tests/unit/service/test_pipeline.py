"""The whole pipeline on the embedded hub: effects, acknowledgements, duplicates, spoofing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub
from hub.domain.tokens import balance
from hub.ledger import audit
from hub.ledger.tables import audit as audit_table
from tests.unit.service.conftest import STORY, send

CONTAINER = "MSCU1234566"


def _gate(transport: InProcessTransport) -> list[str]:
    return [m.message_type for m in transport.on("hub.gate", "PSAT")]


def _audit_count(hub: Hub) -> int:
    with hub.db.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(audit_table)) or 0)


@pytest.mark.sql_only  # reads the database with SQL
def test_the_story_authorises_the_gate_exactly_once(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    for name, user in STORY:
        send(hub, transport, name, user)
    gate = transport.on("hub.gate", "PSAT")
    assert [m.message_type for m in gate] == ["GateAuthorised"]
    body = gate[0].body.decode()
    assert CONTAINER in body and "AP1234567" in body and "TAR-PSAT-55512" in body
    assert gate[0].headers["sequence"] == 1
    with hub.uow() as uow:
        assert balance(uow.tokens.entries("TRUCKCO"), hub.clock()).remaining == 24
        assert uow.quarantine.list("held") == []
    with hub.db.connect() as conn:
        assert audit.verify(conn) == []


def test_the_sender_gets_an_aperak_and_the_parties_notifications(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    send(hub, transport, "demo/01_release.edi", "mscbe")
    aperak = transport.on("hub.partner", "MSCBE")
    kinds = [m.message_type for m in aperak]
    assert "APERAK" in kinds and "CONTRL" in kinds
    ack = next(m for m in aperak if m.message_type == "APERAK").body.decode()
    assert "RFF+ACW:1" in ack and "ERC+1" in ack
    notified = [m.message_type for m in transport.on("hub.partner", "FWDANT")]
    assert notified.count("Transferred") == 2


@pytest.mark.sql_only  # reads the database with SQL
def test_a_redelivered_message_has_no_second_effect(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    for name, user in STORY:
        send(hub, transport, name, user)
    audited = _audit_count(hub)
    published = len(transport.log)
    send(hub, transport, "demo/07_assign.xml", "truckco", message_id="again")
    send(hub, transport, "demo/04_accept.xml", "truckco", message_id="again2")
    assert _gate(transport) == ["GateAuthorised"]
    again = transport.log[published:]  # each is answered again with its original ack, marked
    assert [(m.message_type, m.headers.get("x-hub-repeat")) for m in again] == [("ack", True)] * 2
    assert _audit_count(hub) == audited + 2  # one "duplicate" entry each, nothing else
    with hub.uow() as uow:
        assert balance(uow.tokens.entries("TRUCKCO"), hub.clock()).remaining == 24


def test_a_message_claiming_another_sender_is_rejected_and_kept(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    send(hub, transport, "demo/01_release.edi", "fwdant")  # FWDANT sends MSCBE's COREOR
    with hub.uow() as uow:
        held = uow.quarantine.list("held")
        assert uow.files.get(CONTAINER).right is None
    assert len(held) == 1 and "claims sender 'MSCBE'" in held[0].reason
    assert held[0].sender == "FWDANT"
    ack = [m for m in transport.on("hub.partner", "FWDANT") if m.message_type == "APERAK"]
    assert ack and "ERC+" in ack[0].body.decode() and "ERC+1'" not in ack[0].body.decode()


def test_an_unknown_broker_user_is_quarantined(embedded: tuple[Hub, InProcessTransport]) -> None:
    hub, transport = embedded
    send(hub, transport, "demo/01_release.edi", "intruder")
    with hub.uow() as uow:
        held = uow.quarantine.list("held")
        assert uow.files.get(CONTAINER).right is None
    assert "intruder" in held[0].reason


def test_garbage_is_rejected_with_a_structured_reason(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    transport.put(b"\x00\x01 this is not a message", "mscbe", "junk")
    hub.worker.drain()
    with hub.uow() as uow:
        held = uow.quarantine.list("held")
    assert len(held) == 1 and held[0].problems
    assert "neither EDIFACT nor XML" in held[0].reason
    assert [m.message_type for m in transport.on("hub.partner", "MSCBE")] == ["CONTRL"]


def test_a_refused_action_changes_nothing_and_is_answered(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    send(hub, transport, "demo/01_release.edi", "mscbe")
    send(hub, transport, "demo/04_accept.xml", "truckco")  # nothing was offered to TRUCKCO
    acks = transport.on("hub.partner", "TRUCKCO")
    assert acks and b"rejected" in acks[-1].body
    with hub.uow() as uow:
        file = uow.files.get(CONTAINER)
        assert file.right is not None and file.right.holder == "MSCBE"
        assert balance(uow.tokens.entries("TRUCKCO"), hub.clock()).remaining == 25
        assert len(uow.quarantine.list("held")) == 1
        # a business refusal is answered and kept, but it is no defect (issue 19)
        assert [q.kind for q in uow.quarantine.list("held", "refused")] == ["refused"]
        assert uow.quarantine.list("held", "unreadable") == []
