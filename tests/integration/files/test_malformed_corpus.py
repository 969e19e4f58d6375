"""A corpus of broken ManyChat and spend files: clear quarantine rows, never a crash, and
every good row loaded. The manifest says exactly what each file must give."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crm_elt.sources import manychat, marketing_spend
from crm_elt.warehouse import new_load_id, open_warehouse

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "malformed"

# file -> (rows loaded, rows quarantined, words the first quarantine reason must contain)
MANIFEST = {
    "01_empty.csv": (0, 1, "empty file"),
    "02_header_only.csv": (0, 0, None),
    "03_no_id_column.csv": (0, 1, "missing required column(s) subscriber_id"),
    "04_latin1_semicolon.csv": (2, 0, None),
    "05_bom_utf8.csv": (1, 0, None),
    "06_ragged_rows.csv": (2, 2, "expected 5 fields"),
    "07_formula_cells.csv": (2, 0, None),
    "08_binary_junk.csv": (0, 1, "binary"),
    "09_png_renamed.csv": (0, 1, "binary"),
    "10_nul_bytes.csv": (1, 1, "NUL"),
    "11_huge_field.csv": (2, 1, "field larger than field limit"),
    "12_duplicate_headers.csv": (1, 0, None),
    "13_scientific_ids.csv": (1, 1, "scientific notation"),
    "14_multiline_cells.csv": (2, 0, None),
    "15_trailing_delimiters.csv": (2, 0, None),
    "16_mixed_line_endings.csv": (3, 0, None),
    "17_blank_and_bad_ids.csv": (1, 2, "missing subscriber id"),
    "18_unclosed_quote.csv": (1, 1, "expected 5 fields"),
    "19_tab_delimited.txt": (1, 0, None),
    "26_portuguese_export.csv": (2, 0, None),
    "27_ambiguous_dates.csv": (2, 0, None),
    "28_contradictory_dates.csv": (3, 2, "subscribed_at '01/13/2025 10:00' cannot be read day/"),
    "29_spanish_export.tsv": (2, 0, None),
    "30_portuguese_export.txt": (2, 0, None),
    "21_brazilian_amounts.csv": (3, 0, None),
    "22_bad_rows.csv": (1, 5, "month '2026-13'"),
    "23_missing_amount_column.csv": (0, 1, "missing required column(s) amount"),
    "24_empty.csv": (0, 1, "empty file"),
    "25_restated_month.csv": (1, 0, None),
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    from tests.conftest import make_settings

    settings = make_settings(tmp_path_factory.mktemp("corpus") / "data")
    shutil.copytree(CORPUS / "manychat", settings.manychat_input_dir)
    shutil.copytree(CORPUS / "marketing_spend", settings.marketing_spend_input_dir)
    manychat.extract(settings, load_id=new_load_id())
    marketing_spend.extract(settings, load_id=new_load_id())
    return settings


def file_counts(settings, file_name):
    with open_warehouse(settings, read_only=True) as con:
        counted = con.execute(
            "select rows_loaded, rows_quarantined from _elt.loaded_files where file_name = ?",
            [file_name],
        ).fetchall()
        reasons = con.execute(
            "select reason from _elt.quarantine where file_name = ? "
            "order by line_number nulls first",
            [file_name],
        ).fetchall()
    return counted, [reason for (reason,) in reasons]


def test_corpus_has_at_least_twenty_broken_files():
    assert len(list(CORPUS.rglob("*.*"))) >= 20


@pytest.mark.parametrize(("file_name", "expected"), MANIFEST.items(), ids=list(MANIFEST))
def test_corpus_file_gives_exactly_its_rows_and_quarantine(loaded, file_name, expected):
    rows, quarantined, reason = expected
    counted, reasons = file_counts(loaded, file_name)
    assert counted == [(rows, quarantined)]
    assert len(reasons) == quarantined
    if reason:
        assert reason in reasons[0]


def test_quarantine_names_file_line_and_field(loaded):
    with open_warehouse(loaded, read_only=True) as con:
        rows = con.execute(
            "select file_name, line_number, field from _elt.quarantine "
            "where file_name = '22_bad_rows.csv' order by line_number"
        ).fetchall()
    assert rows == [
        ("22_bad_rows.csv", 2, "month"),
        ("22_bad_rows.csv", 3, "channel"),
        ("22_bad_rows.csv", 4, "amount"),
        ("22_bad_rows.csv", 5, "amount"),
        ("22_bad_rows.csv", 6, "currency"),
    ]


def test_values_are_kept_as_text_and_formulas_flagged(loaded):
    with open_warehouse(loaded, read_only=True) as con:
        records = dict(
            con.execute(
                "select record_key, record from raw_manychat.subscribers "
                "where record_key in ('1001', '1008', '1016', '1017')"
            ).fetchall()
        )
    import json

    joao = json.loads(records["1001"])
    assert (joao["first_name"], joao["last_name"]) == ("João", "Conceição")
    formula = json.loads(records["1008"])
    assert formula["first_name"] == '=HYPERLINK("http://evil")'
    assert "formula_like:first_name" in formula["_flags"]
    assert "scientific_notation:phone" in json.loads(records["1016"])["_flags"]
    assert json.loads(records["1017"])["notes"] == "linha 1\nlinha 2\nlinha 3"


def subscriber(settings, subscriber_id: str) -> dict:
    import json

    with open_warehouse(settings, read_only=True) as con:
        (record,) = con.execute(
            "select record from raw_manychat.subscribers where record_key = ?", [subscriber_id]
        ).fetchall()[0]
    return json.loads(record)


@pytest.mark.parametrize(
    ("subscriber_id", "expected"),
    [
        # Portuguese headers with a day over 12: day first; Brasília time to UTC.
        (
            "2001",
            {
                "first_name": "Ana",
                "last_name": "Souza",
                "phone": "+5511987654321",
                "tags": "ilpi, cuidador",
                "subscribed_at": "01/03/2025 10:00",
                "_utc": {
                    "subscribed_at": "2025-03-01T13:00:00Z",
                    "last_interaction_at": "2025-03-15T21:30:00Z",
                },
            },
        ),
        ("2002", {"last_name": "Conceição", "_utc": {"subscribed_at": "2025-02-13T12:00:00Z"}}),
        # No day over 12 anywhere: Portuguese headers, so day first.
        (
            "2011",
            {
                "full_name": "Bia Lima",
                "_date_order": "day_first",
                "_utc": {
                    "subscribed_at": "2025-03-01T13:00:00Z",
                    "last_interaction_at": "2025-04-02T14:00:00Z",
                },
            },
        ),
        ("2012", {"_utc": {"subscribed_at": "2025-06-05T11:15:00Z"}}),
        # Contradictory: most cells are day first, so the ambiguous one is too.
        (
            "2021",
            {
                "full_name": "Carla",
                "_utc": {
                    "subscribed_at": "2025-01-13T13:00:00Z",
                    "last_interaction_at": "2025-01-20T13:00:00Z",
                },
            },
        ),
        ("2024", {"_utc": {"subscribed_at": "2025-06-05T13:00:00Z"}}),
        (
            "2031",
            {
                "first_name": "Lucía",
                "last_name": "Gómez",
                "email": "lucia@x.com",
                "whatsapp_phone": "+5491123456789",
                "tags": "ilpi",
                "_utc": {
                    "subscribed_at": "2024-12-25T23:00:00Z",
                    "last_interaction_at": "2025-01-02T12:00:00Z",
                },
            },
        ),
        # Upper case without accents, Latin-1, saved as .txt.
        (
            "2041",
            {
                "full_name": "Márcia Antônia",
                "email": "marcia@x.com",
                "whatsapp_phone": "+5521987654321",
                "gender": "feminino",
                "_utc": {"subscribed_at": "2025-11-01T02:45:00Z"},
            },
        ),
    ],
)
def test_portuguese_and_spanish_exports_map_headers_and_read_dates(loaded, subscriber_id, expected):
    record = subscriber(loaded, subscriber_id)
    assert {key: record.get(key) for key in expected} == expected


def test_rows_against_their_file_date_order_are_quarantined_with_line_and_field(loaded):
    with open_warehouse(loaded, read_only=True) as con:
        rows = con.execute(
            "select line_number, field, reason from _elt.quarantine "
            "where file_name = '28_contradictory_dates.csv' order by line_number"
        ).fetchall()
    assert [(line, field) for line, field, _ in rows] == [
        (4, "subscribed_at"),
        (6, "subscribed_at"),
    ]
    assert "like the rest of its file" in rows[0][2]
    assert "'ayer' is not a date-time" in rows[1][2]


def test_spend_amounts_months_and_channels_are_normalized(loaded):
    with open_warehouse(loaded, read_only=True) as con:
        rows = con.execute(
            "select record_key, record ->> 'amount', record ->> 'currency' "
            "from raw_marketing.spend qualify row_number() over "
            "(partition by record_key order by _extracted_at desc) = 1 order by 1"
        ).fetchall()
    assert rows == [
        ("2026-01|PAID_SEARCH", "2000.00", "BRL"),
        ("2026-01|PAID_SOCIAL", "999.99", "BRL"),  # restated by a later file
        ("2026-02|OFFLINE", "300", "BRL"),
        ("2026-03|PAID_SOCIAL", "1234.50", "BRL"),
    ]


def test_files_are_archived_and_never_loaded_twice(loaded):
    assert sorted(path.name for path in loaded.manychat_input_dir.iterdir()) == ["20_notes.xlsx"]
    archived = list((loaded.archive_dir / "manychat").iterdir())
    assert len(archived) >= 24
    copy_back = next(path for path in archived if path.name.endswith("04_latin1_semicolon.csv"))
    shutil.copy(copy_back, loaded.manychat_input_dir / "04_latin1_semicolon.csv")
    result = manychat.extract(loaded, load_id=new_load_id())
    assert result.inserted == 0
    with open_warehouse(loaded, read_only=True) as con:
        loads = con.execute(
            "select count(*) from _elt.loaded_files where file_name = '04_latin1_semicolon.csv'"
        ).fetchall()
    assert loads == [(1,)]


def test_a_non_csv_file_is_left_in_place(loaded):
    assert (loaded.manychat_input_dir / "20_notes.xlsx").exists()
