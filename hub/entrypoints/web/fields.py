"""What the portal accepts from a request, checked once at the web edge.

Every value a page reads (a form field, a query parameter, the path) passes `problem` before
any service sees it: bounded in length and plain text. Refused, by the field's name, are

- control characters (NUL, bell, escape, DEL, C1; a newline too: no portal field is multi-line),
- lone surrogates and U+FFFD, the mark of bytes that were not UTF-8,
- the bidirectional overrides and isolates, which make a value read otherwise than it is stored,
- a value longer than its field's bound (`LIMITS`, else `LIMIT`).

A NUL would otherwise pass SQLite and make PostgreSQL refuse the commit (a 500); an over-long
value would pass SQLite and break a column width on PostgreSQL. The registry still checks its
own fields by their table widths (`registry._text_problems`); this is the bound for everything.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

LIMIT = 200
"""The longest value of a field not named in `LIMITS`."""
LIMITS = {
    "key": 64,  # a form's one-time key, part of an inbox key (String(300) with its prefix)
    "csrf": 64,
    "terminal": 35,  # container_files.terminal
    "address": 300,
    "billing_address": 300,
    "path": 300,
}
MAX_BODY = 16_384
"""The largest form body, in bytes (the longest legitimate form is well under 4 KiB)."""
MAX_FIELDS = 64
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _bad(ch: str) -> bool:
    return ch in _BIDI or unicodedata.category(ch) in ("Cc", "Cs")


def _label(name: str) -> str:
    return name if name.isidentifier() and len(name) <= 40 else "a field"


def problem(name: str, value: str) -> str:
    """'' when `value` may be read as the field `name`, else why not (for the page)."""
    limit = LIMITS.get(name, LIMIT)
    if len(value) > limit:
        return f"{_label(name)} is longer than {limit} characters"
    if "\ufffd" in value or (not value.isprintable() and any(_bad(ch) for ch in value)):
        return f"{_label(name)} holds a control character or bytes that are not text"
    return ""


def first_problem(items: Iterable[tuple[str, object]]) -> str:
    """The first problem among named values ('' when none). A file is refused: the portal
    posts text only."""
    for name, value in items:
        if problem("name", name):
            return "a field name is too long or not text"
        if not isinstance(value, str):
            return f"{_label(name)} must be text, not a file"
        if found := problem(name, value):
            return found
    return ""
