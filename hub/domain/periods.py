"""Periods in calendar months (a subscription's year, a yearly fee's year).

A period of n months that starts at a moment ends at the same time on the same day n months
later. When that day does not exist in the last month (29 February in a common year, the 31st
of a 30-day month), the period runs to the end of that month's last day, as EU rule 1182/71
(art. 3(2)(c)) counts periods: 2028-02-29 15:00 + 12 months ends at 2029-03-01 00:00.
Times keep their time zone (the hub uses UTC throughout).
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta


def add_months(start: datetime, months: int) -> datetime:
    """The end of a period of `months` calendar months starting at `start` (see above)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    if start.day <= last_day:
        return start.replace(year=year, month=month)
    midnight = start.replace(year=year, month=month, day=last_day, hour=0, minute=0)
    return midnight.replace(second=0, microsecond=0) + timedelta(days=1)
