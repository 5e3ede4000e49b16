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
  are reported as `Problem`s, never raised. Only the limits raise (`InputTooLarge`, see
  `limits`): counts of interchanges, release characters and segment terminators are taken
  over the text before it is split; a segment's length and its separators are counted before
  it is cut (only for segments longer than the smallest limit: the others cannot exceed one).
  Work and memory stay linear in the text whatever its shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from hub.errors import Problem
from hub.parsing.edifact.limits import (
    DEFAULT_LIMITS,
    EdifactLimits,
    check_counts,
    check_length,
    check_parts,
    check_plain,
    shortest,
    too_large,
)
from hub.parsing.edifact.model import Segment, SyntaxCode
from hub.parsing.edifact.una import (
    BLANKS,
    LEVEL_A,
    LEVEL_B,
    Separators,
    from_una,
    released,
    spans,
    valid,
)

__all__ = ["LEVEL_A", "LEVEL_B", "Separators", "Tokenized", "tokenize"]

DEFAULT_MAX_SEGMENTS = DEFAULT_LIMITS.max_segments
_TRAILER_JUNK = BLANKS + "\x00\x1a"
_TAG = re.compile(r"[A-Z][A-Z0-9]{2}\Z")
# Always taken on the slow path: UNB sets the version; UNB and UNH are counted against the
# limits as they come, so that a flood of interchanges or messages stops at the first too many.
_SERVICE_TAGS = frozenset({"UNA", "UNB", "UNH"})
# Tags already seen valid, each mapped to one shared instance (bounded: 3-character tags only).
_GOOD_TAGS: dict[str, str] = {}


@dataclass
class Tokenized:
    """What the tokenizer found: segments in payload order, and problems on the way."""

    segments: list[Segment] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def tokenize(
    text: str, *, max_segments: int | None = None, limits: EdifactLimits = DEFAULT_LIMITS
) -> Tokenized:
    """Split EDIFACT `text` into segments (positions from 1, a UNA counts as a segment).

    Raises `InputTooLarge` past any of `limits` (`max_segments` overrides its segment limit).
    """
    if max_segments is not None:
        limits = replace(limits, max_segments=max_segments)
    state = _State(limits)
    text = text.lstrip("\ufeff" + BLANKS)
    bodies = spans(text, limits.max_interchanges)
    if len(bodies) > limits.max_interchanges:
        what = f"more than {limits.max_interchanges:,} interchanges (UNA service string advices)"
        raise too_large(what, limits.max_interchanges)
    for una, start, end in bodies:
        seps = _separators(una, text[start : min(start + 4, end)], state)
        check_counts(text, start, end, seps, state.position, limits)
        _tokenize_body(_pieces(text, start, end, seps), seps, state)
    return state.result


class _State:
    """Running position, active repetition separator and the growing result."""

    def __init__(self, limits: EdifactLimits) -> None:
        self.limits = limits
        self.max_segments = limits.max_segments
        self.position = 0
        self.repetition = ""
        self.result = Tokenized()
        self.service: dict[str, int] = {}

    def problem(self, message: str, code: str, severity: str = "error", tag: str = "") -> None:
        found = self.result.problems
        if len(found) >= self.limits.max_problems:
            what = f"more than {self.limits.max_problems:,} syntax problems"
            raise too_large(what, self.limits.max_problems, tag=tag, position=self.position)
        found.append(
            Problem(message, code, severity, segment_tag=tag, segment_position=self.position)
        )

    def count(self, tag: str) -> None:
        """Count a UNB or UNH against the interchange or message limit."""
        seen = self.service[tag] = self.service.get(tag, 0) + 1
        limit = self.limits.max_interchanges if tag == "UNB" else self.limits.max_messages
        if seen > limit:
            what = "interchanges" if tag == "UNB" else "messages"
            text = f"more than {limit:,} {tag} segments ({what} in one payload)"
            raise too_large(text, limit, tag=tag, position=self.position)

    def emit(self, segment: Segment) -> None:
        self.result.segments.append(segment)

    def next_position(self) -> int:
        self.position += 1
        if self.position > self.max_segments:
            what = f"more than {self.max_segments:,} segments"
            raise too_large(what, self.max_segments, position=self.position)
        return self.position


def _separators(una: str | None, head: str, state: _State) -> Separators:
    """The separators governing a body that starts with `head` (its first four characters):
    from its UNA (validated), else sniffed defaults."""
    state.repetition = ""
    if una is None:
        return LEVEL_B if head[3:4] == "\x1d" else LEVEL_A
    position = state.next_position()
    state.emit(Segment("UNA", ((una,),), position))
    if len(una) < 6:
        state.problem("UNA is truncated", SyntaxCode.UNA_NOT_SUPPORTED, tag="UNA")
        return LEVEL_A
    seps = _from_una(una)
    if seps is None:
        state.problem(
            f"UNA service characters {una!r} are unusable, defaults used",
            SyntaxCode.INVALID_SERVICE_CHARACTER,
            tag="UNA",
        )
        return LEVEL_A
    return seps


