"""Labels in both languages and Brazilian formats for money, numbers and dates."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from crm_elt.dashboard.labels import (
    COLUMN_LABELS,
    LABELS,
    LANGUAGES,
    format_date,
    format_datetime,
    format_frame,
    format_money,
    format_number,
    label,
)


def test_every_label_exists_in_every_language():
    for catalogue in (LABELS, COLUMN_LABELS):
        keys = {language: set(labels) for language, labels in catalogue.items()}
        assert set(keys) == set(LANGUAGES)
        assert keys["pt"] == keys["en"]


@pytest.mark.parametrize(
    ("value", "pt", "en"),
    [
        (1234.56, "R$ 1.234,56", "R$ 1,234.56"),
        (0, "R$ 0,00", "R$ 0.00"),
        (1_000_000.005, "R$ 1.000.000,01", "R$ 1,000,000.01"),
        (__import__("decimal").Decimal("0.125"), "R$ 0,13", "R$ 0.13"),
        (-12.5, "-R$ 12,50", "-R$ 12.50"),
        (None, "-", "-"),
        (float("nan"), "-", "-"),
    ],
)
def test_money_is_written_as_each_language_writes_it(value, pt, en):
    assert format_money(value, "pt") == pt
    assert format_money(value, "en") == en


def test_numbers_group_thousands_by_language():
    assert format_number(1268, "pt") == "1.268"
    assert format_number(1268, "en") == "1,268"
    assert format_number(1.3456, "pt", 2) == "1,35"


def test_dates_are_dd_mm_yyyy_in_portuguese_and_iso_in_english():
    assert format_date(date(2026, 3, 9), "pt") == "09/03/2026"
    assert format_date(datetime(2026, 3, 9, 23, 59), "en") == "2026-03-09"
    assert format_date(pd.Timestamp("2026-03-09"), "pt") == "09/03/2026"
    assert format_date(pd.NaT, "pt") == "-"
    assert format_datetime(datetime(2026, 3, 9, 7, 5), "pt") == "09/03/2026 07:05"


def test_label_fills_its_placeholders():
    assert "marts.x" in label("mart_missing", "en", table="marts.x")


def test_frame_columns_are_formatted_by_their_names():
    frame = pd.DataFrame(
        {
            "month": [date(2026, 1, 1)],
            "channel": ["paid_social"],
            "spend_brl": [1234.5],
            "new_customers": [3],
            "cac_brl": [None],
            "ltv_cac": [2.5],
            "first_purchase_at": [pd.Timestamp("2026-01-05 10:30")],
            "sources": [["hubspot", "hotmart"]],
        }
    )
    shown = format_frame(frame, "pt").iloc[0].to_dict()
    assert shown == {
        "Mês": "01/01/2026",
        "Canal": "paid_social",
        "Investimento": "R$ 1.234,50",
        "Clientes novos": "3",
        "CAC": "-",
        "ltv_cac": "2,50",
        "first_purchase_at": "05/01/2026 10:30",
        "Fontes": "hubspot, hotmart",
    }
    assert list(format_frame(frame, "en").columns)[:3] == ["Month", "Channel", "Spend"]


def test_flags_read_yes_or_no_in_each_language():
    frame = pd.DataFrame({"is_reachable_by_email": [True, False, None]})
    assert format_frame(frame, "pt")["E-mail"].tolist() == ["sim", "não", "-"]
    assert format_frame(frame, "en")["Email"].tolist() == ["yes", "no", "-"]
