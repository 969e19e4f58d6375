"""Phone rules against the reference, `phonenumbers`, on every shape Brazilian records hold."""

from __future__ import annotations

import phonenumbers
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType

from crm_elt.fakedata.defects import PHONE_SHAPES
from crm_elt.normalize.brazil import DDDS_BY_STATE, MUNICIPALITIES, STATE_BY_DDD
from crm_elt.normalize.phones import PROBLEMS, normalize_phones

LINE_TYPES = {PhoneNumberType.MOBILE: "mobile", PhoneNumberType.FIXED_LINE: "landline"}


def normalized(raw: str | None, state: str | None = None, city: str | None = None) -> dict | None:
    places = pa.array([state], pa.string()), pa.array([city], pa.string())
    return normalize_phones(pa.array([raw], pa.string()), *places)[0].as_py()


def reference(raw: str) -> tuple[str, str] | None:
    """What libphonenumber makes of a number read in Brazil: (E.164, line type) or None."""
    try:
        number = phonenumbers.parse(raw, "BR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    line_type = LINE_TYPES.get(phonenumbers.number_type(number))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), line_type


@pytest.mark.parametrize(
    ("raw", "state", "e164", "line_type", "problem"),
    [
        ("+55 (11) 98765-4321", None, "+5511987654321", "mobile", None),
        ("(21) 3222-1234", None, "+552132221234", "landline", None),
        ("011 98765-4321", None, "+5511987654321", "mobile", None),
        ("0 21 11 98765-4321", None, "+5511987654321", "mobile", None),  # carrier code 21
        ("55 98765-4321", None, "+5555987654321", "mobile", None),  # DDD 55 is in RS
        ("5532221234", None, "+555532221234", "landline", None),
        ("98765-4321", "AC", "+5568987654321", "mobile", None),  # AC has one DDD: 68
        ("98765-4321", "SP", None, None, "no_area_code"),  # SP has nine
        ("98765-4321", None, None, None, "no_area_code"),
        ("(10) 98765-4321", None, None, None, "unknown_area_code"),
        ("(11) 1234-5678", None, None, None, "invalid_number"),
        ("(11) 8765-432", None, None, None, "invalid_number"),
        ("não tem", None, None, None, "not_a_phone"),
    ],
)
def test_normalize_phones_reads_brazilian_shapes(raw, state, e164, line_type, problem):
    result = normalized(raw, state)
    assert (result["e164"], result["line_type"], result["problem"]) == (e164, line_type, problem)
    assert problem is None or problem in PROBLEMS


@pytest.mark.parametrize(
    ("state", "city", "e164"),
    [
        ("SP", "Campinas", "+5519987654321"),  # SP has nine DDDs, Campinas one
        ("sp", " campinas ", "+5519987654321"),  # as people type them
        ("MG", "Belo Horizonte", "+5531987654321"),
        ("RJ", "Campinas", None),  # no Campinas in RJ
        ("SP", "Cidade Pequena", None),  # a city the table does not know
        (None, "Campinas", None),  # a city name alone may be another state's
        ("AC", "Campinas", "+5568987654321"),  # a single-DDD state decides
    ],
)
def test_a_number_without_area_code_takes_its_citys_ddd_when_unambiguous(state, city, e164):
    result = normalized("98765-4321", state, city)
    assert result["e164"] == e164
    assert result["completed_area_code"] == (e164 is not None)
    assert result["problem"] == (None if e164 else "no_area_code")
    assert result["local_number"] == "987654321"


def test_cities_complete_in_chunked_columns_as_duckdb_hands_them():
    def chunked(values):
        return pa.chunked_array([values[:2], values[2:]], pa.string())

    raw = chunked(["98765-4321", "(11) 98765-4321", "98765-4321", "3222-1234"])
    states = chunked(["SP", "SP", "MG", "SP"])
    cities = chunked(["Campinas", "Campinas", "Belo Horizonte", "Santos"])
    e164 = [row["e164"] for row in normalize_phones(raw, states, cities).to_pylist()]
    assert e164 == ["+5519987654321", "+5511987654321", "+5531987654321", "+551332221234"]


def test_every_known_city_completes_to_its_own_ddd():
    cities = [city for city in MUNICIPALITIES if len(DDDS_BY_STATE[city.state]) > 1]
    results = normalize_phones(
        pa.array(["3222-1234"] * len(cities)),
        pa.array([city.state for city in cities]),
        pa.array([city.name for city in cities]),
    ).to_pylist()
    completed = {
        result["e164"][3:5] == str(city.area_code)
        for city, result in zip(cities, results, strict=True)
    }
    assert completed == {True}


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_a_blank_phone_is_null_not_a_problem(raw):
    assert normalized(raw) is None


def test_an_old_eight_digit_mobile_gets_its_ninth_digit_where_phonenumbers_gives_up():
    result = normalized("(11) 8765-4321")
    assert result["e164"] == "+5511987654321"
    assert result["added_ninth_digit"] is True
    assert reference("(11) 8765-4321") is None
    assert reference(result["e164"]) == (result["e164"], "mobile")


ddds = st.sampled_from(sorted(STATE_BY_DDD))
mobiles = st.integers(0, 10**8 - 1).map(lambda number: f"9{number:08d}")
landlines = st.tuples(st.integers(2, 5), st.integers(0, 10**7 - 1)).map(
    lambda pair: f"{pair[0]}{pair[1]:07d}"
)


@settings(max_examples=300, deadline=None)
@given(ddd=ddds, subscriber=st.one_of(mobiles, landlines), shape=st.sampled_from(PHONE_SHAPES))
def test_every_generated_shape_reads_as_phonenumbers_reads_it(ddd, subscriber, shape):
    # The generator's shapes hold a mobile's ninth digit as {n}; a landline has none.
    mobile = len(subscriber) == 9
    body = subscriber[1:] if mobile else subscriber
    raw = shape.format(ddd=ddd, n="9" if mobile else "", a=body[:4], b=body[4:])
    result = normalized(raw)
    assert reference(raw) == (result["e164"], result["line_type"])


@settings(max_examples=300, deadline=None)
@given(
    ddd=ddds,
    subscriber=st.one_of(mobiles, landlines),
    prefix=st.sampled_from(["", "+55 ", "55", "0", "0 15 ", "+55 0"]),
    separator=st.sampled_from(["", " ", "-", "."]),
    parentheses=st.booleans(),
)
def test_formatting_never_changes_the_number(ddd, subscriber, prefix, separator, parentheses):
    area = f"({ddd})" if parentheses else str(ddd)
    if prefix == "+55 0":  # "+55 0 11 ..." is not a shape anyone writes
        prefix = "+55 "
    raw = f"{prefix}{area} {subscriber[:-4]}{separator}{subscriber[-4:]}"
    result = normalized(raw)
    expected = reference(f"+55{ddd}{subscriber}")
    assert (result["e164"], result["line_type"]) == expected


def test_a_number_without_area_code_is_completed_only_from_a_single_ddd_state():
    single = sorted(state for state, codes in DDDS_BY_STATE.items() if len(codes) == 1)
    several = sorted(state for state, codes in DDDS_BY_STATE.items() if len(codes) > 1)
    states = pa.array(single + several)
    phones = pa.array(["98765-4321"] * len(states))
    results = normalize_phones(phones, states).to_pylist()
    for state, result in zip(states.to_pylist(), results, strict=True):
        if state in single:
            assert result["e164"] == f"+55{DDDS_BY_STATE[state][0]}987654321"
            assert result["completed_area_code"] is True
        else:
            assert result["problem"] == "no_area_code"
        # Either way the mobile's local number stays for matching: it may come from elsewhere.
        assert result["local_number"] == "987654321"