@lru_cache(maxsize=32)
def _cutter(terminator: str) -> re.Pattern[str]:
    """A terminator and the blanks after it (which are not data)."""
    return re.compile(f"{re.escape(terminator)}[{re.escape(BLANKS)}]*")


def _pieces(text: str, start: int, end: int, seps: Separators) -> list[str]:
    """`text[start:end]` cut at unreleased terminators, each piece without leading blanks.

    The body is not copied when it runs to the end of `text` and only a UNA lies before it
    (the usual single interchange, however large): `text` is cut whole and the UNA's piece
    dropped. Without a release character in the body one regular expression cuts it and
    drops the blanks after each terminator in the same pass.
    """
    term, release = seps.terminator, seps.release
    skip = 0
    if end == len(text) and (
        start == 0 or (text[start - 1] == term and text.find(term, 0, start - 1) == -1)
    ):
        body, skip = text, (1 if start else 0)
    else:
        body, start, end = text[start:end], 0, end - start
    if release and body.find(release, start, end) != -1:
        pieces = body.split(term)[skip:]
        del body
        return [p.lstrip(BLANKS) for p in _rejoin(pieces, seps)]
    if term in BLANKS:
        pieces = body.split(term)[skip:]
        del body
        return [p.lstrip(BLANKS) for p in pieces]
    pieces = _cutter(term).split(body)
    del body
    if skip:
        del pieces[0]
    pieces[0] = pieces[0].lstrip(BLANKS)
    return pieces


@lru_cache(maxsize=64)
def _from_una(una: str) -> Separators | None:
    """The separators six UNA characters give, None when they are unusable."""
    seps = from_una(una)
    return seps if valid(seps) else None


def _tokenize_body(pieces: list[str], seps: Separators, state: _State) -> None:
    """Turn each piece (a segment's text, leading blanks removed) into a segment; the last
    piece is what follows the last terminator."""
    tail = pieces.pop()
    _check_limit(pieces, state)
    segments = state.result.segments
    append = segments.append
    lazy = Segment.lazy
    good = _GOOD_TAGS
    element, release = seps.element, seps.release
    cut = element + seps.component
    position = state.position
    repetition = state.repetition
    short = shortest(state.limits)
    for raw in pieces:
        tag = good.get(raw[:3])
        if (
            tag is not None
            and (raw[3:4] == element or len(raw) == 3)
            and not (release and release in raw)
            and not (repetition and repetition in raw)
        ):
            position += 1
            if len(raw) > short:
                check_plain(raw, position, seps, "", state.limits)
            append(lazy(tag, raw, position, cut))
            continue
        state.position = position
        segment = _segment(raw, seps, state)
        position, repetition = state.position, state.repetition
        if segment is not None:
            append(segment)
    state.position = position
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
    """Glue back pieces split at a released terminator (``?'``, ``???'``; not ``??'``).

    A piece whose text ends in an odd run of release characters continues into the next one;
    the run lies within the piece itself (a terminator is no release character), so each piece
    is looked at once and a run of glued pieces is joined once: linear in the text."""
    out: list[str] = []
    pending: list[str] = []
    release, term = seps.release, seps.terminator
    for piece in pieces[:-1]:
        if piece[-1:] == release and released(piece, release):
            pending.append(piece)
        elif pending:
            pending.append(piece)
            out.append(term.join(pending))
            pending = []
        else:
            out.append(piece)
    tail = pieces[-1]
    out.append(term.join([*pending, tail]) if pending else tail)
    return out


def _tag_of(raw: str, seps: Separators) -> str:
    return raw.lstrip(BLANKS).split(seps.element, 1)[0][:3]


def _segment(raw: str, seps: Separators, state: _State) -> Segment | None:
    """Any segment: released characters, repetitions, odd tags; learns the version from UNB."""
    raw = raw.lstrip(BLANKS)
    if not raw:
        state.problem("empty segment", SyntaxCode.MISSING, "warning")
        return None
    position = state.next_position()
    limits = state.limits
    long = len(raw) > shortest(limits)
    has_release = bool(seps.release) and seps.release in raw
    if long:
        check_length(raw, position, limits)
        if not has_release:
            check_plain(raw, position, seps, state.repetition, limits)
    if has_release:
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
    if long and has_release:
        check_parts(parts, position, limits)
    segment = _build(parts, position, state)
    if segment.tag in _SERVICE_TAGS:
        state.count(segment.tag)
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
        tag = _GOOD_TAGS.setdefault(tag, tag)
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
