"""The ManyChat enrichment's pure helpers: which lookup values are usable, and whether an id
found by email can be the one Excel rounded."""

from __future__ import annotations

import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_elt.sources.manychat import (
    Recovery,
    _email,
    _phone,
    id_fits_scientific,
    recovered_row,
)
from crm_elt.warehouse import RawRecord


@pytest.mark.parametrize(
    ("subscriber_id", "scientific", "fits"),
    [
        ("5966353396955548", "5.96635E+15", True),
        ("5966353396955548", "5.96635e+15", True),
        ("5966353396955548", "5,96635E+15", True),  # a Brazilian Excel
        ("5966354999999999", "5.96635E+15", True),
        ("5966355000000000", "5.96635E+15", True),  # exactly half a unit: either way
        ("5966355000000001", "5.96635E+15", False),
        ("5966344999999999", "5.96635E+15", False),
        ("596635339695554", "5.96635E+15", False),  # one digit short
        ("1000000000000000", "1E+15", True),
        ("1400000000000000", "1E+15", True),
        ("1600000000000000", "1E+15", False),
        ("59663533969555x8", "5.96635E+15", False),
        ("5966353396955548", "not a number", False),
        ("5966353396955548", "Infinity", False),
    ],
)
def test_id_fits_scientific(subscriber_id, scientific, fits):
    assert id_fits_scientific(subscriber_id, scientific) is fits


@given(st.integers(10**15, 10**16 - 1), st.integers(0, 8))
def test_an_id_fits_its_own_rounding_at_any_precision(number, decimals):
    scientific = f"{Decimal(number):.{decimals}E}"
    assert id_fits_scientific(str(number), scientific)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (" ana@example.com ", "ana@example.com"),
        ("Ana.Silva+tag@Example.com.br", "Ana.Silva+tag@Example.com.br"),
        ("ana@example", None),
        ("ana example.com", None),
        ("a@b@example.com", None),
        ("", None),
        (None, None),
    ],
)
def test_email_lookup_value(value, expected):
    assert _email(value) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (("+5511987654321",), "+5511987654321"),
        ((" +15400000000 ",), "+15400000000"),
        (("(11) 98765-4321", "+5511987654321"), "+5511987654321"),  # whatsapp, then phone
        (("5511987654321",), None),  # no +: ManyChat wants E.164
        (("+55 11 98765-4321",), None),
        (("5.51199E+12",), None),
        (("+123",), None),
        ((None, ""), None),
    ],
)
def test_phone_lookup_value_is_the_first_in_e164(values, expected):
    assert _phone(*values) == expected


def test_a_recovered_row_is_the_export_row_under_the_id_found_and_says_so():
    recovery = Recovery(
        key="L1/export.csv:8",
        file_name="export.csv",
        line=8,
        values={
            "subscriber_id": "5.96635E+15",
            "first_name": "=cmd",
            "email": "g@x.com",
            "subscribed_at": "02/03/2025 10:00",
            "_date_order": "month_first",  # as its file was read
        },
        scientific_id="5.96635E+15",
    )
    record = recovered_row(recovery, "5966353396955548", "email", ZoneInfo("America/Sao_Paulo"))
    assert isinstance(record, RawRecord)
    assert record.payload["_utc"] == {"subscribed_at": "2025-02-03T13:00:00Z"}
    assert record.key == "5966353396955548"
    assert record.payload["subscriber_id"] == "5966353396955548"
    assert (record.payload["_source_file"], record.payload["_source_line"]) == ("export.csv", 8)
    assert record.payload["_flags"] == ["formula_like:first_name", "recovered_id_by_email"]
    assert record.payload["_recovered"] == {"scientific_id": "5.96635E+15", "found_by": "email"}
    # The quarantine's load id is a fact of this run: a column, not part of the hashed record.
    assert record.recovered_from == "L1/export.csv:8"
    assert "L1" not in json.dumps(record.payload)


def test_a_recovered_row_whose_date_cannot_be_read_stays_out():
    recovery = Recovery(
        "L1/export.csv:9",
        "export.csv",
        9,
        {"subscriber_id": "5.96635E+15", "email": "g@x.com", "subscribed_at": "ontem"},
        "5.96635E+15",
    )
    field, reason = recovered_row(recovery, "5966353396955548", "email", ZoneInfo("UTC"))
    assert field == "subscribed_at"
    assert reason.startswith("subscribed_at 'ontem' is not a date-time (expected dd/mm/yyyy")


def test_enrichment_is_off_unless_set_and_on_in_env_example(tmp_path):
    from pathlib import Path

    from crm_elt.settings import SettingsError, load_settings
    from tests.conftest import make_settings

    example = Path(__file__).resolve().parents[2] / ".env.example"
    assert make_settings(tmp_path).manychat_enrich == "off"
    assert load_settings(environ={}, env_file=example).manychat_enrich == "new"
    assert make_settings(tmp_path, MANYCHAT_ENRICH="all").manychat_enrich == "all"
    with pytest.raises(SettingsError, match=r"MANYCHAT_ENRICH='some' is invalid: expected one"):
        make_settings(tmp_path, MANYCHAT_ENRICH="some")
