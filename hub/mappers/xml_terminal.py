"""Terminal events (``urn:hub:terminal:1`` ``TerminalEventReport``) → `RecordTerminalEvent`.

The report names one ``terminalCode``; each ``event`` gives ``eventType``, ``equipmentNumber``
and optionally ``eventDateTimeUtc``:

    discharge → DISCHARGED    terminalRelease → RELEASED    block → BLOCKED
    scan      → SCANNING      gateOut         → GATE_OUT (ends the release right: picked up)
"""

from __future__ import annotations

from hub.domain.commands import AnyCommand, RecordTerminalEvent
from hub.domain.values import TerminalEvent
from hub.mappers.base import MappedMessage
from hub.mappers.xml_support import Findings
from hub.parsing.xml.document import XmlDocument, XmlNode

EVENTS: dict[str, TerminalEvent] = {
    "discharge": TerminalEvent.DISCHARGED,
    "terminalRelease": TerminalEvent.RELEASED,
    "block": TerminalEvent.BLOCKED,
    "scan": TerminalEvent.SCANNING,
    "gateOut": TerminalEvent.GATE_OUT,
}


def map_terminal_event_report(doc: XmlDocument) -> MappedMessage:
    """One `RecordTerminalEvent` per ``event`` element, all at the report's terminal; an event
    with a bad container is reported and left out, the others still apply."""
    found = Findings(doc)
    terminal = doc.tree.text_at("terminalCode")
    commands: list[AnyCommand] = []
    for node in doc.tree.all("event"):
        command = _event(node, terminal, found)
        if command:
            commands.append(command)
    return found.result(commands, partial=True)


def _event(node: XmlNode, terminal: str, found: Findings) -> RecordTerminalEvent | None:
    event = EVENTS.get(node.text_at("eventType"))
    container = found.container(node)
    if event is None:
        found.problem(node, f"unknown terminal event {node.text_at('eventType')!r}")
    if event is None or not container:
        return None
    at = found.timestamp(node, "eventDateTimeUtc")
    return RecordTerminalEvent(container, event, terminal, at)
