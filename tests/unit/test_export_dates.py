"""Export date-times: each file's day/month order from its unambiguous cells, local time to UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_elt.sources.export_dates import (
    DAY_FIRST,
    MONTH_FIRST,
    DateError,
    infer_date_order,
    order_evidence,
    parse_local_datetime,
)

BRASILIA = ZoneInfo("America/Sao_Paulo")


@pytest.mark.parametrize(
    ("cell", "order", "expected"),
    [
        ("01/03/2025 10:00", DAY_FIRST, datetime(2025, 3, 1, 13, 0, tzinfo=UTC)),
        ("01/03/2025 10:00", MONTH_FIRST, datetime(2025, 1, 3, 13, 0, tzinfo=UTC)),
        ("1/3/2025 9:05", DAY_FIRST, datetime(2025, 3, 1, 12, 5, tzinfo=UTC)),
        ("31.12.2025 23:59:59", DAY_FIRST, datetime(2026, 1, 1, 2, 59, 59, tzinfo=UTC)),
        ("15-06-25 08:00", DAY_FIRST, datetime(2025, 6, 15, 11, 0, tzinfo=UTC)),
        ("01/03/2025", DAY_FIRST, datetime(2025, 3, 1, 3, 0, tzinfo=UTC)),
        ("03/01/2025 10:00 PM", MONTH_FIRST, datetime(2025, 3, 2, 1, 0, tzinfo=UTC)),
        ("03/01/2025 12:30 a.m.", MONTH_FIRST, datetime(2025, 3, 1, 3, 30, tzinfo=UTC)),
        # Year first: one reading whatever the file's order.
        ("2026-01-05 14:03:00", MONTH_FIRST, datetime(2026, 1, 5, 17, 3, tzinfo=UTC)),
        ("2026-01-05T14:03", DAY_FIRST, datetime(2026, 1, 5, 17, 3, tzinfo=UTC)),
        ("2026-01-05T14:03:00-03:00", DAY_FIRST, datetime(2026, 1, 5, 17, 3, tzinfo=UTC)),
        ("2026-01-05T14:03:00.250+0100", DAY_FIRST, datetime(2026, 1, 5, 13, 3, tzinfo=UTC)),
        ("2026-01-05T14:03:00Z", DAY_FIRST, datetime(2026, 1, 5, 14, 3, tzinfo=UTC)),
        (" 2026-01-05 ", DAY_FIRST, datetime(2026, 1, 5, 3, 0, tzinfo=UTC)),
        # Before 2019 Brasília kept summer time (-02:00).
        ("15/01/2018 10:00", DAY_FIRST, datetime(2018, 1, 15, 12, 0, tzinfo=UTC)),
    ],
)
def test_local_datetime_is_read_in_the_file_order_into_utc(cell, order, expected):
    assert parse_local_datetime(cell, order, BRASILIA) == expected


@pytest.mark.parametrize(
    ("cell", "order", "message"),
    [
        ("03/25/2025 10:00", DAY_FIRST, "cannot be read day/month/year like the rest"),
        ("25/03/2025 10:00", MONTH_FIRST, "cannot be read month/day/year like the rest"),
        ("31/02/2025", DAY_FIRST, "is not a valid date-time"),
        ("13/13/2025", DAY_FIRST, "is not a valid date-time"),
        ("01/03/2025 25:00", DAY_FIRST, "is not a valid date-time"),
        ("01/03/2025 13:00 PM", DAY_FIRST, "hour 13 with AM/PM"),
        ("ontem", DAY_FIRST, "is not a date-time (expected dd/mm/yyyy HH:MM"),
        ("2025-02-30 10:00", DAY_FIRST, "is not a valid date-time"),
        ("1/3", DAY_FIRST, "is not a date-time"),
    ],
)
def test_a_cell_that_cannot_be_read_says_why(cell, order, message):
    with pytest.raises(DateError, match=message.replace("(", r"\(")):
        parse_local_datetime(cell, order, BRASILIA)


@pytest.mark.parametrize(
    ("cell", "evidence"),
    [
        ("13/01/2025 10:00", DAY_FIRST),
        ("01/13/2025 10:00", MONTH_FIRST),
        ("12/12/2025", None),
        ("01/03/2025", None),
        ("32/01/2025", None),
        ("13/13/2025", None),
        ("2025-01-13 10:00", None),
        ("", None),
    ],
)
def test_only_a_number_over_12_in_one_place_tells_the_order(cell, evidence):
    assert order_evidence(cell) == evidence


@pytest.mark.parametrize(
    ("cells", "default", "order", "reason"),
    [
        (["13/01/2025", "01/02/2025", ""], MONTH_FIRST, DAY_FIRST, "1 cell(s) only readable day"),
        (["01/13/2025", "02/01/2025"], DAY_FIRST, MONTH_FIRST, "1 only month first"),
        (["01/02/2025", "2025-01-30"], DAY_FIRST, DAY_FIRST, "no unambiguous cell; headers"),
        (["01/02/2025"], MONTH_FIRST, MONTH_FIRST, "no unambiguous cell; headers"),
        ([], DAY_FIRST, DAY_FIRST, "no unambiguous cell"),
        (["13/01/2025", "14/01/2025", "01/13/2025"], MONTH_FIRST, DAY_FIRST, "2 cell(s)"),
        (["13/01/2025", "01/13/2025"], MONTH_FIRST, MONTH_FIRST, "a tie; headers"),
    ],
)
def test_file_order_follows_its_unambiguous_cells_then_the_default(cells, default, order, reason):
    decided = infer_date_order(cells, default, "headers")
    assert decided.order == order
    assert reason in decided.reason
    assert decided.contradictory == ("13/01/2025" in cells and "01/13/2025" in cells)


moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
)


@given(moments, st.sampled_from([DAY_FIRST, MONTH_FIRST]))
def test_a_written_local_time_reads_back_as_the_same_instant(moment, order):
    local = moment.astimezone(BRASILIA).replace(second=0, microsecond=0)
    layout = "%d/%m/%Y %H:%M" if order == DAY_FIRST else "%m/%d/%Y %H:%M"
    cell = local.strftime(layout)
    parsed = parse_local_datetime(cell, order, BRASILIA)
    # The same wall-clock time (of either instant, where summer time ended and an hour repeated).
    assert parsed.astimezone(BRASILIA).replace(tzinfo=None) == local.replace(tzinfo=None)
    evidence = order_evidence(cell)
    assert evidence == (None if local.day <= 12 else order)


@given(st.text(max_size=40))
def test_any_text_is_a_datetime_or_a_date_error(text):
    for order in (DAY_FIRST, MONTH_FIRST):
        try:
            parsed = parse_local_datetime(text, order, BRASILIA)
        except DateError as exc:
            assert "\n" not in str(exc)
        else:
            assert parsed.tzinfo is UTC
    infer_date_order([text], DAY_FIRST, "default")
