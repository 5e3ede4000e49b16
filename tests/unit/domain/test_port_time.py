"""A date means the end of that day in the port's time zone (Europe/Brussels)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from hub.domain.port_time import PORT_TIME_ZONE, end_of_port_day

from .story import AGENT, FORWARDER, T0, Story, release


@pytest.mark.parametrize(
    ("day", "end"),
    [
        (date(2026, 1, 15), datetime(2026, 1, 15, 23, tzinfo=UTC)),  # CET, UTC+1
        (date(2026, 7, 15), datetime(2026, 7, 15, 22, tzinfo=UTC)),  # CEST, UTC+2
        (date(2026, 3, 28), datetime(2026, 3, 28, 23, tzinfo=UTC)),  # summer time starts next
        (date(2026, 10, 24), datetime(2026, 10, 24, 22, tzinfo=UTC)),  # winter time starts next
        (date(2026, 10, 25), datetime(2026, 10, 25, 23, tzinfo=UTC)),  # the 25-hour day
    ],
    ids=str,
)
def test_a_day_ends_at_midnight_in_brussels(day: date, end: datetime) -> None:
    assert end_of_port_day(day) == end
    assert end.astimezone(PORT_TIME_ZONE).time().isoformat() == "00:00:00"
    assert end_of_port_day(day).tzinfo is UTC


def test_a_right_is_alive_all_day_on_its_expiry_date_and_dead_after() -> None:
    expiry_date = (T0 + timedelta(days=3)).date()
    story = Story()
    story.ok(AGENT, release(expires_at=end_of_port_day(expiry_date)), FORWARDER)

    story.at(datetime.combine(expiry_date, datetime.min.time(), PORT_TIME_ZONE).astimezone(UTC))
    story.wait(timedelta(hours=23, minutes=59))
    assert story.file.right is not None and story.file.right.is_active()

    story.wait(timedelta(minutes=1))
    assert not story.file.right.is_active()
