"""Compare segments the way EDIFACT means them: trailing empty components/elements don't count."""

from __future__ import annotations

from collections.abc import Iterable

from hub.parsing.edifact.model import Segment

Shape = tuple[str, tuple[tuple[str, ...], ...], tuple[tuple[int, tuple[tuple[str, ...], ...]], ...]]


def _strip(components: tuple[str, ...]) -> tuple[str, ...]:
    end = len(components)
    while end and not components[end - 1]:
        end -= 1
    return components[:end]


def shape(segment: Segment) -> Shape:
    """Tag, elements and repetitions with trailing empty parts removed."""
    repeated = {i for i, _ in segment.repeats}
    elements = [_strip(e) for e in segment.elements]
    while elements and not elements[-1] and len(elements) - 1 not in repeated:
        elements.pop()
    repeats = tuple((i, tuple(_strip(o) for o in occ)) for i, occ in segment.repeats)
    return segment.tag, tuple(elements), repeats


def shapes(segments: Iterable[Segment]) -> list[Shape]:
    return [shape(s) for s in segments]
