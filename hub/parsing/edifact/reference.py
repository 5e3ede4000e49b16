"""pydifact, the reference implementation: its segments in the hub's `Segment` shape.

Used by the differential tests and the benchmark, not by the inbound path. pydifact validates
segments against bundled XML directories and complains (logging and `warnings`) when a
directory is missing; both are silenced here. Its errors become `SyntaxRejected`.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from pydifact.parser import Parser

from hub.errors import Problem, SyntaxRejected
from hub.parsing.edifact.model import Segment, SyntaxCode

_PYDIFACT_LOGGERS = ("pydifact", "pydifact.parser", "pydifact.segments")


def pydifact_segments(text: str) -> list[Segment]:
    """Parse `text` with pydifact; UNA (if any) comes first, positions count from 1."""
    try:
        with _quiet():
            found = list(Parser().parse(text))
    except Exception as exc:  # pydifact raises assorted errors (and asserts) on bad input
        problem = Problem(f"pydifact: {exc}", SyntaxCode.UNSPECIFIED)
        raise SyntaxRejected("pydifact could not parse the payload", (problem,)) from exc
    return [_convert(s.tag, s.elements, n) for n, s in enumerate(found, start=1)]


def _convert(tag: str, elements: list[str | list[str]], position: int) -> Segment:
    """pydifact element (str, or list for a composite) → tuple of components."""
    converted = tuple((e,) if isinstance(e, str) else tuple(e) for e in elements)
    return Segment(tag, converted, position)


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence pydifact's directory warnings (logging and the warnings module)."""
    loggers = [logging.getLogger(name) for name in _PYDIFACT_LOGGERS]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
