"""Every answer (APERAK, CONTRL, XML ack) carries `correlation_id` = the inbound delivery's
AMQP `message_id`, so a partner matches it to what it sent without parsing the body; a repeat
answers the delivery that asked again. Notifications answer nothing and carry none."""

from __future__ import annotations

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub
from tests.unit.service.conftest import SAMPLES

RELEASE = (SAMPLES / "demo/01_release.edi").read_bytes()
ACCEPT = (SAMPLES / "xml/release_accept.xml").read_bytes()
ANSWERS = ("APERAK", "CONTRL", "ack")


def _answers(transport: InProcessTransport, party: str) -> list[tuple[str, str]]:
    return [
        (m.message_type, m.headers.get("correlation_id", ""))
        for m in transport.on("hub.partner", party)
        if m.message_type in ANSWERS
    ]


def test_an_aperak_and_contrl_carry_the_inbound_message_id(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    transport.put(RELEASE, "mscbe", "msc-out-0001")
    hub.worker.drain()
    assert _answers(transport, "MSCBE") == [("APERAK", "msc-out-0001"), ("CONTRL", "msc-out-0001")]
    notes = [m for m in transport.on("hub.partner", "FWDANT") if m.message_type not in ANSWERS]
    assert notes and all("correlation_id" not in m.headers for m in notes)


def test_an_xml_ack_of_a_refused_document_carries_the_inbound_message_id(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    transport.put(ACCEPT, "truckco", "haul-17")  # no release to accept: refused, answered
    hub.worker.drain()
    assert _answers(transport, "TRUCKCO") == [("ack", "haul-17")]


def test_an_unreadable_payload_is_answered_with_the_inbound_message_id(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    transport.put(b"<broken", "truckco", "xml-broken-1")
    transport.put(b"UNB+garbage", "mscbe", "edi-broken-1")
    hub.worker.drain()
    assert _answers(transport, "TRUCKCO") == [("ack", "xml-broken-1")]
    assert _answers(transport, "MSCBE") == [("CONTRL", "edi-broken-1")]


def test_a_rejected_unit_is_answered_with_the_inbound_message_id(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    transport.put(RELEASE, "fwdant", "not-mine-1")  # claims MSCBE as sender
    hub.worker.drain()
    answers = _answers(transport, "FWDANT")
    assert answers and {c for _, c in answers} == {"not-mine-1"}


def test_a_repeat_answers_the_delivery_that_asked_again(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    transport.put(RELEASE, "mscbe", "first")
    hub.worker.drain()
    transport.put(RELEASE, "mscbe", "again")
    hub.worker.drain()
    repeats = [
        m.headers.get("correlation_id")
        for m in transport.on("hub.partner", "MSCBE")
        if m.headers.get("x-hub-repeat")
    ]
    assert repeats == ["again", "again"]


def test_a_delivery_without_a_message_id_gets_no_correlation_id(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    transport.put(RELEASE, "mscbe", "")
    hub.worker.drain()
    assert _answers(transport, "MSCBE") == [("APERAK", ""), ("CONTRL", "")]
