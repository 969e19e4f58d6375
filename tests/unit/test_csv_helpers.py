"""The CSV loader's helpers on their own: encodings, delimiters, header names, amounts, months,
and parse_csv on small inputs (the malformed-file corpus covers whole files end to end)."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from crm_elt.sources.csv_files import (
    DELIMITERS,
    detect_delimiter,
    detect_encoding,
    formula_like_fields,
    normalize_header,
    parse_csv,
)
from crm_elt.sources.marketing_spend import parse_amount, parse_month


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "utf-8"),
        (b"id,name\n1,Ana\n", "utf-8"),
        ("id,nome\n1,João\n".encode(), "utf-8"),
        (b"\xef\xbb\xbfid,name\n", "utf-8-sig"),
        ("id;nome\n1;João\n".encode("latin-1"), "cp1252"),
        ("valor\n€ 10 “caro”\n".encode("cp1252"), "cp1252"),
        (b"id\n\x81\x8d\n", "latin-1"),  # bytes cp1252 leaves undefined
    ],
    ids=["empty", "ascii", "utf8", "bom", "latin1", "cp1252-only", "latin1-only"],
)
def test_detect_encoding(data, expected):
    assert detect_encoding(data) == expected


# Printable Latin-1: the same characters in cp1252 and latin-1, so either answer decodes them.
LATIN1_TEXT = st.text(
    alphabet=st.characters(codec="latin-1", exclude_categories=("Cc",), exclude_characters="\x7f"),
    min_size=1,
)


@given(st.text(alphabet=st.characters(exclude_categories=("Cs",))))
def test_utf8_text_is_detected_with_or_without_bom(text):
    assert detect_encoding(text.encode("utf-8")) == "utf-8"
    assert detect_encoding(b"\xef\xbb\xbf" + text.encode("utf-8")) == "utf-8-sig"


@given(LATIN1_TEXT)
def test_latin1_text_decodes_back_to_itself_unless_it_is_also_valid_utf8(text):
    data = text.encode("latin-1")
    # 'Â\xa0' in Latin-1 is the UTF-8 of '\xa0': no detector can tell, UTF-8 is the likelier.
    assume(not _is_utf8(data))
    assert data.decode(detect_encoding(data)) == text


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@given(st.binary())
def test_any_bytes_decode_strictly_with_the_detected_encoding_unless_bom(data):
    # parse_csv decodes a BOM file with errors="replace", so only BOM-less data must be strict.
    if not data.startswith(b"\xef\xbb\xbf"):
        data.decode(detect_encoding(data))


@pytest.mark.parametrize(
    ("header_line", "expected"),
    [
        ("id,name,email", ","),
        ("id;name;email", ";"),
        ("id\tname\temail", "\t"),
        ("id|name|email", "|"),
        ("subscriber_id", ","),
        ("", ","),
        ("id;name,with comma;email", ";"),
        ('id;"Name, first, last";email', ";"),
        ('"a|b|c|d";x;y', ";"),
        ('id;"said ""hi, there""";x', ";"),
        ("a,b;c", ","),  # a tie goes to the first of DELIMITERS
    ],
)
def test_detect_delimiter(header_line, expected):
    assert detect_delimiter(header_line) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ID", "id"),
        (" E-mail ", "e_mail"),
        ("User Id", "user_id"),
        ("Observações", "observacoes"),
        ("ÚLTIMA INTERAÇÃO", "ultima_interacao"),
        ("Phone (WhatsApp)", "phone_whatsapp"),
        ("\ufeffID", "id"),
        ("#", ""),
        ("__Tags__", "tags"),
    ],
)
def test_normalize_header(name, expected):
    assert normalize_header(name) == expected


@given(st.text())
def test_normalize_header_gives_an_identifier_like_name_and_is_idempotent(name):
    normalized = normalize_header(name)
    assert re.fullmatch(r"([a-z0-9]+(_[a-z0-9]+)*)?", normalized)
    assert normalize_header(normalized) == normalized


def test_formula_like_fields_are_the_cells_a_spreadsheet_would_evaluate():
    values = {"b": "=1+1", "a": "@SUM(A1)", "c": "x=1", "d": "", "e": "-5", "f": "+55 11"}
    assert formula_like_fields(values) == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.56", Decimal("1234.56")),
        ("1234", Decimal("1234")),
        ("1.234,56", Decimal("1234.56")),
        ("R$ 1.234,56", Decimal("1234.56")),
        ("r$1.234,56", Decimal("1234.56")),
        ("BRL 10,5", Decimal("10.5")),
        ("1,234.56", Decimal("1234.56")),
        ("  999,99 ", Decimal("999.99")),
        ("-10,00", Decimal("-10.00")),
        ("1 234,56", Decimal("1234.56")),
        ("R$ 1.234", Decimal("1234")),  # after R$ the dot is Brazilian thousands
        ("1.234.567", Decimal("1234567")),
        ("1.234.567,89", Decimal("1234567.89")),
        ("R$ 10.50", Decimal("10.50")),  # not three digits after the dot: a decimal point
        ("1.5", Decimal("1.5")),
        ("", None),
        ("abc", None),
        ("R$", None),
        ("1.2.3", None),
        ("12,34,56", None),
        ("US$ 10", None),
        ("10 reais", None),
        ("1e3", None),
    ],
)
def test_parse_amount(text, expected):
    assert parse_amount(text) == expected


