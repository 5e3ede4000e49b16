"""Reading service segments (UNB, UNG, UNH) and checking trailers (UNT, UNE, UNZ).

Element numbers in `Problem.element` count data elements from 1 after the tag, as CONTRL
(S011 0098) does: ``UNT+22+M1`` has the count in element 1 and the reference in element 2.
"""

from __future__ import annotations

from datetime import date

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
    said = segment.get(element - 1).strip()
    if not said:
        return [
            problem(
                segment,
                f"{segment.tag} {what} count missing",
                SyntaxCode.MISSING,
                severity,
                element,
            )
        ]
    if not said.isdigit():
        return [
            problem(
                segment,
                f"{segment.tag} {what} count {said!r} is not a number",
                SyntaxCode.INVALID_VALUE,
                severity,
                element,
            )
        ]
    if int(said) != received:
        text = f"{segment.tag} says {int(said)} {what}, {received} received"
        return [problem(segment, text, SyntaxCode.CONTROL_COUNT_MISMATCH, severity, element)]
    return []


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
    version = unb.get(0, 1).strip()
    if not version:
        found.append(problem(unb, "UNB syntax version missing", SyntaxCode.MISSING, "warning", 1))
    elif version not in SUPPORTED_SYNTAX_VERSIONS:
        found.append(
            problem(
                unb,
                f"syntax version {version!r} not supported",
                SyntaxCode.SYNTAX_VERSION_NOT_SUPPORTED,
                "warning",
                1,
            )
        )
    if unb.get(3, 0) and not prepared(unb.get(3, 0), unb.get(3, 1)):
        found.append(
            problem(
                unb,
                f"UNB date {unb.get(3, 0)!r} is not a valid date",
                SyntaxCode.INVALID_VALUE,
                "warning",
                4,
            )
        )
    return found


_UNB_REQUIRED = (
    (1, 0, "syntax identifier"),
    (2, 0, "sender"),
    (3, 0, "recipient"),
    (5, 0, "control reference"),
)


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
