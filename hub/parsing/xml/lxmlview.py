"""Typed views of the lxml attributes the lxml-stubs leave untyped (error logs, source lines)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any, cast

from lxml import etree


@dataclass(frozen=True)
class LogEntry:
    """One libxml2 message: where, what kind, what it says."""

    line: int
    column: int
    type_name: str
    message: str
    path: str


def log_entries(log: object, limit: int | None = None) -> list[LogEntry]:
    """The first `limit` (default all) entries of an lxml error log (`etree._ErrorLog`,
    `_ListErrorLog`) as `LogEntry`s."""
    return [_entry(e) for e in islice(cast(Iterable[Any], log), limit)]


def _entry(raw: Any) -> LogEntry:
    return LogEntry(
        line=int(raw.line or 0),
        column=int(raw.column or 0),
        type_name=str(raw.type_name or ""),
        message=str(raw.message or ""),
        path=str(raw.path or ""),
    )


def source_line(element: etree._Element) -> int:
    """The element's line in the source document, 0 when unknown."""
    line = getattr(element, "sourceline", None)
    return line if isinstance(line, int) else 0


def has_dtd(root: etree._Element) -> bool:
    """True when the parsed document carries a DOCTYPE or a DTD of any kind."""
    docinfo = root.getroottree().docinfo
    return bool(
        getattr(docinfo, "doctype", "")
        or getattr(docinfo, "system_url", None)
        or getattr(docinfo, "internalDTD", None) is not None
    )
