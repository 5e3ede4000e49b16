"""What the sender is answered: an XML acknowledgement names the document's own messageId."""

from __future__ import annotations

import re

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub
from tests.unit.service.conftest import SAMPLES

ACCEPT = (SAMPLES / "xml/release_accept.xml").read_bytes()


def _original_ids(transport: InProcessTransport, party: str) -> list[str]:
    acks = [m.body.decode() for m in transport.on("hub.partner", party) if m.message_type == "ack"]
    assert acks, "answered"
    return [
        found.group(1) if (found := re.search("<originalMessageId>(.*?)<", a)) else "" for a in acks
    ]


def test_a_schema_invalid_document_is_acknowledged_with_its_own_message_id(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    invalid = ACCEPT.replace(b"<actionType>Accept<", b"<actionType>Steal<")
    transport.put(invalid, "truckco", "amqp-id-1")
    hub.worker.drain()
    assert _original_ids(transport, "TRUCKCO") == ["HAUL-778-0001"]


def test_a_document_of_no_hub_schema_is_acknowledged_with_its_own_message_id(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    foreign = ACCEPT.replace(b"urn:hub:release:1", b"urn:example:other:7")
    transport.put(foreign, "truckco", "amqp-id-2")
    hub.worker.drain()
    assert _original_ids(transport, "TRUCKCO") == ["HAUL-778-0001"]


def test_a_document_without_a_readable_message_id_names_none(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    transport.put(ACCEPT.replace(b"</header>", b"</heade>"), "truckco", "amqp-id-3")
    hub.worker.drain()
    assert _original_ids(transport, "TRUCKCO") == [""], "not the AMQP message id"


def test_two_unreadable_documents_get_acknowledgements_with_distinct_ids(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    transport.put(b"<broken", "truckco", "amqp-a")
    transport.put(b"<also broken", "truckco", "amqp-b")
    hub.worker.drain()
    acks = [m.body.decode() for m in transport.on("hub.partner", "TRUCKCO")]
    ids = {re.search("<messageId>(.*?)<", a).group(1) for a in acks}  # type: ignore[union-attr]
    assert len(acks) == 2 and len(ids) == 2


RELEASE = (SAMPLES / "demo/01_release.edi").read_bytes()
LOST = ("MSCU1234566", "FCIU9908030")


def _aperak(transport: InProcessTransport) -> str:
    found = [m for m in transport.on("hub.partner", "MSCBE") if m.message_type == "APERAK"]
    return found[-1].body.decode("latin-1")


def _held(hub: Hub) -> list[tuple[str, str]]:
    with hub.uow() as uow:
        return [(q.reason, str(q.problems)) for q in uow.quarantine.list("held")]


def test_a_rejected_message_names_its_containers_and_document(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    transport.put(RELEASE.replace(b"+MSCREL20261123+9'", b"+MSCREL20261123+7'"), "mscbe", "x")
    hub.worker.drain()
    aperak = _aperak(transport)
    assert "RFF+ACE:MSCREL20261123" in aperak
    assert all(c in aperak for c in LOST), aperak
    ((reason, problems),) = _held(hub)
    assert all(c in reason for c in LOST) and "MSCREL20261123" in reason, reason
    assert all(c in problems for c in LOST), problems


def test_a_rejected_interchange_names_what_its_messages_held(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    transport.put(RELEASE.replace(b"+CPUHUB:ZZZ+", b"+ELSEWHERE:ZZZ+"), "mscbe", "y")
    hub.worker.drain()
    assert all(c in _aperak(transport) for c in LOST)
    ((reason, problems),) = _held(hub)
    assert "'containers': ['MSCU1234566', 'FCIU9908030']" in problems
    assert all(c in reason for c in LOST) and "MSCREL20261123" in reason, reason


def test_an_accepted_message_lists_nothing_as_lost(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    transport.put(RELEASE, "mscbe", "z")
    hub.worker.drain()
    assert "not applied" not in _aperak(transport)


# a file sent again is answered again ---------------------------------------------------------


def _for(transport: InProcessTransport, party: str) -> list[tuple[str, bytes, bool]]:
    return [
        (m.message_type, m.body, m.headers.get("x-hub-repeat") is True)
        for m in transport.on("hub.partner", party)
        if m.message_type in ("APERAK", "CONTRL", "ack")
    ]


def test_an_interchange_sent_again_is_answered_with_the_original_answers(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    transport.put(RELEASE, "mscbe", "first")
    hub.worker.drain()
    first = _for(transport, "MSCBE")
    notified = len(transport.on("hub.partner", "FWDANT"))
    transport.put(RELEASE, "mscbe", "again")
    hub.worker.drain()
    answers = _for(transport, "MSCBE")
    assert [kind for kind, _, _ in first] == ["APERAK", "CONTRL"]
    assert answers[2:] == [(kind, body, True) for kind, body, _ in first]
    assert not any(repeat for _, _, repeat in first)
    assert len(transport.on("hub.partner", "FWDANT")) == notified, "no second effect"
    aperaks = [m for m in transport.on("hub.partner", "MSCBE") if m.message_type == "APERAK"]
    assert aperaks[1].headers["x-hub-repeat-of"] == f"hub-{aperaks[0].id}"
    assert aperaks[1].id != aperaks[0].id, "a message of its own, with its own message id"


def test_a_document_sent_again_is_answered_with_the_original_ack(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    transport.put(RELEASE, "mscbe", "r")
    accept = (SAMPLES / "demo/02_accept.xml").read_bytes()
    transport.put(accept, "fwdant", "a1")
    transport.put(accept, "fwdant", "a2")
    hub.worker.drain()
    acks = [a for a in _for(transport, "FWDANT") if a[0] == "ack"]
    assert len(acks) == 2 and acks[1] == (acks[0][0], acks[0][1], True), acks


def test_an_unreadable_payload_sent_again_is_answered_again(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    for message_id in ("j1", "j2"):
        transport.put(b"UNB+UNOC:3+MSCBE+CPU\x00garbage'", "mscbe", message_id)
        hub.worker.drain()
    (kind1, body1, rep1), (kind2, body2, rep2) = _for(transport, "MSCBE")
    assert (kind1, rep1, kind2, rep2) == ("CONTRL", False, "CONTRL", True) and body1 == body2


def test_an_interchange_of_many_rejected_messages_keeps_its_quarantine_entry_small(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    head, rest = RELEASE.split(b"UNH", 1)
    message = (b"UNH" + rest.rsplit(b"UNZ", 1)[0]).replace(b"+MSCREL20261123+9'", b"+R+7'")
    body = head + message * 500 + b"UNZ+500+MSC0000001'"
    transport.put(body, "mscbe", "many")
    hub.worker.drain()
    ((reason, problems),) = _held(hub)
    assert len(reason) < 5_000 and reason.endswith("and 480 more"), reason[-200:]
    assert problems.count("not applied") == 20
