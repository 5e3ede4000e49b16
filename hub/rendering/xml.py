"""Outbound XML: acknowledgements, gate authorisations / withdrawals and notifications.

Written by a small serializer in `_Doc` rather than ElementTree: ``ET.indent`` + ``ET.tostring``
were most of the cost of a rendered message, and these documents need none of their generality.
The output is byte for byte what ElementTree wrote (``tests/unit/test_xml_writer.py`` checks it
against ElementTree), and lxml stays confined to ``hub.parsing.xml``. Every document validates
against its schema in ``schemas/`` (the tests check it):

    Acknowledgement                      urn:hub:ack:1            ack-1.xsd
    GateAuthorisation, GateWithdrawal    urn:hub:gate:1           gate-1.xsd
    Notification                         urn:hub:notification:1   notification-1.xsd

Builders are pure: the clock (`now`) and the message id are parameters (the acknowledgement
derives a stable id from what it answers when none is given). Free text is cut to the schema's
maximum length and characters XML 1.0 cannot carry become U+FFFD.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import UTC, datetime

from hub.domain.events import GateAuthorised, GateWithdrawn, Notification
from hub.domain.values import Pickup, PickupMode
from hub.errors import Problem

ACK_NS = "urn:hub:ack:1"
GATE_NS = "urn:hub:gate:1"
NOTIFICATION_NS = "urn:hub:notification:1"
MAX_ERRORS = 100
MAX_DETAILS = 50
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NOT_NAME = re.compile(r"[^A-Za-z0-9_.\-]")
_PARTY_TYPE = {PickupMode.TRUCK: "Truck", PickupMode.BARGE: "Barge", PickupMode.RAIL: "Rail"}


def clean(text: str, limit: int) -> str:
    """`text` with characters XML cannot carry replaced, cut to `limit` characters."""
    return _NOT_XML.sub("\ufffd", text)[:limit]


def timestamp(moment: datetime) -> str:
    """A UTC ``YYYY-MM-DDThh:mm:ssZ``; a naive datetime is taken to be UTC already."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Element:
    """An element: local name, attributes in insertion order, text and child elements."""

    __slots__ = ("attrib", "children", "tag", "text")

    def __init__(self, tag: str, text: str | None = None) -> None:
        self.tag = tag
        self.text = text
        self.attrib: dict[str, str] = {}
        self.children: list[_Element] = []

    def set(self, key: str, value: str) -> None:
        """Set attribute `key` (a new one goes after those already set, as in ElementTree)."""
        self.attrib[key] = value


class _Doc:
    """One outbound document, built element by element.

    Elements are created with local names and the root declares the namespace as the default
    (``xmlns="urn:hub:..."``), so every element is in it while attributes stay un-namespaced.
    """

    def __init__(self, namespace: str, root: str, message_id: str, now: datetime) -> None:
        self.root = _Element(root)
        self.root.set("xmlns", namespace)
        header = self.add(self.root, "header")
        self.add(header, "messageId", message_id)
        self.add(header, "timestamp", timestamp(now))

    def add(self, parent: _Element, local: str, text: str | None = None) -> _Element:
        """Append a child element, with text when given."""
        child = _Element(local, None if text is None else clean(text, 4096))
        parent.children.append(child)
        return child

    def add_if(self, parent: _Element, local: str, text: str) -> None:
        """Append a child element only when `text` is not empty."""
        if text:
            self.add(parent, local, text)

    def bytes(self) -> bytes:
        """The document, indented, UTF-8 with an XML declaration.

        Exactly what ``ET.indent(root)`` then ``ET.tostring(root, encoding="utf-8",
        xml_declaration=True)`` wrote: their declaration (single quotes, then a newline), two
        spaces per level, ``<x />`` for an element with neither text nor children, and their
        escaping and encoding error handler.
        """
        out = ["<?xml version='1.0' encoding='utf-8'?>\n"]
        _write(out, self.root, "\n")
        return "".join(out).encode("utf-8", "xmlcharrefreplace")


def _write(out: list[str], element: _Element, indent: str) -> None:
    """Append `element` to `out`; `indent` is the newline and spaces that precede it.

    As ``ET.indent``: an element with children starts them on a new line one level deeper,
    unless its own text is more than whitespace (then the first child follows that text), and
    its end tag goes on a line at its own level. Text of an element without children is kept.
    """
    tag = element.tag
    out.append("<" + tag)
    for key, value in element.attrib.items():
        out.append(f' {key}="{_escape_attribute(value)}"')
    text = element.text
    if element.children:
        inner = indent + "  "
        out.append(">" + (_escape_text(text) if text and text.strip() else inner))
        for child in element.children:
            _write(out, child, inner)
            out.append(inner)
        out[-1] = f"{indent}</{tag}>"  # the last child is followed by the end tag's line
    elif text:
        out.append(f">{_escape_text(text)}</{tag}>")
    else:
        out.append(" />")


