import itertools
from datetime import date, datetime, timedelta

import pytest

from crm_elt.sources.hotmart import (
    MAX_WINDOW,
    date_windows,
    from_epoch,
    previous_calendar_month,
    sale_record,
)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 11, 23), (date(2026, 10, 1), date(2026, 10, 31))),
        (date(2026, 1, 5), (date(2025, 12, 1), date(2025, 12, 31))),
        (date(2024, 3, 1), (date(2024, 2, 1), date(2024, 2, 29))),
    ],
)
def test_previous_calendar_month(today, expected):
    assert previous_calendar_month(today) == expected


def test_date_windows_cover_the_range_without_gaps_or_overlap():
    start, end = datetime(2015, 1, 1), datetime(2026, 11, 23, 2, 0)
    windows = date_windows(start, end)
    assert windows[0][0] == start and windows[-1][1] == end
    for (_, first_end), (second_start, _) in itertools.pairwise(windows):
        assert second_start - first_end == timedelta(milliseconds=1)
    assert all(window_end - window_start < MAX_WINDOW for window_start, window_end in windows)
    assert timedelta(days=360) >= MAX_WINDOW


def test_epochs_in_seconds_or_milliseconds_mean_the_same_moment():
    assert from_epoch(1622948400000) == from_epoch(1622948400) == datetime(2021, 6, 6, 3, 0)
    assert from_epoch(None) is None and from_epoch("soon") is None


def test_sale_record_is_keyed_by_transaction_and_versioned_by_approval():
    item = {
        "purchase": {
            "transaction": "HP1",
            "order_date": 1622948400000,
            "approved_date": 1623034800000,
        }
    }
    record = sale_record(item)
    assert record.key == "HP1"
    assert record.modified_at == datetime(2021, 6, 7, 3, 0)
