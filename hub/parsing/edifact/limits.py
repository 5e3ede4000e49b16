"""How much of each shape one EDIFACT payload may hold, and the rejection past each limit.

Every limit is checked before the work it bounds: a count over the text before it is split, a
length or a separator count before a segment is cut, a count of UNH / UNB segments before the
envelope is built. Past a limit the payload is rejected with `InputTooLarge` and one `Problem`
naming the limit, the segment (tag and position) where it was crossed when that is known, and a
UN/EDIFACT 0085 code: 16 too many constituents (elements, components, repetitions), 39 data
element too long (segment length), 18 unspecified (counts of segments, messages, interchanges,
release characters, problems). The defaults are far above anything real traffic sends (the
largest standard segment has a few dozen elements; a vessel's discharge report about 20,000
containers) and keep any 10 MB payload to about a second of parsing and a few times its size
in memory (see ``benchmarks/bench.py``, worst shapes).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hub.errors import InputTooLarge, Problem
from hub.parsing.edifact.model import Segment, SyntaxCode
from hub.parsing.edifact.una import Separators

__all__ = [
    "DEFAULT_LIMITS",
    "EdifactLimits",
    "check_counts",
    "check_length",
    "check_parts",
    "check_plain",
    "check_service_counts",
    "shortest",
    "too_large",
]


@dataclass(frozen=True)
class EdifactLimits:
    """Per-shape limits of one payload (all its interchanges)."""

    max_segments: int = 200_000
    max_segment_length: int = 100_000
    """Characters of one segment, tag and separators included (terminator excluded)."""
    max_elements: int = 99
    """Data elements of one segment (the tag excluded)."""
    max_components: int = 99
    """Components of one data element (or of one of its repetitions)."""
    max_repetitions: int = 99
    """Occurrences of one repeated data element (syntax version 4)."""
    max_release_characters: int = 100_000
    """Release characters (``?``) in one interchange's text."""
    max_problems: int = 1_000
    """Syntax problems (empty segments, bad tags, ...) the tokenizer reports before giving up."""
    max_messages: int = 5_000
    """Messages (UNH) in one payload, all interchanges together."""
    max_interchanges: int = 1_000
    """Interchanges (UNB, or UNA) in one payload."""


DEFAULT_LIMITS = EdifactLimits()


def too_large(
    what: str,
    limit: int,
    code: str = SyntaxCode.UNSPECIFIED,
    *,
    tag: str = "",
    position: int = 0,
    element: int = 0,
) -> InputTooLarge:
    """The rejection for `what` past `limit`, located where the limit was crossed."""
    text = f"{what}: the limit is {limit:,}"
    problem = Problem(text, code, segment_tag=tag[:3], segment_position=position, element=element)
    return InputTooLarge(text, (problem,))


Parts = list[list[list[str]]]  # elements (the tag first) → occurrences → components


def shortest(limits: EdifactLimits) -> int:
    """A segment no longer than this cannot exceed any per-segment limit (each constituent
    past the first needs a separator character), so it need not be checked."""
    return min(
        limits.max_segment_length,
        limits.max_elements,
        limits.max_components,
        limits.max_repetitions,
    )


def check_length(raw: str, position: int, limits: EdifactLimits) -> None:
    """Raise when the segment text `raw` is longer than the limit (0085 code 39)."""
    if len(raw) > limits.max_segment_length:
        what = f"segment of {len(raw):,} characters"
        code = SyntaxCode.DATA_ELEMENT_TOO_LONG
        raise too_large(what, limits.max_segment_length, code, tag=raw[:3], position=position)


def check_plain(
    raw: str, position: int, separators: Separators, repetition: str, limits: EdifactLimits
) -> None:
    """Length, elements, repetitions and components of a segment without release characters,
    counted on its text before it is cut; nothing longer than the limits allow is split."""
    check_length(raw, position, limits)
    element, component = separators.element, separators.component
    tag = raw[:3]
    if raw.count(element) > limits.max_elements:
        _too_many("data elements", tag, position, limits.max_elements + 1, limits.max_elements)
    many_components = raw.count(component) >= limits.max_components
    if not many_components and not (repetition and raw.count(repetition) >= limits.max_repetitions):
        return
    for number, text in enumerate(raw.split(element)):  # at most max_elements + 1 pieces
        if repetition and text.count(repetition) >= limits.max_repetitions:
            what = "repetitions of a data element"
            _too_many(what, tag, position, number, limits.max_repetitions)
        if text.count(component) < limits.max_components:
            continue
        occurrences = text.split(repetition) if repetition else [text]
        if any(o.count(component) >= limits.max_components for o in occurrences):
            what = "components in a data element"
            _too_many(what, tag, position, number, limits.max_components)


def check_parts(parts: Parts, position: int, limits: EdifactLimits) -> None:
    """Elements, repetitions and components of a segment already cut into `parts`."""
    tag = parts[0][0][0][:3] if parts and parts[0] and parts[0][0] else ""
    if len(parts) - 1 > limits.max_elements:
        _too_many("data elements", tag, position, limits.max_elements + 1, limits.max_elements)
    for number, element in enumerate(parts):
        if len(element) > limits.max_repetitions:
            _too_many(
                "repetitions of a data element", tag, position, number, limits.max_repetitions
            )
        if any(len(occurrence) > limits.max_components for occurrence in element):
            _too_many("components in a data element", tag, position, number, limits.max_components)


def _too_many(what: str, tag: str, position: int, element: int, limit: int) -> None:
    code = SyntaxCode.TOO_MANY_CONSTITUENTS
    where = f"segment {position} {tag}".rstrip()
    raise too_large(
        f"more than {limit:,} {what} ({where})",
        limit,
        code,
        tag=tag,
        position=position,
        element=element,
    )


def check_counts(
    text: str, start: int, end: int, seps: Separators, position: int, limits: EdifactLimits
) -> None:
    """Before a body is split: its release characters, and a lower bound of its segments
    (terminators not directly after a release character), within the limits. Empty segments
    are allowed for, up to the problem limit (each is reported). `position` is the number of
    segments read before this body."""
    release, term = seps.release, seps.terminator
    escaped = 0
    if release:
        count = text.count(release, start, end)
        if count > limits.max_release_characters:
            what = f"{count:,} release characters in one interchange"
            raise too_large(what, limits.max_release_characters)
        escaped = text.count(release + term, start, end) if count else 0
    terminators = text.count(term, start, end) - escaped
    if terminators > limits.max_segments - position + limits.max_problems:
        what = f"more than {limits.max_segments:,} segments ({terminators:,} terminators)"
        raise too_large(what, limits.max_segments, position=limits.max_segments + 1)


def check_service_counts(segments: Iterable[Segment], limits: EdifactLimits) -> None:
    """Messages (UNH, UNT, UNG, UNE) and interchanges (UNB, UNZ) within the limits, counted
    before the envelope is built; the rejection names the segment that crossed the limit."""
    bounds = {
        "UNH": limits.max_messages,
        "UNT": limits.max_messages,
        "UNG": limits.max_messages,
        "UNE": limits.max_messages,
        "UNB": limits.max_interchanges,
        "UNZ": limits.max_interchanges,
    }
    service = [s for s in segments if s.tag in bounds]
    counts = dict.fromkeys(bounds, 0)
    for segment in service:
        tag = segment.tag
        counts[tag] += 1
        if counts[tag] > bounds[tag]:
            what = "messages" if bounds[tag] == limits.max_messages else "interchanges"
            text = f"more than {bounds[tag]:,} {tag} segments ({what} in one payload)"
            raise too_large(text, bounds[tag], tag=tag, position=segment.position)
