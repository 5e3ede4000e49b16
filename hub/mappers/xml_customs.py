"""Customs status (``urn:hub:customs:1`` ``CustomsStatusReport``) → `RecordCustomsStatus`.

Each ``containerStatus`` gives the status of one container (``equipmentNumber``), each
``billOfLadingStatus`` that of a whole bill of lading (``billOfLadingNumber``); ``status`` is one
of the schema's values, ``customsReference`` (optional) becomes the command's reference.
"""

from __future__ import annotations

from hub.domain.commands import AnyCommand, RecordCustomsStatus
from hub.domain.values import CustomsStatus
from hub.mappers.base import MappedMessage
from hub.mappers.xml_support import Findings
from hub.parsing.xml.document import XmlDocument, XmlNode

STATUSES: dict[str, CustomsStatus] = {
    "released": CustomsStatus.RELEASED,
    "selectedForScan": CustomsStatus.SELECTED_FOR_SCAN,
    "fasfc": CustomsStatus.FASFC,
    "portEqualisation": CustomsStatus.PORT_EQUALISATION,
    "transhipment": CustomsStatus.TRANSHIPMENT,
    "documentaryControl": CustomsStatus.DOCUMENTARY_CONTROL,
    "partiallyCleared": CustomsStatus.PARTIALLY_CLEARED,
    "notCleared": CustomsStatus.NOT_CLEARED,
}


def map_customs_status_report(doc: XmlDocument) -> MappedMessage:
    """One `RecordCustomsStatus` per container or bill-of-lading status in the report; an entry
    with a bad container is reported and left out, the others still apply."""
    found = Findings(doc)
    commands: list[AnyCommand] = []
    for node in doc.tree.children:
        command = _status(node, found) if node.tag in _ENTRIES else None
        if command:
            commands.append(command)
    return found.result(commands, partial=True)


_ENTRIES = ("containerStatus", "billOfLadingStatus")


def _status(node: XmlNode, found: Findings) -> RecordCustomsStatus | None:
    status = STATUSES.get(node.text_at("status"))
    if status is None:
        found.problem(node, f"unknown customs status {node.text_at('status')!r}")
        return None
    reference = node.text_at("customsReference")
    if node.tag == "billOfLadingStatus":
        bill = node.text_at("billOfLadingNumber")
        return RecordCustomsStatus(status, bill_of_lading=bill, reference=reference)
    container = found.container(node)
    if not container:
        return None
    return RecordCustomsStatus(status, container=container, reference=reference)
