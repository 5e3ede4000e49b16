"""EDIFACT syntax stage: bytes in, `ParsedPayload` (the hub's own model) out.

The flow, one module per step: `decoding` (bytes → text by the UNB character set) →
`tokenizer` (text → segments) → `envelope` (segments → interchanges, groups, messages, with
control counts checked). `reference` wraps pydifact, the reference implementation the tokenizer
is tested against; it is the only module of the hub that imports pydifact.

    parsed = parse_edifact(body)          # ParsedPayload, problems inside
    parse_edifact(b"hello")               # raises SyntaxRejected (not EDIFACT)
"""

from __future__ import annotations

import re

from hub.errors import SyntaxRejected
from hub.parsing.edifact.decoding import UTF8_BOM, decode_payload
from hub.parsing.edifact.envelope import build_payload
from hub.parsing.edifact.limits import DEFAULT_LIMITS, EdifactLimits, check_service_counts
from hub.parsing.edifact.model import ParsedPayload
from hub.parsing.edifact.tokenizer import tokenize

__all__ = ["DEFAULT_LIMITS", "EdifactLimits", "looks_like_edifact", "parse_edifact"]

_START = re.compile(rb"(?:UNA|UNB|UNH|[A-Z][A-Z0-9]{2}[+\x1d])")


def parse_edifact(
    payload: bytes | str,
    *,
    strict: bool = False,
    max_segments: int | None = None,
    limits: EdifactLimits = DEFAULT_LIMITS,
) -> ParsedPayload:
    """Parse one inbound payload (one or more interchanges, or bare messages).

    Problems found on the way are returned inside the result, located by segment position
    (UNA counts as a segment) and element. Control count and reference mismatches are warnings,
    errors when `strict`. Raises `InputTooLarge` past any of `limits` (`max_segments`
    overrides its segment limit) and `SyntaxRejected` when nothing in the payload is EDIFACT.
    """
    text, problems = decode_payload(payload) if isinstance(payload, bytes) else (payload, [])
    rejection = _rejection(text)
    tokens = tokenize(text, max_segments=max_segments, limits=limits)
    del text  # segments keep only their own text; a large payload's is freed before mapping
    check_service_counts(tokens.segments, limits)
    parsed = build_payload(tokens.segments, tokens.problems, strict=strict)
    del tokens
    if not parsed.interchanges:
        raise SyntaxRejected(rejection, (*problems, *parsed.problems))
    if problems:
        return ParsedPayload(parsed.interchanges, (*problems, *parsed.problems))
    return parsed


_NOT_BLANK = re.compile(r"[^ \r\n\t\ufeff\x00]")


def _rejection(text: str) -> str:
    if not _NOT_BLANK.search(text):
        return "empty payload"
    return "not EDIFACT: no UNB or UNH segment found"


def looks_like_edifact(payload: bytes | str) -> bool:
    """Cheap sniff: optional BOM and blanks, then UNA, UNB, UNH or a tag and element separator."""
    if isinstance(payload, str):
        payload = payload[:256].lstrip("\ufeff").encode("latin-1", "replace")
    head = payload[:256].removeprefix(UTF8_BOM).lstrip(b" \r\n\t")
    return bool(_START.match(head))