def _escape_text(text: str) -> str:
    """Character data escaped as ElementTree does: ``&``, ``<`` and ``>`` only."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _escape_attribute(value: str) -> str:
    """An attribute value escaped as ElementTree does (quotes, and CR, LF, tab as numbers)."""
    value = _escape_text(value)
    if '"' in value:
        value = value.replace('"', "&quot;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")
    if "\n" in value:
        value = value.replace("\n", "&#10;")
    if "\t" in value:
        value = value.replace("\t", "&#09;")
    return value


def render_xml_ack(
    original_id: str,
    sender: str,
    accepted: bool,
    problems: Sequence[Problem],
    *,
    now: datetime,
    message_id: str = "",
) -> bytes:
    """``Acknowledgement`` of document `original_id` sent by `sender` (the partner answered).

    `problems` become ``errors/error`` (with @severity, so an accepted document may carry
    warnings); at most `MAX_ERRORS`, the last one saying how many were left out.
    """
    mid = message_id or _ack_id(original_id, sender, accepted, now)
    doc = _Doc(ACK_NS, "Acknowledgement", mid, now)
    doc.add_if(doc.root, "originalMessageId", clean(original_id.strip(), 70))
    doc.add_if(doc.root, "originalSender", clean(sender.strip(), 70))
    doc.add(doc.root, "status", "accepted" if accepted else "rejected")
    if problems:
        errors = doc.add(doc.root, "errors")
        for problem in _fit(problems):
            _error(doc, errors, problem)
    return doc.bytes()


def _ack_id(original_id: str, sender: str, accepted: bool, now: datetime) -> str:
    seed = f"{sender}\n{original_id}\n{accepted}\n{now.isoformat()}"
    return "ack-" + hashlib.sha256(seed.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _fit(problems: Sequence[Problem]) -> list[Problem]:
    if len(problems) <= MAX_ERRORS:
        return list(problems)
    left_out = len(problems) - (MAX_ERRORS - 1)
    return [*problems[: MAX_ERRORS - 1], Problem(f"and {left_out} more problems")]


def _error(doc: _Doc, errors: _Element, problem: Problem) -> None:
    error = doc.add(errors, "error")
    error.set("severity", "warning" if problem.severity == "warning" else "error")
    doc.add_if(error, "code", clean(problem.code.strip(), 70))
    doc.add(error, "text", clean(_error_text(problem), 512))
    if problem.line > 0:
        doc.add(error, "line", str(problem.line))
    doc.add_if(error, "path", clean(problem.path, 512))


def _error_text(problem: Problem) -> str:
    """The message; EDIFACT locators (segment, element) are prefixed as there is no field."""
    text = problem.message.strip() or "error"
    located = problem.line or problem.path
    return text if located or not problem.locator() else f"{problem.locator()}: {text}"


def render_gate_xml(
    event: GateAuthorised | GateWithdrawn, *, now: datetime, message_id: str
) -> bytes:
    """``GateAuthorisation`` or ``GateWithdrawal`` for the event's terminal."""
    if isinstance(event, GateAuthorised):
        return _authorisation(event, now, message_id)
    return _withdrawal(event, now, message_id)


def _authorisation(event: GateAuthorised, now: datetime, message_id: str) -> bytes:
    doc = _Doc(GATE_NS, "GateAuthorisation", message_id, now)
    _gate_subject(doc, event.container, event.terminal)
    doc.add_if(doc.root, "portLoCode", event.port)
    doc.add(doc.root, "releaseIdentification", event.release_ref)
    doc.add(doc.root, "sequence", str(event.sequence))
    _pickup_party(doc, event.pickup)
    if event.bills_of_lading:
        bills = doc.add(doc.root, "billOfLadingNumbers")
        for bill in event.bills_of_lading:
            doc.add(bills, "billOfLadingNumber", bill)
    if event.expires_at is not None:
        doc.add(doc.root, "expirationDateTimeUtc", timestamp(event.expires_at))
    return doc.bytes()


def _pickup_party(doc: _Doc, pickup: Pickup) -> None:
    party = doc.add(doc.root, "pickupParty")
    doc.add(party, "partyType", _PARTY_TYPE[PickupMode(pickup.mode)])
    doc.add(party, "identificationCode", pickup.identity)
    doc.add_if(party, "truckAppointmentReference", pickup.tar)


def _withdrawal(event: GateWithdrawn, now: datetime, message_id: str) -> bytes:
    doc = _Doc(GATE_NS, "GateWithdrawal", message_id, now)
    _gate_subject(doc, event.container, event.terminal)
    doc.add(doc.root, "releaseIdentification", event.release_ref)
    doc.add(doc.root, "sequence", str(event.sequence))
    doc.add_if(doc.root, "reasonForWithdrawal", clean(event.reason, 350))
    return doc.bytes()


def _gate_subject(doc: _Doc, container: str, terminal: str) -> None:
    doc.add(doc.root, "equipmentNumber", container)
    doc.add(doc.root, "terminalCode", terminal)


def render_notification_xml(n: Notification, *, now: datetime, message_id: str) -> bytes:
    """``Notification`` to party `n.party` (CPu NotificationEvent name in ``event``)."""
    doc = _Doc(NOTIFICATION_NS, "Notification", message_id, now)
    doc.add(doc.root, "receiver", n.party)
    doc.add(doc.root, "event", n.event)
    doc.add_if(doc.root, "equipmentNumber", n.container)
    doc.add_if(doc.root, "releaseIdentification", n.release_ref)
    details = [(k, v) for k, v in n.details.items() if v][:MAX_DETAILS]
    if details:
        wrapper = doc.add(doc.root, "details")
        for name, value in details:
            doc.add(wrapper, "detail", clean(value, 350)).set("name", _detail_name(name))
    return doc.bytes()


def _detail_name(key: str) -> str:
    """A detail key as an XML NCName (at most 64 characters, starting with a letter or _)."""
    name = _NOT_NAME.sub("_", key)[:64] or "_"
    return name if name[0].isalpha() or name[0] == "_" else f"_{name[:63]}"
