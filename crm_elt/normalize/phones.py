"""Brazilian phone numbers to E.164, the way `phonenumbers` reads them, in bulk.

`phonenumbers` (Google's libphonenumber) is the reference, but it costs about 100 µs a
number in Python; these rules, as whole-column Arrow kernels, give the same E.164 and line
type for every shape Brazilian records hold (tests/unit/normalize/test_phones.py runs both
over them) at well under 1 µs a number, and go further where the data needs it:

- the mobile ninth digit is added to an old 8-digit mobile (`(11) 8765-4321`), which
  `phonenumbers` rejects as invalid since the 2016 migration;
- a number given without area code takes the DDD its record's place names unambiguously
  (`completed_area_code`): its state's when the state has only one, otherwise its city's
  when the city, in that state, is one of the municipalities `brazil.MUNICIPALITIES` knows;
  otherwise it stays unnormalized, with the problem named.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from crm_elt.normalize.arrow import as_array
from crm_elt.normalize.brazil import DDDS_BY_STATE, MUNICIPALITIES, STATE_BY_DDD
from crm_elt.normalize.names import name_keys

COUNTRY_CODE = "55"
PHONE_TYPE = pa.struct(
    [
        ("e164", pa.string()),
        ("line_type", pa.string()),  # mobile | landline
        ("added_ninth_digit", pa.bool_()),
        ("completed_area_code", pa.bool_()),
        ("problem", pa.string()),  # why e164 is null (one of PROBLEMS); null when it is not
        # A mobile given without area code, as 9 digits (ninth digit added), for matching
        # against the end of full numbers (also when the state completed it); null otherwise.
        ("local_number", pa.string()),
    ]
)
PROBLEMS = ("not_a_phone", "no_area_code", "unknown_area_code", "invalid_number")
_VALID_DDDS = pa.array([str(ddd) for ddd in STATE_BY_DDD])
_SINGLE_DDD_STATES = {state: ddds[0] for state, ddds in DDDS_BY_STATE.items() if len(ddds) == 1}
_SINGLE_DDD_STATE_CODES = pa.array(list(_SINGLE_DDD_STATES))
_SINGLE_DDD_AREA_CODES = pa.array([str(ddd) for ddd in _SINGLE_DDD_STATES.values()])


def _municipality_area_codes() -> dict[str, str]:
    """`<city name key>|<UF>` -> DDD, for the municipalities whose key and state name one."""
    keys = name_keys(pa.array([city.name for city in MUNICIPALITIES])).to_pylist()
    codes: dict[str, set[str]] = {}
    for key, city in zip(keys, MUNICIPALITIES, strict=True):
        codes.setdefault(f"{key}|{city.state}", set()).add(str(city.area_code))
    return {place: ddds.pop() for place, ddds in codes.items() if len(ddds) == 1}


_AREA_CODE_BY_PLACE = _municipality_area_codes()
_PLACES = pa.array(list(_AREA_CODE_BY_PLACE))
_PLACE_AREA_CODES = pa.array(list(_AREA_CODE_BY_PLACE.values()))


def normalize_phones(
    raw: pa.Array, state: pa.Array | None = None, city: pa.Array | None = None
) -> pa.StructArray:
    """Each phone as recorded (any Brazilian shape) to E.164; null where the phone is blank.

    `state` (the record's own UF, e.g. "AC") and `city` complete a number without area code
    when they name a single DDD (see the module's docstring).
    """
    text = pc.utf8_trim_whitespace(pc.cast(raw, pa.string()))
    blank = pc.fill_null(pc.equal(text, ""), True)
    # Letters or symbols other than phone punctuation: not a phone ("não tem", an email).
    not_a_phone = pc.match_substring_regex(text, r"[^\d\s()+\-./]")
    digits = pc.replace_substring_regex(text, r"\D", "")
    length = pc.utf8_length(digits)
    from_country = pc.and_(
        pc.starts_with(digits, COUNTRY_CODE),
        pc.or_(pc.starts_with(text, "+"), pc.greater_equal(length, 12)),
    )
    trunk = pc.starts_with(digits, "0")
    national = _pick(
        [
            (from_country, pc.utf8_slice_codeunits(digits, 2)),
            (pc.and_(trunk, _in(length, 13, 14)), pc.utf8_slice_codeunits(digits, 3)),
            (pc.and_(trunk, _in(length, 11, 12)), pc.utf8_slice_codeunits(digits, 1)),
        ],
        digits,
    )
    # A local number alone: 8 digits (landline or old mobile) or 9 starting with 9 (mobile).
    leading = pc.utf8_slice_codeunits(national, 0, 1)
    national_digits = pc.utf8_length(national)
    without_area = pc.or_(
        pc.and_(pc.equal(national_digits, 8), pc.is_in(leading, pa.array(list("23456789")))),
        pc.and_(pc.equal(national_digits, 9), pc.equal(leading, "9")),
    )
    state_ddd = _area_code_of(state, city, without_area, len(raw))
    completed = pc.and_(without_area, pc.is_valid(state_ddd))
    given = national
    national = pc.if_else(completed, pc.binary_join_element_wise(state_ddd, national, ""), national)
    national_length = pc.utf8_length(national)
    ddd = pc.utf8_slice_codeunits(national, 0, 2)
    subscriber = pc.utf8_slice_codeunits(national, 2)
    first = pc.utf8_slice_codeunits(subscriber, 0, 1)
    mobile = pc.and_(pc.equal(national_length, 11), pc.equal(first, "9"))
    old_mobile = pc.and_(pc.equal(national_length, 10), pc.is_in(first, pa.array(list("6789"))))
    landline = pc.and_(pc.equal(national_length, 10), pc.is_in(first, pa.array(list("2345"))))
    known_ddd = pc.is_in(ddd, _VALID_DDDS)
    problem = _pick(
        [
            (not_a_phone, pa.scalar("not_a_phone")),
            (pc.and_(without_area, pc.invert(completed)), pa.scalar("no_area_code")),
            (pc.invert(_in(national_length, 10, 11)), pa.scalar("invalid_number")),
            (pc.invert(known_ddd), pa.scalar("unknown_area_code")),
            (pc.invert(pc.or_(pc.or_(mobile, old_mobile), landline)), pa.scalar("invalid_number")),
        ],
        pa.scalar(None, pa.string()),
    )
    ok = pc.and_(pc.is_null(problem), pc.invert(blank))
    # Kept even when the state completed it: a mobile keeps its DDD when its owner moves.
    local_mobile = pc.and_(without_area, pc.invert(pc.fill_null(not_a_phone, False)))
    local_mobile = pc.and_(local_mobile, pc.is_in(leading, pa.array(list("6789"))))
    local_number = pc.if_else(
        pc.equal(national_digits, 8), pc.binary_join_element_wise("9", given, ""), given
    )
    subscriber = pc.if_else(
        old_mobile, pc.binary_join_element_wise("9", subscriber, ""), subscriber
    )
    e164 = pc.binary_join_element_wise("+" + COUNTRY_CODE, ddd, subscriber, "")
    line_type = pc.if_else(landline, "landline", "mobile")
    fields = [
        pc.if_else(ok, e164, None),
        pc.if_else(ok, line_type, None),
        pc.and_(ok, old_mobile),
        pc.and_(ok, completed),
        problem,
        pc.if_else(pc.fill_null(local_mobile, False), local_number, None),
    ]
    return pa.StructArray.from_arrays(
        [as_array(field) for field in fields], fields=list(PHONE_TYPE), mask=as_array(blank)
    )


def _area_code_of(
    state: pa.Array | None, city: pa.Array | None, without_area: pa.Array, size: int
) -> pa.Array:
    """The DDD a record's place names unambiguously, where its number has none."""
    if state is None:
        return pa.nulls(size, pa.string())
    codes = pc.utf8_upper(pc.utf8_trim_whitespace(pc.cast(state, pa.string())))
    # DuckDB hands a function chunked arrays; replace_with_mask takes whole ones.
    single = as_array(pc.take(_SINGLE_DDD_AREA_CODES, pc.index_in(codes, _SINGLE_DDD_STATE_CODES)))
    if city is None:
        return single
    # The city's name key only where it is needed: a few numbers in a million.
    open_ = pc.fill_null(pc.and_(without_area, pc.is_null(single)), False)
    open_ = as_array(pc.and_(open_, pc.is_valid(city)))
    if not pc.any(open_).as_py():
        return single
    places = pc.binary_join_element_wise(
        name_keys(pc.filter(city, open_)), pc.filter(codes, open_), "|"
    )
    by_city = as_array(pc.take(_PLACE_AREA_CODES, pc.index_in(places, _PLACES)))
    return pc.replace_with_mask(single, open_, by_city)


def _in(values: pa.Array, *choices: int) -> pa.Array:
    return pc.fill_null(pc.is_in(values, pa.array(choices, values.type)), False)


def _pick(cases: list[tuple[pa.Array, object]], default: object) -> pa.Array:
    """The value of the first true condition, else `default` (a vectorized case-when)."""
    result = default
    for condition, value in reversed(cases):
        result = pc.if_else(pc.fill_null(condition, False), value, result)
    return result
