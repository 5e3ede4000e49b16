"""Shared pieces of the XML mappers: reading identifications, dates, container numbers, and
collecting problems (each with the element's line and path) into one `MappedMessage`.

The schema already guaranteed the shape (syntax stage); what is checked here is meaning
(semantic stage): ISO 6346 check digits, elements an action needs that XSD 1.0 cannot make
conditional (``releaseTo`` for a Transfer, ``@scope`` for a Revoke, ``pickupParty`` for an Assign).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from hub.domain.commands import AnyCommand
from hub.domain.containers import container_problem, normalise
from hub.domain.values import PartyRef
from hub.errors import Problem
from hub.mappers.base import MappedMessage, MapStatus
from hub.parsing.xml.document import XmlDocument, XmlNode, parse_timestamp

INVALID = "12"  # UN/EDIFACT 0085 / 9321: invalid value
MISSING = "13"  # missing


@dataclass
class Findings:
    """What one document's mapping found: its problems and the containers it names."""

    doc: XmlDocument
    problems: list[Problem] = field(default_factory=list)
    containers: list[str] = field(default_factory=list)

    def problem(self, node: XmlNode, text: str, code: str = INVALID, *, warn: bool = False) -> None:
        """Record a problem located at `node`."""
        severity = "warning" if warn else "error"
        self.problems.append(
            Problem(
                text,
                code=code,
                severity=severity,
                message_ref=self.doc.message_id,
                line=node.line,
                path=node.path,
            )
        )

    def container(self, parent: XmlNode, tag: str = "equipmentNumber") -> str:
        """The ISO 6346-checked container number in `parent`/`tag` ('' with a problem if bad)."""
        node = parent.child(tag)
        if node is None:
            self.problem(parent, f"{tag} is missing", MISSING)
            return ""
        number = normalise(node.text)
        self.containers.append(number)
        wrong = container_problem(number)
        if wrong:
            self.problem(node, wrong)
        return "" if wrong else number

    def require(self, parent: XmlNode, tag: str, why: str) -> XmlNode | None:
        """The child `tag` of `parent`, or None with a 'missing' problem saying `why`."""
        node = parent.child(tag)
        if node is None:
            self.problem(parent, f"{tag} is missing: {why}", MISSING)
        return node

    def timestamp(self, parent: XmlNode, tag: str) -> datetime | None:
        """The date-time in `parent`/`tag` in UTC, None when absent (a problem when unreadable)."""
        node = parent.child(tag)
        if node is None:
            return None
        try:
            return parse_timestamp(node.text).astimezone(UTC)
        except ValueError as exc:
            self.problem(node, f"{tag}: {exc}")
            return None

    def result(self, commands: list[AnyCommand], *, partial: bool = False) -> MappedMessage:
        """The mapped message. A single action is REJECTED (without commands) by any error; a
        report with `partial` keeps its good entries, like the EDIFACT mappers, and is REJECTED
        only when errors left nothing to do."""
        errors = any(p.severity == "error" for p in self.problems)
        rejected = errors and (not partial or not commands)
        return MappedMessage(
            ref=self.doc.message_id,
            type=self.doc.root_name,
            version=self.doc.namespace,
            status=MapStatus.REJECTED if rejected else MapStatus.MAPPED,
            commands=() if rejected else tuple(commands),
            containers=tuple(dict.fromkeys(self.containers)),
            problems=tuple(self.problems),
            claimed_sender=self.doc.sender.code if self.doc.sender else "",
        )


def party(node: XmlNode | None) -> PartyRef | None:
    """An ``Identification`` (identificationType + identificationCode) as a `PartyRef`."""
    if node is None:
        return None
    return PartyRef(node.text_at("identificationCode"), node.text_at("identificationType"))


def bills_of_lading(parent: XmlNode) -> tuple[str, ...]:
    """The ``billOfLadingNumbers/billOfLadingNumber`` values, in order."""
    wrapper = parent.child("billOfLadingNumbers")
    return tuple(n.text for n in wrapper.all("billOfLadingNumber")) if wrapper else ()


def unsupported(doc: XmlDocument, reason: str) -> MappedMessage:
    """A document the hub parses but does not map."""
    problem = Problem(
        reason, code="15", message_ref=doc.message_id, line=doc.tree.line, path=doc.tree.path
    )
    return MappedMessage(
        ref=doc.message_id,
        type=doc.root_name,
        version=doc.namespace,
        status=MapStatus.UNSUPPORTED,
        problems=(problem,),
        claimed_sender=doc.sender.code if doc.sender else "",
    )
