"""DTM C507 formats to aware UTC datetimes; what is lenient, what is an error."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.mappers.edifact_dates import parse_date, read_dtm
from tests.unit.mappers.edifact_text import message


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        ("260302", "101", datetime(2026, 3, 2, tzinfo=UTC)),
        ("20260302", "102", datetime(2026, 3, 2, tzinfo=UTC)),
        ("2603020815", "201", datetime(2026, 3, 2, 8, 15, tzinfo=UTC)),
        ("202603020815", "203", datetime(2026, 3, 2, 8, 15, tzinfo=UTC)),
        ("20260302081530", "204", datetime(2026, 3, 2, 8, 15, 30, tzinfo=UTC)),
    ],
)
def test_each_format_reads_as_aware_utc(value: str, fmt: str, expected: datetime) -> None:
    parsed = parse_date(value, fmt)
    assert parsed == expected and parsed.tzinfo is UTC


@pytest.mark.parametrize(
    ("value", "fmt", "says"),
    [
        ("20261302", "102", "not a valid 102"),
        ("2026030", "102", "not a 102 date"),
        ("2026-03-02", "102", "not a 102 date"),
        ("202603022460", "203", "not a valid 203"),
        ("20260302", "718", "not supported"),
    ],
)
def test_bad_values_raise_saying_what_is_wrong(value: str, fmt: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_date(value, fmt)


def _read(dtm: str) -> tuple[datetime | None, list[tuple[str, str, int, int]]]:
    msg = message(dtm)
    when, problems = read_dtm(msg, msg.segments[1])
    return when, [(p.severity, p.code, p.element, p.component) for p in problems]


@pytest.mark.parametrize(
    ("dtm", "expected", "problems"),
    [
        ("DTM+36:202605011200:203", datetime(2026, 5, 1, 12, tzinfo=UTC), []),
        ("DTM+36:20181130:203", datetime(2018, 11, 30, tzinfo=UTC), [("warning", "12", 1, 3)]),
        ("DTM+36:20260501", datetime(2026, 5, 1, tzinfo=UTC), [("warning", "12", 1, 3)]),
        ("DTM+36:20260532:102", None, [("error", "12", 1, 2)]),
        ("DTM+36:20260501:999", None, [("error", "12", 1, 3)]),
        ("DTM+36::102", None, [("error", "13", 1, 2)]),
    ],
)
def test_read_dtm_locates_its_findings(
    dtm: str, expected: datetime | None, problems: list[tuple[str, str, int, int]]
) -> None:
    assert _read(dtm) == (expected, problems)


def test_a_bad_date_problem_names_the_segment_and_message() -> None:
    msg = message("DTM+36:2026050:102")
    _, [found] = read_dtm(msg, msg.segments[1])
    assert (found.message_ref, found.segment_tag, found.segment_position) == ("1", "DTM", 2)
    assert "DTM+36" in found.message and "CCYYMMDD" in found.message


def test_fixed_width_reading_matches_strptime() -> None:
    """Dates are read by position, not by `strptime`: same results, same refusals."""
    patterns = {"101": "%y%m%d", "102": "%Y%m%d", "201": "%y%m%d%H%M", "204": "%Y%m%d%H%M%S"}
    values = {
        "101": ["681231", "690101", "000229", "010229", "991301", "990100"],
        "102": ["20240229", "20230229", "20241131", "20241200", "19991231"],
        "201": ["2402292359", "2402292400", "2402292360", "6901010000"],
        "204": ["20240229235959", "20240229235960", "20240229236000", "20241301000000"],
    }
    for fmt, cases in values.items():
        for value in cases:
            try:
                expected: datetime | None = datetime.strptime(value, patterns[fmt])
            except ValueError:
                expected = None
            try:
                got: datetime | None = parse_date(value, fmt).replace(tzinfo=None)
            except ValueError:
                got = None
            assert got == expected, (fmt, value)
