"""The claim deadline (hakuaika): compensation must be claimed from KEHA-keskus at the latest two
years after the end of the calendar year in which the activity took place (reference §3.4.12).

An activity on any day of year Y may be claimed until 31 December of year Y + 2 inclusive; from
1 January of Y + 3 the cost can no longer be claimed. "Today" is the Finnish calendar day, so at
midnight Helsinki time, not UTC (the caller converts with the injected clock).
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from kotopolku.common.localtime import finnish_date

FINNISH_TIME = ZoneInfo("Europe/Helsinki")


finnish_day = finnish_date


def claim_deadline(activity_date: date) -> date:
    return date(activity_date.year + 2, 12, 31)


def deadline_passed(activity_date: date, today: date) -> bool:
    return today > claim_deadline(activity_date)
