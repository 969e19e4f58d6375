"""Date-times as UI exports write them, in the account's local time, read into UTC.

An export writes `01/03/2025 10:00` without saying whether that is the 1st of March (day
first, as Brazilian and Spanish-speaking accounts write it) or the 3rd of January. Each file
is read in one order, decided from its own unambiguous cells (a first or second number over
12), and, when it has none, from the language of its headers. A cell that cannot be read in
the file's order (a month-first cell in a day-first file) is an error for its row alone.
Year-first cells (`2025-03-01 10:00:00`, with or without `T`, seconds or an offset) are never
ambiguous. A cell with an offset (`2026-01-05T14:03:00-03:00`, `...Z`) keeps it; any other is
taken in the account's time zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo

DAY_FIRST = "day_first"
MONTH_FIRST = "month_first"
ORDER_NAMES = {DAY_FIRST: "day/month/year", MONTH_FIRST: "month/day/year"}

_TIME = r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*([AaPp]\.?\s?[Mm]\.?)?)?"
_YEAR_FIRST = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME + r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?$", re.IGNORECASE
)
_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})" + _TIME + "$")
EXPECTED = "dd/mm/yyyy HH:MM, mm/dd/yyyy HH:MM or yyyy-mm-dd HH:MM:SS"


class DateError(ValueError):
    """A cell that is not a date-time in the file's order; the message says why."""


@dataclass(frozen=True)
class DateOrder:
    """The order a file is read in, and why (for the log)."""

    order: str
    reason: str
    day_first_cells: int = 0
    month_first_cells: int = 0

    @property
    def contradictory(self) -> bool:
        return bool(self.day_first_cells and self.month_first_cells)


def order_evidence(text: str) -> str | None:
    """DAY_FIRST or MONTH_FIRST if the cell can only be read one way, else None."""
    match = _NUMERIC.match(text.strip())
    if not match:
        return None
    first, second = int(match.group(1)), int(match.group(2))
    if 12 < first <= 31 and 1 <= second <= 12:
        return DAY_FIRST
    if 12 < second <= 31 and 1 <= first <= 12:
        return MONTH_FIRST
    return None


def infer_date_order(cells: Iterable[str], default: str, default_reason: str) -> DateOrder:
    """The order most unambiguous cells follow; `default` when none is unambiguous or as
    many cells follow each order."""
    day_first = month_first = 0
    for cell in cells:
        evidence = order_evidence(cell)
        day_first += evidence == DAY_FIRST
        month_first += evidence == MONTH_FIRST
    counts = f"{day_first} cell(s) only readable day first, {month_first} only month first"
    if not day_first and not month_first:
        return DateOrder(default, f"no unambiguous cell; {default_reason}")
    if day_first == month_first:
        return DateOrder(default, f"{counts}, a tie; {default_reason}", day_first, month_first)
    order = DAY_FIRST if day_first > month_first else MONTH_FIRST
    return DateOrder(order, counts, day_first, month_first)


def parse_local_datetime(text: str, order: str, zone: tzinfo) -> datetime:
    """The cell as an aware UTC datetime; DateError naming what is wrong."""
    cell = text.strip()
    year_first = _YEAR_FIRST.match(cell)
    if year_first:
        year, month, day = (int(year_first.group(index)) for index in (1, 2, 3))
        time_parts = year_first.groups()[3:7]
        offset = year_first.group(8)
    else:
        numeric = _NUMERIC.match(cell)
        if not numeric:
            raise DateError(f"{cell[:40]!r} is not a date-time (expected {EXPECTED})")
        first, second, year = (int(numeric.group(index)) for index in (1, 2, 3))
        if len(numeric.group(3)) == 2:
            year += 2000
        day, month = (first, second) if order == DAY_FIRST else (second, first)
        time_parts = numeric.groups()[3:7]
        offset = None
    hour, minute, second_of_minute = (int(part) if part else 0 for part in time_parts[:3])
    hour = _twelve_hour(cell, hour, time_parts[3])
    try:
        local = datetime(year, month, day, hour, minute, second_of_minute)
    except ValueError:
        if not year_first and order_evidence(cell) not in (None, order):
            raise DateError(
                f"{cell!r} cannot be read {ORDER_NAMES[order]} like the rest of its file"
            ) from None
        raise DateError(f"{cell!r} is not a valid date-time") from None
    if offset:
        return local.replace(tzinfo=_offset_zone(offset)).astimezone(UTC)
    return _localized(local, zone).astimezone(UTC)


def _twelve_hour(cell: str, hour: int, meridiem: str | None) -> int:
    if not meridiem:
        return hour
    if not 1 <= hour <= 12:
        raise DateError(f"{cell!r} has hour {hour} with AM/PM")
    afternoon = meridiem.lower().startswith("p")
    return hour % 12 + (12 if afternoon else 0)


def _offset_zone(offset: str) -> tzinfo:
    if offset.upper() == "Z":
        return UTC
    digits = offset[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0)
    return timezone(timedelta(minutes=minutes if offset[0] == "+" else -minutes))


def _localized(local: datetime, zone: tzinfo) -> datetime:
    """`local` in `zone`; a time that the clocks skipped (DST start) moves forward, like the
    clock did, rather than failing the row."""
    aware = local.replace(tzinfo=zone)
    round_trip = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != local:
        aware = (local + timedelta(hours=1)).replace(tzinfo=zone)
    return aware
