from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from crm_elt.sources.hubspot import (
    association_records,
    chunk_properties,
    merge_chunk_pages,
    parse_hubspot_time,
    to_raw_record,
)

names = st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,40}", fullmatch=True), max_size=300, unique=True)


@given(names, st.integers(min_value=120, max_value=3000))
def test_chunk_properties_keeps_every_name_and_stays_under_the_limit(properties, max_chars):
    chunks = chunk_properties(properties, max_chars)
    anchors = {"hs_object_id", "lastmodifieddate", "hs_lastmodifieddate"}
    assert set().union(*map(set, chunks)) == set(properties) | anchors
    for chunk in chunks:
        assert anchors <= set(chunk)
        if len(chunk) > len(anchors) + 1:
            assert len(",".join(chunk)) <= max_chars


def test_merge_chunk_pages_joins_the_properties_of_one_record():
    first = [{"id": "1", "properties": {"email": "a@x.com"}, "updatedAt": "t"}]
    second = [{"id": "1", "properties": {"phone": "+5511"}, "updatedAt": "t"}]
    assert merge_chunk_pages([first, second]) == [
        {"id": "1", "properties": {"email": "a@x.com", "phone": "+5511"}, "updatedAt": "t"}
    ]


def test_association_records_dedupe_types_and_key_each_pair():
    results = [
        {
            "from": {"id": "5001"},
            "to": [
                {
                    "toObjectId": 9,
                    "associationTypes": [
                        {"category": "HUBSPOT_DEFINED", "typeId": 3, "label": None},
                        {"category": "HUBSPOT_DEFINED", "typeId": 3, "label": None},
                    ],
                },
            ],
        }
    ]
    (record,) = association_records("deals", "contacts", results)
    assert record.key == "deals:5001->contacts:9"
    assert record.payload["association_types"] == [
        {"category": "HUBSPOT_DEFINED", "typeId": 3, "label": None}
    ]


def test_to_raw_record_versions_by_updated_at_in_utc():
    record = to_raw_record({"id": 7, "updatedAt": "2024-09-11T13:27:39.356Z", "properties": {}})
    assert record.key == "7"
    assert record.modified_at == datetime(2024, 9, 11, 13, 27, 39, 356000)
    assert parse_hubspot_time("not a date") is None
    assert parse_hubspot_time(None) is None
