"""Step 0 of the EDIFACT flow (decode → tokenizer → envelope): bytes to text, and back to checks.

The character set is named inside the payload (UNB S001 0001), so it is sniffed from the raw
bytes before decoding: service characters and the UNB are plain ASCII in every syntax level.
Decoding is lenient (a partner who says UNOA and sends UTF-8 still gets read); every deviation
is reported as a warning with 0085 code 21, never raised. `charset_problems` then checks the
decoded data against the repertoire the UNB promised (e.g. lower case under UNOA).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from hub.errors import Problem
from hub.parsing.edifact.model import Segment, SyntaxCode, encoding_for

UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UNB_SYNTAX = re.compile(rb"UNB[^A-Za-z0-9]([A-Za-z0-9]{4})")
_SNIFF_WINDOW = 65_536
_MAX_CHARSET_PROBLEMS = 10
_BATCH = 512

_UNOA = re.compile(r"[^A-Z0-9 .,\-()/='+:?!\"%&*;<>]")
_UNOB = re.compile(r"[^\x20-\x7e]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_REPERTOIRES = {"UNOA": _UNOA, "UNOB": _UNOB}


def sniff_syntax_id(data: bytes) -> str:
    """The syntax identifier of the first UNB (``UNOC``...), '' when there is no UNB."""
    found = _UNB_SYNTAX.search(data[:_SNIFF_WINDOW])
    return found.group(1).decode("ascii").upper() if found else ""


def decode_payload(data: bytes) -> tuple[str, list[Problem]]:
    """Decode `data` by the character set its UNB names; never fails, reports deviations."""
    if data.startswith(_UTF16_BOMS):
        return data.decode("utf-16", errors="replace"), []
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    syntax_id = sniff_syntax_id(data)
    codec = encoding_for(syntax_id) if syntax_id else "utf-8"
    try:
        return data.decode(codec), []
    except UnicodeDecodeError as exc:
        return _decode_leniently(data, codec, syntax_id or "UTF-8 (no UNB)", exc)


def _decode_leniently(
    data: bytes, codec: str, syntax_id: str, exc: UnicodeDecodeError
) -> tuple[str, list[Problem]]:
    """Second chance: 7-bit sets → UTF-8 → latin-1; no UNB → latin-1; the others keep their
    codec with replacement characters for the bad bytes."""
    fallbacks: tuple[str, ...] = ()
    if codec == "ascii":
        fallbacks = ("utf-8", "latin-1")
    elif syntax_id.endswith("(no UNB)"):
        fallbacks = ("latin-1",)
    for fallback in fallbacks:
        try:
            text = data.decode(fallback)
        except UnicodeDecodeError:
            continue
        return text, [_decode_problem(syntax_id, exc, f"read as {fallback}")]
    text = data.decode(codec, errors="replace")
    return text, [_decode_problem(syntax_id, exc, "replaced by U+FFFD")]


def _decode_problem(syntax_id: str, exc: UnicodeDecodeError, outcome: str) -> Problem:
    return Problem(
        f"byte {exc.object[exc.start]:#04x} at offset {exc.start} is not valid {syntax_id}; "
        f"payload {outcome}",
        SyntaxCode.INVALID_CHARACTER,
        "warning",
    )


def charset_problems(segments: Iterable[Segment], syntax_id: str) -> list[Problem]:
    """Warnings for data outside the repertoire of `syntax_id` (control characters always).

    At most one per segment and ten per call, so a whole file in lower case stays readable.
    Segments are scanned in batches, by their raw text where they kept it (a superset of their
    data characters; every repertoire pattern matches one character, so a clean batch is clean
    segment by segment); only a batch with a hit is looked at segment by segment.
    """
    name = syntax_id.strip().upper()
    pattern = _REPERTOIRES.get(name, _CONTROL)
    search = pattern.search
    found: list[Problem] = []
    listed = segments if isinstance(segments, list) else list(segments)
    for start in range(0, len(listed), _BATCH):
        found += _batch_problems(listed[start : start + _BATCH], search, pattern, name)
        if len(found) >= _MAX_CHARSET_PROBLEMS:
            break
    return found[:_MAX_CHARSET_PROBLEMS]


def _batch_problems(
    batch: list[Segment],
    search: Callable[[str], re.Match[str] | None],
    pattern: re.Pattern[str],
    name: str,
) -> list[Problem]:
    text = "".join([_data(s) if (raw := s.raw) is None else raw for s in batch])
    if _printable(text, pattern) or not search(text):
        return []
    found: list[Problem] = []
    for segment in batch:
        if search(_data(segment)):
            found.append(_locate(segment, pattern, name or "the character set"))
            if len(found) >= _MAX_CHARSET_PROBLEMS:
                break
    return found


def _printable(text: str, pattern: re.Pattern[str]) -> bool:
    """A fast sufficient test that `pattern` finds nothing in `text`: printable characters are
    never control characters (Cc), and printable ASCII is exactly UNOB's range."""
    if pattern is _CONTROL:
        return text.isprintable()
    return pattern is _UNOB and text.isascii() and text.isprintable()


def _data(segment: Segment) -> str:
    return segment.data()


def _locate(segment: Segment, pattern: re.Pattern[str], name: str) -> Problem:
    """The first offending component of `segment` as a `Problem`."""
    for e, element in enumerate(segment.elements, start=1):
        for c, component in enumerate(element, start=1):
            hit = pattern.search(component)
            if hit:
                return Problem(
                    f"character {hit.group()!r} is not allowed in {name}",
                    SyntaxCode.INVALID_CHARACTER,
                    "warning",
                    segment_tag=segment.tag,
                    segment_position=segment.position,
                    element=e,
                    component=c,
                )
    return Problem("invalid character", SyntaxCode.INVALID_CHARACTER, "warning")