@given(st.decimals(min_value=0, max_value=10**9, places=2))
def test_parse_amount_reads_every_notation_of_the_same_value(value):
    us = f"{value:,.2f}"  # 1,234,567.89
    brazilian = us.replace(",", " ").replace(".", ",").replace(" ", ".")  # 1.234.567,89
    for text in (f"{value:.2f}", us, brazilian, f"R$ {brazilian}", f"R${brazilian}"):
        assert parse_amount(text) == value, text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01", "2026-01"),
        ("2026-1", "2026-01"),
        (" 2026-03 ", "2026-03"),
        ("2026-01-31", "2026-01"),
        ("2024-02-29", "2024-02"),
        ("01/2026", "2026-01"),
        ("1/2026", "2026-01"),
        ("2026/03", "2026-03"),
        ("2000-01", "2000-01"),
        ("2100-12", "2100-12"),
        ("2026-13", None),
        ("2026-00", None),
        ("13/2026", None),
        ("1999-12", None),
        ("2101-01", None),
        ("2026-02-30", None),
        ("2025-02-29", None),
        ("2026-01-99", None),
        ("jan/2026", None),
        ("2026", None),
        ("26-01", None),
        ("", None),
    ],
)
def test_parse_month(text, expected):
    assert parse_month(text) == expected


@given(st.integers(2000, 2100), st.integers(1, 12), st.integers(1, 28))
def test_parse_month_reads_every_format_of_the_same_month(year, month, day):
    expected = f"{year}-{month:02d}"
    for text in (
        f"{year}-{month:02d}",
        f"{year}-{month}",
        f"{year}-{month:02d}-{day:02d}",
        f"{month:02d}/{year}",
        f"{month}/{year}",
        f"{year}/{month:02d}",
    ):
        assert parse_month(text) == expected, text


MAP = {"id": "subscriber_id", "e_mail": "email"}


def test_parse_csv_maps_headers_and_keeps_values_as_text():
    data = "ID;E-mail;Phone\n007;a@x.com;+5511999990000\n".encode("latin-1")
    parsed = parse_csv(data, MAP, ("subscriber_id",))
    assert (parsed.encoding, parsed.delimiter, parsed.error) == ("utf-8", ";", None)
    assert [(row.line, row.values) for row in parsed.rows] == [
        (2, {"subscriber_id": "007", "email": "a@x.com", "phone": "+5511999990000"})
    ]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", "empty file"),
        (b"  \r\n ", "empty file"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(32)) * 4, "binary"),
        (b"name,email\nAna,a@x.com\n", "missing required column(s) subscriber_id (found: name"),
    ],
)
def test_parse_csv_reports_files_it_cannot_read(data, error):
    parsed = parse_csv(data, MAP, ("subscriber_id",))
    assert error in parsed.error and not parsed.rows


def test_parse_csv_rejects_bad_rows_by_line_and_keeps_the_good_ones():
    data = b'id,name\n1,Ana\n2,Bia,extra\n\n3,"Caio\nSilva"\n4,Duda,,\n5,E\x00va\n6,Fabi\n'
    parsed = parse_csv(data, MAP, ("subscriber_id",))
    assert [(row.line, row.values["subscriber_id"]) for row in parsed.rows] == [
        (2, "1"),
        (5, "3"),
        (7, "4"),  # trailing empty cells are only trailing delimiters
        (9, "6"),
    ]
    assert [(line, reason) for line, _, reason, _ in parsed.rejected] == [
        (3, "expected 2 fields, found 3"),
        (8, "row contains NUL bytes"),
    ]


ID = st.from_regex(r"[1-9][0-9]{0,17}", fullmatch=True)
CELL = st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs")) | st.sampled_from("\n\r\t"))
LINE_BREAK = re.compile(r"\r\n|\r|\n")


@given(
    st.sampled_from(DELIMITERS),
    st.lists(st.tuples(ID, CELL, CELL), max_size=8),
)
def test_parse_csv_reads_back_what_a_csv_writer_wrote_with_start_lines(delimiter, rows):
    records = [["ID", "Name", "Notes"], *map(list, rows)]
    texts = []
    for record in records:
        buffer = io.StringIO(newline="")
        csv.writer(buffer, delimiter=delimiter).writerow(record)
        texts.append(buffer.getvalue())
    starts = [1]
    for text in texts:
        starts.append(starts[-1] + len(LINE_BREAK.findall(text)))
    parsed = parse_csv("".join(texts).encode(), MAP, ("subscriber_id",))
    assert parsed.delimiter == delimiter and not parsed.rejected and parsed.error is None
    assert [(row.line, row.values) for row in parsed.rows] == [
        (start, {"subscriber_id": id_, "name": name.strip(), "notes": notes.strip()})
        for start, (id_, name, notes) in zip(starts[1:], rows, strict=False)
    ]
