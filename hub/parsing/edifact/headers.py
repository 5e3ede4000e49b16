"""Reading service segments (UNB, UNG, UNH) and checking trailers (UNT, UNE, UNZ).

Element numbers in `Problem.element` count data elements from 1 after the tag, as CONTRL
(S011 0098) does: ``UNT+22+M1`` has the count in element 1 and the reference in element 2.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from hub.errors import Problem
from hub.parsing.edifact.model import Segment, SyntaxCode

SUPPORTED_SYNTAX_VERSIONS = ("1", "2", "3", "4")


def problem(
    segment: Segment, message: str, code: str, severity: str = "error", element: int = 0
) -> Problem:
    """A `Problem` located at `segment` (and `element`, counted from 1)."""
    return Problem(
        message,
        code,
        severity,
        segment_tag=segment.tag,
        segment_position=segment.position,
        element=element,
    )


def check_count(
    segment: Segment, element: int, received: int, what: str, severity: str
) -> list[Problem]:
    """Compare the control count in `element` (from 1) with what was `received`.

    Zero-padded counts (``000022``) are fine; a missing or non-numeric count is reported too.
    """
    verdict = _count_verdict(segment.get(element - 1).strip(), received, segment.tag, what)
    return [problem(segment, verdict[1], verdict[0], severity, element)] if verdict else []


def _count_verdict(said: str, received: int, tag: str, what: str) -> tuple[str, str] | None:
    """(0085 code, text) when the count `said` is missing, not a number or wrong."""
    if not said:
        return SyntaxCode.MISSING, f"{tag} {what} count missing"
    if not said.isdigit():
        return SyntaxCode.INVALID_VALUE, f"{tag} {what} count {said!r} is not a number"
    if int(said) != received:
        return (
            SyntaxCode.CONTROL_COUNT_MISMATCH,
            f"{tag} says {int(said)} {what}, {received} received",
        )
    return None


def check_ref(
    segment: Segment, element: int, header: Segment, header_element: int, severity: str
) -> list[Problem]:
    """Compare the reference in a trailer with the one in its header (both from 1)."""
    said = segment.get(element - 1).strip()
    expected = header.get(header_element - 1).strip()
    if said == expected:
        return []
    text = f"{segment.tag} reference {said!r} does not match {header.tag} reference {expected!r}"
    return [problem(segment, text, SyntaxCode.REFERENCES_DO_NOT_MATCH, severity, element)]


def unh_problems(unh: Segment) -> list[Problem]:
    """A message needs a reference (0062) and a type (S009 0065) to be acknowledged."""
    found = []
    if not unh.get(0).strip():
        found.append(problem(unh, "UNH message reference missing", SyntaxCode.MISSING, element=1))
    if not unh.get(1, 0).strip():
        found.append(problem(unh, "UNH message type missing", SyntaxCode.MISSING, element=2))
    return found


def unb_problems(unb: Segment) -> list[Problem]:
    """Missing syntax identifier, sender, recipient or control reference; odd version or date."""
    found = [
        problem(unb, f"UNB {what} missing", SyntaxCode.MISSING, element=element)
        for element, component, what in _UNB_REQUIRED
        if not unb.get(element - 1, component).strip()
    ]
    return found + _version_problems(unb) + _date_problems(unb)


def _version_problems(unb: Segment) -> list[Problem]:
    """A missing version (seen in the wild: ``UNB+UNOB``) or one outside 1-4: warnings."""
    version = unb.get(0, 1).strip()
    if not version:
        return [problem(unb, "UNB syntax version missing", SyntaxCode.MISSING, "warning", 1)]
    if version not in SUPPORTED_SYNTAX_VERSIONS:
        text = f"syntax version {version!r} not supported"
        return [problem(unb, text, SyntaxCode.SYNTAX_VERSION_NOT_SUPPORTED, "warning", 1)]
    return []


def _date_problems(unb: Segment) -> list[Problem]:
    day = unb.get(3, 0)
    if not day or prepared(day, unb.get(3, 1)):
        return []
    text = f"UNB date {day!r} is not a valid date"
    return [problem(unb, text, SyntaxCode.INVALID_VALUE, "warning", 4)]


_UNB_REQUIRED = (
    (1, 0, "syntax identifier"),
    (2, 0, "sender"),
    (3, 0, "recipient"),
    (5, 0, "control reference"),
)


@lru_cache(maxsize=256)
def prepared(day: str, time: str) -> str:
    """UNB S004 as ISO 8601 (``2018-11-20T10:54``), '' if not a date.

    YYMMDD (syntax 1-3) and CCYYMMDD (syntax 4) are both accepted whatever the version says;
    two-digit years below 70 are 20xx.
    """
    day, time = day.strip(), time.strip()
    if not day.isdigit() or len(day) not in (6, 8):
        return ""
    if len(day) == 6:
        day = ("20" if int(day[:2]) < 70 else "19") + day
    try:
        iso = date(int(day[:4]), int(day[4:6]), int(day[6:8])).isoformat()
    except ValueError:
        return ""
    if len(time) >= 4 and time[:4].isdigit():
        iso += f"T{time[:2]}:{time[2:4]}"
    return iso
