"""dbt-duckdb plugin: the normalization functions of `crm_elt.normalize`, callable from SQL.

profiles.yml lists this module under `plugins`, so every connection dbt opens has them:

    normalize_phone(raw, state, city)
                                -> struct(e164, line_type, added_ninth_digit,
                                          completed_area_code, problem, local_number)
    normalize_email(raw)        -> struct(email, match_key, repaired_domain,
                                          is_role_address, problem)
    name_key(name)              -> varchar
    split_full_name(name)       -> struct(first_name, last_name)
    match_specialty(raw, aliases[], specialties[])
                                -> struct(specialty, specialty_match,
                                          specialty_match_score, matched_alias)

They are vectorized (Arrow) functions: DuckDB hands them a column chunk at a time.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
from dbt.adapters.duckdb.plugins import BasePlugin

from crm_elt.normalize.emails import EMAIL_TYPE, normalize_emails
from crm_elt.normalize.names import NAME_PARTS_TYPE, name_keys, split_full_names
from crm_elt.normalize.phones import PHONE_TYPE, normalize_phones
from crm_elt.normalize.specialties import SPECIALTY_MATCH_TYPE, match_specialties


def _sql_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_struct(arrow_type):
        fields = ", ".join(f"{field.name} {_sql_type(field.type)}" for field in arrow_type)
        return f"STRUCT({fields})"
    return {pa.string(): "VARCHAR", pa.bool_(): "BOOLEAN", pa.float64(): "DOUBLE"}[arrow_type]


FUNCTIONS = {
    "normalize_phone": (normalize_phones, ["VARCHAR", "VARCHAR", "VARCHAR"], PHONE_TYPE),
    "normalize_email": (normalize_emails, ["VARCHAR"], EMAIL_TYPE),
    "name_key": (name_keys, ["VARCHAR"], pa.string()),
    "split_full_name": (split_full_names, ["VARCHAR"], NAME_PARTS_TYPE),
    "match_specialty": (
        match_specialties,
        ["VARCHAR", "VARCHAR[]", "VARCHAR[]"],
        SPECIALTY_MATCH_TYPE,
    ),
}


def register_functions(con: duckdb.DuckDBPyConnection) -> None:
    for name, (function, parameters, returns) in FUNCTIONS.items():
        con.create_function(
            name,
            function,
            parameters,
            _sql_type(returns),
            type="arrow",
            # Called on nulls too: a null state must not make a phone null.
            null_handling="special",
            side_effects=False,
        )


class Plugin(BasePlugin):
    def configure_connection(self, conn: duckdb.DuckDBPyConnection) -> None:
        register_functions(conn)
