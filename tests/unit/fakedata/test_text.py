"""The generator's vectorized string kernels give what the obvious Python would give."""

from __future__ import annotations

import csv
import io

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_elt.fakedata import text
from crm_elt.fakedata.defects import DefectLog
from crm_elt.fakedata.generate import brasilia_iso, money_strings

EPOCH_MS = st.integers(min_value=-(10**12), max_value=4 * 10**12)
CELL = st.one_of(st.none(), st.text(alphabet=st.characters(blacklist_categories=["Cs"])))


@given(st.lists(st.integers(min_value=0, max_value=2**63 - 1), max_size=50))
def test_hexadecimal_writes_what_percent_x_writes(values):
    assert text.hexadecimal(np.array(values, dtype=np.uint64)).to_pylist() == [
        f"{value:x}" for value in values
    ]


@given(st.lists(EPOCH_MS, min_size=1, max_size=50))
def test_iso_utc_writes_hubspot_datetimes_as_numpy_does(values):
    millis = np.array(values, dtype=np.int64)
    expected = np.datetime_as_string(millis.astype("datetime64[ms]"), unit="ms")
    assert text.iso_utc(millis).to_pylist() == [f"{value}Z" for value in expected]


@given(st.lists(EPOCH_MS, min_size=1, max_size=50))
def test_brasilia_iso_is_three_hours_behind_utc_to_the_second(values):
    millis = np.array(values, dtype=np.int64)
    local = (millis - 3 * 3_600_000).astype("datetime64[ms]")
    expected = np.datetime_as_string(local, unit="s")
    assert brasilia_iso(millis).to_pylist() == [f"{value}-03:00" for value in expected]


@given(st.lists(st.floats(min_value=0, max_value=10**9, allow_nan=False), max_size=50))
def test_money_strings_write_what_str_writes_for_rounded_amounts(values):
    amounts = np.round(np.array(values, dtype=np.float64), 2)
    assert money_strings(amounts).to_pylist() == [str(value) for value in amounts.tolist()]


def test_patched_replaces_the_given_rows_and_a_later_replacement_wins():
    values = pa.array(["a", "b", None, "d"])
    result = text.patched(
        values,
        [(np.array([0, 2]), pa.array(["x", "y"])), (np.array([2]), pa.array(["z"]))],
    )
    assert result.to_pylist() == ["x", "b", "z", "d"]
    assert text.patched(values, [(np.array([], dtype=np.int64), pa.array([]))]) is values


def test_mapped_applies_the_function_to_chosen_rows_with_their_row_number():
    values = pa.array(["a", "b", None, "d"])
    result = text.mapped(values, np.array([True, False, True, True]), lambda v, row: f"{v}{row}")
    assert result.to_pylist() == ["a0", "b", None, "d3"]


def test_render_fills_a_format_template_row_by_row():
    result = text.render(
        "({ddd}) 9{a}-{b}",
        ddd=pa.array(["11", "21"]),
        a=pa.array(["1234", "5678"]),
        b=pa.array(["0000", "9999"]),
    )
    assert result.to_pylist() == ["(11) 91234-0000", "(21) 95678-9999"]


@given(st.lists(st.lists(st.booleans(), min_size=4, max_size=4), min_size=1, max_size=30))
def test_defect_log_joins_each_rows_defects_in_the_order_they_were_added(rows):
    masks = np.array(rows, dtype=bool).T
    names = ["duplicate_record", "name_typo", "invalid_email", "archived"]
    log = DefectLog(len(rows))
    for name, mask in zip(names, masks, strict=True):
        log.add(name, mask)
    expected = [
        ";".join(name for name, flag in zip(names, row, strict=True) if flag) for row in rows
    ]
    assert log.joined().to_pylist() == expected


def test_defect_log_without_defects_gives_empty_labels():
    assert DefectLog(3).joined().to_pylist() == ["", "", ""]


@given(
    st.lists(st.tuples(CELL, CELL, CELL), min_size=1, max_size=20),
    st.sampled_from([",", ";"]),
    st.sampled_from(["\n", "\r\n"]),
)
def test_csv_text_reads_back_as_written(rows, delimiter, eol):
    header = ["ID", "Full Name", "Observações"]
    columns = [pa.array(list(column), type=pa.string()) for column in zip(*rows, strict=True)]
    content = text.csv_text(header, columns, delimiter, eol).decode("utf-8")
    parsed = list(csv.reader(io.StringIO(content, newline=""), delimiter=delimiter))
    assert parsed == [header] + [["" if cell is None else cell for cell in row] for row in rows]


@given(
    st.lists(
        st.tuples(CELL, CELL).filter(lambda row: all("\r" not in (cell or "") for cell in row)),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from([",", ";"]),
    st.sampled_from(["\n", "\r\n"]),
)
def test_csv_text_matches_python_csv_writer_byte_for_byte(rows, delimiter, eol):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=eol)
    writer.writerow(["a", "b"])
    writer.writerows([["" if cell is None else cell for cell in row] for row in rows])
    columns = [pa.array(list(column), type=pa.string()) for column in zip(*rows, strict=True)]
    assert text.csv_text(["a", "b"], columns, delimiter, eol) == buffer.getvalue().encode()


def test_csv_text_needs_two_columns():
    with pytest.raises(ValueError, match="two columns"):
        text.csv_text(["a"], [pa.array(["x"])], ",", "\n")
