"""Dates as the port means them: a day is a day in Antwerp (Europe/Brussels), not in UTC.

An expiry given as a date only (COREOR ``DTM+36`` format 102) lets the right live through
that whole day in the port: it ends at 00:00 local time the next day, which is 22:00 or 23:00
UTC on the date itself depending on summer time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PORT_TIME_ZONE = ZoneInfo("Europe/Brussels")


def end_of_port_day(day: date) -> datetime:
    """The first moment after `day` in the port's time zone, in UTC."""
    return datetime.combine(day + timedelta(days=1), time(), PORT_TIME_ZONE).astimezone(UTC)
