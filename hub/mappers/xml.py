"""XML documents → mapped messages: the registry of XML mappers, by namespace and root element.

    urn:hub:release:1   ReleaseRightAction    → xml_release.map_release_right_action
    urn:hub:release:1   PickupRightAction     → xml_release.map_pickup_right_action
    urn:hub:release:1   LightSubscriptionAction → xml_release.map_light_subscription_action
    urn:hub:customs:1   CustomsStatusReport   → xml_customs.map_customs_status_report
    urn:hub:terminal:1  TerminalEventReport   → xml_terminal.map_terminal_event_report

The hub's own outbound documents (gate, notification, acknowledgement) parse and validate, but
are not accepted as input: they map to `MapStatus.UNSUPPORTED` with a reason.
"""

from __future__ import annotations

from collections.abc import Callable

from hub.mappers.base import MappedMessage
from hub.mappers.xml_customs import map_customs_status_report
from hub.mappers.xml_release import (
    map_light_subscription_action,
    map_pickup_right_action,
    map_release_right_action,
)
from hub.mappers.xml_support import unsupported
from hub.mappers.xml_terminal import map_terminal_event_report
from hub.parsing.xml.document import XmlDocument

Mapper = Callable[[XmlDocument], MappedMessage]

MAPPERS: dict[tuple[str, str], Mapper] = {
    ("urn:hub:release:1", "ReleaseRightAction"): map_release_right_action,
    ("urn:hub:release:1", "PickupRightAction"): map_pickup_right_action,
    ("urn:hub:release:1", "LightSubscriptionAction"): map_light_subscription_action,
    ("urn:hub:customs:1", "CustomsStatusReport"): map_customs_status_report,
    ("urn:hub:terminal:1", "TerminalEventReport"): map_terminal_event_report,
}

OUTBOUND: frozenset[tuple[str, str]] = frozenset(
    {
        ("urn:hub:gate:1", "GateAuthorisation"),
        ("urn:hub:gate:1", "GateWithdrawal"),
        ("urn:hub:notification:1", "Notification"),
        ("urn:hub:ack:1", "Acknowledgement"),
    }
)


def map_xml_document(doc: XmlDocument) -> MappedMessage:
    """Map one schema-valid document; never raises for content (problems are in the result)."""
    key = (doc.namespace, doc.root_name)
    mapper = MAPPERS.get(key)
    if mapper is not None:
        return mapper(doc)
    if key in OUTBOUND:
        return unsupported(doc, f"<{doc.root_name}> is a document the hub sends, not one it reads")
    return unsupported(doc, f"no mapper for <{doc.root_name}> in namespace {doc.namespace!r}")
