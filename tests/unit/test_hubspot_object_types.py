"""The HubSpot emulator's table of object types agrees with the dataset contract and itself."""

from __future__ import annotations

from crm_elt.dataset import HUBSPOT_MODIFIED_PROPERTY, HUBSPOT_OBJECT_TYPE_IDS
from crm_elt.sandbox.hubspot.object_types import OBJECT_TYPES, property_definitions, resolve


def test_object_types_agree_with_the_dataset_contract():
    by_name = {object_type.name: object_type for object_type in OBJECT_TYPES}
    for name, type_id in HUBSPOT_OBJECT_TYPE_IDS.items():
        assert by_name[name].type_id == type_id
        assert by_name[name].modified_property == HUBSPOT_MODIFIED_PROPERTY[name]


def test_object_types_resolve_by_name_singular_and_type_id_in_any_case():
    for object_type in OBJECT_TYPES:
        for spelling in (object_type.name, object_type.singular, object_type.type_id):
            assert resolve(spelling) is object_type
            assert resolve(spelling.upper()) is object_type
    assert resolve("widgets") is None
    names = [object_type.name for object_type in OBJECT_TYPES]
    ids = [object_type.type_id for object_type in OBJECT_TYPES]
    assert len(set(names)) == len(names) == 14
    assert len(set(ids)) == len(ids)


def test_types_without_a_dataset_define_their_defaults_and_dates():
    for object_type in OBJECT_TYPES:
        if object_type.name in HUBSPOT_OBJECT_TYPE_IDS:
            continue
        definitions = {item["name"]: item for item in property_definitions(object_type)}
        missing = set(object_type.default_properties) - set(definitions)
        assert not missing, (object_type.name, missing)
        for name in (object_type.created_property, object_type.modified_property):
            assert definitions[name]["type"] == "datetime", (object_type.name, name)
        assert definitions["hs_object_id"]["hasUniqueValue"] is True
