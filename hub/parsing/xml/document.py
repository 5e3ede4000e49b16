"""The hub's own view of a parsed XML document: plain frozen dataclasses, no lxml type.

`parse_xml` builds these after the document passed every safety check and its schema; mappers
read them. Element names are local names (the namespace is on the document), text is stripped,
and every node keeps its source line and a readable path such as
``/ReleaseRightAction/billOfLadingNumbers/billOfLadingNumber[2]`` for problem reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from hub.domain.values import PartyRef

_FRACTION = re.compile(r"(\.\d{6})\d+")


@dataclass(frozen=True)
class XmlNode:
    """One element: local name, attributes, stripped text, child elements, line and path."""

    tag: str
    attrib: dict[str, str] = field(default_factory=dict)
    text: str = ""
    children: tuple[XmlNode, ...] = ()
    line: int = 0
    path: str = ""

    def child(self, tag: str) -> XmlNode | None:
        """The first child element named `tag`, or None."""
        return next((c for c in self.children if c.tag == tag), None)

    def all(self, tag: str) -> tuple[XmlNode, ...]:
        """Every child element named `tag`, in document order."""
        return tuple(c for c in self.children if c.tag == tag)

    def find(self, path: str) -> XmlNode | None:
        """The node at a ``/``-separated path of child names (first match at each step)."""
        node: XmlNode | None = self
        for step in path.split("/"):
            node = node.child(step) if node else None
        return node

    def text_at(self, path: str) -> str:
        """Text of the node at `path`, '' when there is none."""
        node = self.find(path)
        return node.text if node else ""


@dataclass(frozen=True)
class XmlDocument:
    """A schema-valid XML document: what it is, who says they sent it, and its tree.

    `sender` and `timestamp` come from the document header; `sender` is None for documents
    whose header has no sender (the hub's own outbound documents).
    """

    namespace: str
    root_name: str
    message_id: str
    sender: PartyRef | None
    timestamp: datetime | None
    tree: XmlNode
    on_behalf_of: PartyRef | None = None

    @property
    def version(self) -> str:
        """The schema version: the last part of the namespace (``urn:hub:release:1`` → ``1``)."""
        return self.namespace.rsplit(":", 1)[-1]


def parse_timestamp(text: str) -> datetime:
    """An XSD dateTime with a zone as an aware datetime; raises ValueError when it is not one."""
    value = datetime.fromisoformat(_FRACTION.sub(r"\1", text.strip()))
    if value.tzinfo is None:
        raise ValueError(f"date-time {text!r} has no time zone")
    return value
