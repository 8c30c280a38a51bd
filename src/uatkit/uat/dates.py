"""Read the dates business users put in a UAT pack: date cells, Excel serial numbers and a few text forms.

Accepted: a date-formatted cell (calamine gives a date or datetime), an Excel serial number (1900 date
system, 46350 is 2026-11-24), and text written as 2026-11-24 (a time part is ignored), 24/11/2026 (day
first), 2026/11/24 or 2026年11月24日. Anything else is refused rather than guessed: 11/24/2026 and
24.11.2026 read differently in different countries, so the tester is asked to write the date again.
"""

from __future__ import annotations

import datetime as dt
import re

#: How far past the importer's today a date may be: a tester up to 26 hours ahead (UTC+14 against
#: UTC-12) has already reached the importer's tomorrow.
TIME_ZONE_SLACK = dt.timedelta(days=1)

#: The forms a tester can type, as every refusal lists them.
ACCEPTED_FORMS = "2026-11-24, 24/11/2026 (day first), 2026/11/24 or 2026年11月24日, or a date cell"

# Day 0 of Excel's 1900 date system; serials after 60 count from here because Excel keeps Lotus 1-2-3's
# fictitious 1900-02-29.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
# Serials outside these years are a number typed into the Date column, not a test run's date.
_FIRST_YEAR = 1990
_LAST_YEAR = 2199
_SERIAL_MIN = (dt.date(_FIRST_YEAR, 1, 1) - _EXCEL_EPOCH).days
_SERIAL_MAX = (dt.date(_LAST_YEAR, 12, 31) - _EXCEL_EPOCH).days

_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
# Each pattern names its groups so one code path builds the date whatever the order of the parts.
_PATTERNS = (
    re.compile(rf"(?P<y>\d{{4}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}}){_TIME}"),
    re.compile(r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})"),
    re.compile(r"(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})"),
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),
)


def parse_date(value: object) -> dt.date | None:
    """Return the date a cell holds, None for an empty cell; raise ValueError saying what to write."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, dt.time) and value == dt.time(0):
        # A date-formatted cell holding Excel's day 0 (shown as 1899-12-31 or 1900-01-00): a time, no day.
        raise ValueError(
            f"the cell holds Excel's day 0 (1899-12-31, time {value.isoformat()}), not the day it was run; "
            f"write it as {ACCEPTED_FORMS}"
        )
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a date; write it as {ACCEPTED_FORMS}")
    if isinstance(value, int | float):
        return _from_serial(value)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{value!s} is not a date; write it as {ACCEPTED_FORMS}")
    text = value.strip()
    if not text:
        return None
    for pattern in _PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return _checked(text, int(match["y"]), int(match["m"]), int(match["d"]))
    raise ValueError(f"{text!r} is not a date uatkit can read; write it as {ACCEPTED_FORMS}")


def _from_serial(serial: float) -> dt.date:
    """Return the date of an Excel serial number (its fraction is a time of day)."""
    if not _SERIAL_MIN <= serial <= _SERIAL_MAX:
        raise ValueError(
            f"{serial:g} is not a date between {_FIRST_YEAR} and {_LAST_YEAR} (as an Excel serial number); "
            f"write it as {ACCEPTED_FORMS}"
        )
    return _EXCEL_EPOCH + dt.timedelta(days=int(serial))


def _checked(text: str, year: int, month: int, day: int) -> dt.date:
    """Return the date, or say why the calendar has no such day."""
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a real date ({exc}); write it as {ACCEPTED_FORMS}") from None


def latest_date(today: dt.date) -> dt.date:
    """Return the latest date a tester anywhere can have written on the importer's `today`."""
    return today + TIME_ZONE_SLACK


def out_of_range(date: dt.date, today: dt.date, earliest: dt.date) -> str:
    """Return why a test or sign-off date cannot be true ("" when it can), to be followed by what to do."""
    if date > latest_date(today):
        return f"{date.isoformat()} is in the future"
    if date < earliest:
        return (
            f"{date.isoformat()} is before {earliest.isoformat()}, the earliest date accepted "
            "([tool.uatkit.uat.checks] earliest_date)"
        )
    return ""
