"""Expiry: a date means the end of that day in the port's time zone (Europe/Brussels); a release
that arrives already expired is accepted, expires at once and is warned about."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from hub.domain.events import ActionRefused, ActionWarned, ReleaseExpired
from hub.domain.port_time import PORT_TIME_ZONE, end_of_port_day
from hub.domain.values import RightStatus

from .story import AGENT, CONTAINER, FORWARDER, REF, T0, Story, of_type, release, update


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


def test_a_release_already_past_its_expiry_is_accepted_expired_and_warned_about() -> None:
    story = Story()

    events = story.do(AGENT, release(expires_at=T0 - timedelta(hours=1)), FORWARDER)

    assert not of_type(events, ActionRefused)
    [warning] = of_type(events, ActionWarned)
    assert warning.action == "ReleaseContainer"
    assert "already expired" in warning.warning and "2026-03-02 07:00 UTC" in warning.warning
    assert of_type(events, ReleaseExpired) == [ReleaseExpired(CONTAINER, REF, AGENT.party_id)]
    assert story.file.right is not None
    assert story.file.right.status is RightStatus.EXPIRED


def test_an_update_to_an_expiry_already_past_is_warned_about_too() -> None:
    story = Story().released()

    events = story.do(AGENT, update(expires_at=T0 - timedelta(days=1)))

    assert [w.action for w in of_type(events, ActionWarned)] == ["UpdateRelease"]
    assert story.file.right is not None
    assert story.file.right.status is RightStatus.EXPIRED


def test_a_release_expiring_later_carries_no_warning() -> None:
    events = Story().do(AGENT, release(expires_at=T0 + timedelta(hours=1)), FORWARDER)
    assert of_type(events, ActionWarned) == []
