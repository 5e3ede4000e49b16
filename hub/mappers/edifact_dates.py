"""EDIFACT dates (DTM, composite C507) to timezone-aware UTC datetimes.

C507: 2005 qualifier (element 1 component 1), 2380 value (component 2), 2379 format
(component 3). Formats read (UNCL 2379):

    101  YYMMDD            102  CCYYMMDD
    201  YYMMDDHHMM        203  CCYYMMDDHHMM        204  CCYYMMDDHHMMSS

EDIFACT carries no time zone in these formats: values are read as UTC (a per-partner zone is
not configured yet). A date without a time is midnight UTC of that day; `is_date_only` tells
such a value apart, for rules that give a date its own meaning (a COREOR expiry).

Leniency, each reported as a warning: a missing format is inferred from the value's length
(6 → 101, 8 → 102, 10 → 201, 12 → 203, 14 → 204); a 203/204 value of only 8 digits (a date
where a date-time was announced, as real partners send: ``DTM+36:20181130:203``) is read as 102.
Anything else that does not fit is an error (code 12; 13 when the value is missing).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from hub.errors import Problem
from hub.mappers.edifact_segments import INVALID, MISSING, problem
from hub.parsing.edifact.model import Message, Segment

_PATTERNS = {
    "101": ("%y%m%d", "YYMMDD"),
    "102": ("%Y%m%d", "CCYYMMDD"),
    "201": ("%y%m%d%H%M", "YYMMDDHHMM"),
    "203": ("%Y%m%d%H%M", "CCYYMMDDHHMM"),
    "204": ("%Y%m%d%H%M%S", "CCYYMMDDHHMMSS"),
}
# Where the fields sit in a value of each format: year digits, then month, day, hour, minute
# and second (two digits each) for as many as the value has.
_YEAR_DIGITS = {"101": 2, "102": 4, "201": 2, "203": 4, "204": 4}
_BY_LENGTH = {len(shape): fmt for fmt, (_, shape) in _PATTERNS.items()}

SUPPORTED_FORMATS = tuple(_PATTERNS)


def parse_date(value: str, fmt: str) -> datetime:
    """`value` in DTM format `fmt` as an aware UTC datetime; ValueError saying what is wrong."""
    if fmt not in _PATTERNS:
        known = ", ".join(_PATTERNS)
        raise ValueError(f"date format {fmt!r} is not supported (expected one of {known})")
    shape = _PATTERNS[fmt][1]
    if len(value) != len(shape) or not value.isdigit():
        raise ValueError(f"{value!r} is not a {fmt} date ({shape})")
    try:
        return _fields(value, _YEAR_DIGITS[fmt])
    except ValueError:
        raise ValueError(f"{value!r} is not a valid {fmt} date ({shape})") from None


@lru_cache(maxsize=4096)
def _fields(value: str, year_digits: int) -> datetime:
    """The digits of `value` (fixed positions, length already checked) as a UTC datetime.

    The same as `strptime` with the format's pattern: for digits of exactly the expected length
    only the fixed-width reading can consume them all. Two-digit years are 2000-2068 and
    1969-1999, as `%y` reads them. Cached: a report carries the same few times again and again
    (a datetime is immutable, so sharing one is safe).
    """
    year = int(value[:year_digits])
    if year_digits == 2:
        year += 2000 if year <= 68 else 1900
    fields = [int(value[i : i + 2]) for i in range(year_digits, len(value), 2)]
    month, day, hour, minute, second = (*fields, 0, 0, 0)[:5]
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def is_date_only(dtm: Segment) -> bool:
    """True when the DTM's value is a date without a time (6 or 8 digits: 101, 102, or a 203
    / 204 value read as 102): what such a date means is the caller's rule."""
    value = dtm.get(0, 1).strip()
    return value.isdigit() and len(value) in (6, 8)


def read_dtm(message: Message, dtm: Segment) -> tuple[datetime | None, list[Problem]]:
    """The date of a DTM segment, with the warnings or the error found reading it."""
    value, fmt = dtm.get(0, 1).strip(), dtm.get(0, 2).strip()
    label = f"DTM+{dtm.get(0).strip()}"
    if not value:
        text = f"{label} has no date (C507 2380): expected a date in format 102, 203 or 204"
        return None, [problem(message, dtm, text, MISSING, element=1, component=2)]
    fmt, warnings = _effective_format(message, dtm, label, value, fmt)
    try:
        return parse_date(value, fmt), warnings
    except ValueError as exc:
        component = 3 if fmt not in _PATTERNS else 2
        error = problem(message, dtm, f"{label}: {exc}", INVALID, element=1, component=component)
        return None, [error]


def _effective_format(
    message: Message, dtm: Segment, label: str, value: str, fmt: str
) -> tuple[str, list[Problem]]:
    if not fmt and len(value) in _BY_LENGTH:
        guess = _BY_LENGTH[len(value)]
        text = f"{label} has no date format (C507 2379): {value!r} read as {guess}"
        return guess, [_warning(message, dtm, text)]
    if fmt in ("203", "204") and len(value) == 8 and value.isdigit():
        text = f"{label} value {value!r} is a date but format {fmt} expects a time: read as 102"
        return "102", [_warning(message, dtm, text)]
    return fmt, []


def _warning(message: Message, dtm: Segment, text: str) -> Problem:
    return problem(message, dtm, text, INVALID, element=1, component=3, severity="warning")
