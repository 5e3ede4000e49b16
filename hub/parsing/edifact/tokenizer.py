"""Step 1 of the EDIFACT flow (tokenizer → envelope): text in, `Segment`s out.

Split-based, not character-by-character: the text is cut at segment terminators with
`str.split`, pieces whose terminator was released (an odd run of release characters before it)
are glued back, and each segment is cut at element / repetition / component separators. Only a
segment that contains a release character goes through the (slower) regular expression.

Rules it follows (ISO 9735):
- `UNA` is optional and gives six characters: component, element, decimal, release,
  repetition (reserved under versions 1-3), terminator. A space for the release or repetition
  character means "not used". Another `UNA` may open each concatenated interchange.
- Without `UNA` the level-A defaults ``:+.? '`` apply, or the level-B information separators
  (IS1/IS3/IS4) when the element separator after the first tag is IS3.
- The repetition separator only splits data under syntax version 4, read from each `UNB`;
  under versions 1-3 (or with no `UNB`) it is ordinary data.
- Whitespace (CR/LF, blanks) directly after a terminator is not data; a UTF-8 BOM is dropped.
- A missing final terminator, empty segments, a dangling release character and invalid tags
  are reported as `Problem`s, never raised. Only the segment limit raises (`InputTooLarge`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from hub.errors import InputTooLarge, Problem
from hub.parsing.edifact.model import Segment, SyntaxCode
from hub.parsing.edifact.una import (
    BLANKS,
    LEVEL_A,
    LEVEL_B,
    Separators,
    chunks,
    from_una,
    released,
    valid,
)

__all__ = ["LEVEL_A", "LEVEL_B", "Separators", "Tokenized", "tokenize"]

DEFAULT_MAX_SEGMENTS = 200_000
_TRAILER_JUNK = BLANKS + "\x00\x1a"
_TAG = re.compile(r"[A-Z][A-Z0-9]{2}\Z")
_SERVICE_TAGS = frozenset({"UNA", "UNB"})  # always take the slow path: UNB sets the version
_GOOD_TAGS: set[str] = set()  # tags already seen valid (bounded: 3-character tags only)


@dataclass
class Tokenized:
    """What the tokenizer found: segments in payload order, and problems on the way."""

    segments: list[Segment] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def tokenize(text: str, *, max_segments: int = DEFAULT_MAX_SEGMENTS) -> Tokenized:
    """Split EDIFACT `text` into segments (positions from 1, a UNA counts as a segment)."""
    state = _State(max_segments)
    text = text.lstrip("\ufeff" + BLANKS)
    for una, body in chunks(text):
        seps = _separators(una, body, state)
        _tokenize_body(body, seps, state)
    return state.result


class _State:
    """Running position, active repetition separator and the growing result."""

    def __init__(self, max_segments: int) -> None:
        self.max_segments = max_segments
        self.position = 0
        self.repetition = ""
        self.result = Tokenized()

    def problem(self, message: str, code: str, severity: str = "error", tag: str = "") -> None:
        self.result.problems.append(
            Problem(message, code, severity, segment_tag=tag, segment_position=self.position)
        )

    def emit(self, segment: Segment) -> None:
        self.result.segments.append(segment)

    def next_position(self) -> int:
        self.position += 1
        if self.position > self.max_segments:
            raise InputTooLarge(
                f"more than {self.max_segments} segments",
                (Problem(f"segment limit {self.max_segments} exceeded", SyntaxCode.UNSPECIFIED),),
            )
        return self.position


def _separators(una: str | None, body: str, state: _State) -> Separators:
    """The separators governing `body`: from its UNA (validated), else sniffed defaults."""
    state.repetition = ""
    if una is None:
        return LEVEL_B if body[3:4] == "\x1d" else LEVEL_A
    position = state.next_position()
    state.emit(Segment("UNA", ((una,),), position))
    if len(una) < 6:
        state.problem("UNA is truncated", SyntaxCode.UNA_NOT_SUPPORTED, tag="UNA")
        return LEVEL_A
    seps = from_una(una)
    if not valid(seps):
        state.problem(
            f"UNA service characters {una!r} are unusable, defaults used",
            SyntaxCode.INVALID_SERVICE_CHARACTER,
            tag="UNA",
        )
        return LEVEL_A
    return seps


def _tokenize_body(body: str, seps: Separators, state: _State) -> None:
    """Cut `body` at unreleased terminators and turn each piece into a segment."""
    pieces = body.split(seps.terminator)
    if seps.release and seps.release in body:
        pieces = _rejoin(pieces, seps)
    tail = pieces.pop()
    _check_limit(pieces, state)
    segments = state.result.segments
    for raw in pieces:
        segment = _plain(raw, seps, state) or _segment(raw, seps, state)
        if segment is not None:
            segments.append(segment)
    if tail.strip(_TRAILER_JUNK):
        last = _segment(tail, seps, state)
        segments.extend([last] if last else [])
        tag = _tag_of(tail, seps)
        state.problem("last segment has no terminator", SyntaxCode.MISSING, "warning", tag=tag)


def _check_limit(pieces: list[str], state: _State) -> None:
    """Raise `InputTooLarge` before building segments the limit would refuse anyway."""
    if len(pieces) + state.position > state.max_segments:
        real = sum(1 for p in pieces if p.strip(BLANKS))
        if real + state.position > state.max_segments:
            state.position = state.max_segments
            state.next_position()


def _rejoin(pieces: list[str], seps: Separators) -> list[str]:
    """Glue back pieces split at a released terminator (``?'``, ``???'``; not ``??'``)."""
    out: list[str] = []
    pending: str | None = None
    for piece in pieces[:-1]:
        current = piece if pending is None else pending + seps.terminator + piece
        if released(current, seps.release):
            pending = current
        else:
            out.append(current)
            pending = None
    tail = pieces[-1]
    out.append(tail if pending is None else pending + seps.terminator + tail)
    return out


def _tag_of(raw: str, seps: Separators) -> str:
    return raw.lstrip(BLANKS).split(seps.element, 1)[0][:3]


def _plain(raw: str, seps: Separators, state: _State) -> Segment | None:
    """Fast path for the common segment: no release, no repetition, a known-good tag."""
    raw = raw.lstrip(BLANKS)
    if not raw or (seps.release and seps.release in raw) or state.repetition:
        return None
    parts = raw.split(seps.element)
    tag = parts[0]
    if tag not in _GOOD_TAGS:
        return None
    comp = seps.component
    state.position += 1
    return Segment(tag, tuple([tuple(p.split(comp)) for p in parts[1:]]), state.position)


def _segment(raw: str, seps: Separators, state: _State) -> Segment | None:
    """Any segment: released characters, repetitions, odd tags; learns the version from UNB."""
    raw = raw.lstrip(BLANKS)
    if not raw:
        state.problem("empty segment", SyntaxCode.MISSING, "warning")
        return None
    position = state.next_position()
    if seps.release and seps.release in raw:
        parts, dangling = _split_released(raw, seps, state.repetition)
        if dangling:
            state.problem(
                "release character at end of segment",
                SyntaxCode.INVALID_VALUE,
                "warning",
                tag=raw[:3],
            )
    else:
        parts = _split_plain(raw, seps, state.repetition)
    segment = _build(parts, position, state)
    if segment.tag == "UNB":
        state.repetition = seps.repetition if segment.get(0, 1).strip() == "4" else ""
    return segment


Parts = list[list[list[str]]]  # elements → occurrences → components


def _split_plain(raw: str, seps: Separators, repetition: str) -> Parts:
    """Fast path: no release character in the segment."""
    comp = seps.component
    if repetition and repetition in raw:
        return [[occ.split(comp) for occ in el.split(repetition)] for el in raw.split(seps.element)]
    return [[el.split(comp)] for el in raw.split(seps.element)]


@lru_cache(maxsize=32)
def _scanner(release: str, separators: str) -> re.Pattern[str]:
    r, s = re.escape(release), re.escape(separators)
    return re.compile(f"{r}(.?)|([{s}])|([^{r}{s}]+)", re.DOTALL)


def _split_released(raw: str, seps: Separators, repetition: str) -> tuple[Parts, bool]:
    """Slow path: scan tokens, unescaping released characters; also says if one dangles."""
    parts: Parts = [[[]]]
    buf: list[str] = []
    dangling = False
    for m in _scanner(seps.release, seps.element + seps.component + repetition).finditer(raw):
        if m.lastindex == 2:
            parts[-1][-1].append("".join(buf))
            buf = []
            if m.group(2) == seps.element:
                parts.append([[]])
            elif m.group(2) == repetition:
                parts[-1].append([])
        else:
            text = m.group(m.lastindex or 3)
            dangling = m.lastindex == 1 and text == ""
            buf.append(text)
    parts[-1][-1].append("".join(buf))
    return parts, dangling


def _build(parts: Parts, position: int, state: _State) -> Segment:
    """Freeze split parts into a `Segment`, checking the tag."""
    head = parts[0][0]
    tag = head[0]
    if _TAG.match(tag) and tag not in _SERVICE_TAGS:
        _GOOD_TAGS.add(tag)
    if not _TAG.match(tag):
        state.problem(f"invalid segment tag {tag[:10]!r}", SyntaxCode.INVALID_VALUE, tag=tag[:10])
    elif len(head) > 1 or len(parts[0]) > 1:
        state.problem(
            "segment tag has extra components", SyntaxCode.TOO_MANY_CONSTITUENTS, "warning", tag=tag
        )
    elements = tuple(tuple(el[0]) for el in parts[1:])
    if not any(len(el) > 1 for el in parts):
        return Segment(tag, elements, position)
    repeats = tuple(
        (i, tuple(tuple(occ) for occ in el[1:])) for i, el in enumerate(parts[1:]) if len(el) > 1
    )
    return Segment(tag, elements, position, repeats)
