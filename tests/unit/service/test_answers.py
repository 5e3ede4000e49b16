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
