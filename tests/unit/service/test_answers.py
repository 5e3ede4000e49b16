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
