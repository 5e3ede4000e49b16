"""What the ledger writes is storable by construction: the one place that says how.

PostgreSQL refuses a NUL character in text, and JSON processing refuses its `\\u0000` escape; no
driver can encode a lone surrogate (what `surrogateescape` decoding leaves of a stray byte); a
`VARCHAR(n)` refuses n + 1 characters. A partner controls every AMQP property and every
reference in its payload, so each value the ledger writes is one of three kinds:

- **metadata** (content types, reasons, problems, audit details, outbox headers): `text` and
  `json_safe` escape NUL, other control characters and lone surrogates (as ``\\x00``,
  ``\\x1b``, ``\\udcff``) and cut what is longer than the column, marking the cut. The value
  is for people; a stored copy that reads a little differently is better than none.
- **keys** (inbox sender and dedup key, audit message reference): `key` leaves a clean key that
  fits as it is and turns any other into a clean prefix plus the SHA-256 of the whole value, so
  two different keys never become one (deduplication stays exact) and every lookup of the same
  key finds the same row.
- **data** (a B/L, a terminal code, a routing key: values the business reads back and
  compares): `require` raises `Unstorable`, a permanent problem of the message that carried it,
  on SQLite as on PostgreSQL. The message is rejected with that reason and answered.

Repositories call these; nothing else in the hub needs to know what a column can hold.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from hub.errors import Problem, Unstorable

CUT = "…"
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_UNSAFE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_HASHED = "#sha256:"


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(value: object, *, lines: bool = False) -> str:
    """`value` as text with NUL, control characters and lone surrogates escaped; with
    `lines`, line breaks and tabs are kept (long text), otherwise they are escaped too."""
    text = value if isinstance(value, str) else str(value)
    return (_UNSAFE if lines else _UNSAFE_LINE).sub(_escape, text)


def text(value: object, width: int | None = None, *, lines: bool = False) -> str:
    """Metadata: `clean`, then cut to `width` characters with a visible mark."""
    result = clean(value, lines=lines)
    if width is not None and len(result) > width:
        return result[: width - len(CUT)] + CUT
    return result


def key(value: str, width: int) -> str:
    """A lookup key that fits `width`: unchanged when clean and short enough, otherwise a clean
    prefix and the SHA-256 of the original (so distinct keys stay distinct)."""
    if len(value) <= width and clean(value) == value:
        return value
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    digest = digest[: min(64, width - len(_HASHED) - 16)]  # 160 bits at least for width 64
    return clean(value)[: width - len(_HASHED) - len(digest)] + _HASHED + digest


def json_safe(value: Any, max_text: int = 4000) -> Any:
    """A JSON value whose strings (keys included) are `clean` and at most `max_text` long."""
    if isinstance(value, str):
        return text(value, max_text, lines=True)
    if isinstance(value, dict):
        return {text(k, 200): json_safe(v, max_text) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v, max_text) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return text(value, max_text, lines=True)


def require(value: str, width: int, what: str) -> str:
    """Data the business reads back: stored exactly, or refused as `Unstorable`."""
    if len(value) > width:
        problem = f"{what} {text(value, 40)!r} cannot be stored: longer than {width} characters"
        raise Unstorable(problem, (Problem(problem, code="39"),))
    if clean(value) != value:
        problem = f"{what} {text(value, 40)!r} cannot be stored: it contains a control character"
        raise Unstorable(problem, (Problem(problem, code="21"),))
    return value


def problems(
    found: tuple[dict[str, Any], ...] | list[dict[str, Any]],
    *,
    keep: int = 50,
    max_text: int = 500,
) -> list[dict[str, Any]]:
    """At most `keep` problems with their strings cut to `max_text`, and one more saying how
    many were left out: a quarantine entry stays small however many problems a payload has."""
    kept = [json_safe(dict(p), max_text) for p in found[:keep]]
    if len(found) > keep:
        kept.append({"message": f"{len(found) - keep} more problem(s) not kept"})
    return kept
