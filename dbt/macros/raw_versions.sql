{#- Raw tables keep every distinct version of a record (crm_elt.warehouse). Staging keeps them
    all, one row per version, and flags the current one: latest modified_at, then latest
    extraction. -#}
{% macro is_current_version() -%}
    row_number() over (
        partition by record_key
        order by modified_at desc nulls last, _extracted_at desc, record_hash
    ) = 1
{%- endmacro %}

{#- The columns a staging table of versioned records ends with. -#}
{% macro version_columns() -%}
    {{ is_current_version() }} as is_current_version,
    _extracted_at as extracted_at,
    _load_id as load_id
{%- endmacro %}

{% macro version_id() -%}
    record_key || ':' || record_hash
{%- endmacro %}

{#- The parts of a raw record a staging model reads, parsed from its JSON once: each
    `record -> ... ->> ...` parses the whole record again, which at 1M records costs seconds a
    field. `fields` is nested as the record is, its leaves DuckDB types; 'VARCHAR' reads a value
    as `->>` does, and a part of another shape than declared becomes null, never an error. -#}
{% macro parse_record(fields) -%}
    json_transform(record, '{{ tojson(fields) }}')
{%- endmacro %}

{#- A HubSpot object's parts staging reads: the named properties (HubSpot sends every value
    as a string or null) and its archived flag and time; `hs_property` reads them. -#}
{% macro parse_hubspot_record(properties) -%}
    {%- set fields = {'properties': {}, 'archived': 'VARCHAR', 'archivedAt': 'VARCHAR'} %}
    {%- for name in properties %}{% do fields['properties'].update({name: 'VARCHAR'}) %}{% endfor %}
    {{- parse_record(fields) }}
{%- endmacro %}

{#- A HubSpot property as text, from the `fields` that parse_hubspot_record parsed. -#}
{% macro hs_property(name) -%}
    nullif(trim(fields.properties."{{ name }}"), '')
{%- endmacro %}

{#- Whether and when HubSpot archived the object, from parse_hubspot_record's `fields`. -#}
{% macro hs_archived_columns() -%}
    coalesce(fields.archived::boolean, false) as is_archived,
    try_cast(fields.archivedAt as timestamp) as archived_at
{%- endmacro %}

{#- HubSpot datetimes are ISO-8601 UTC strings; values that do not parse become null. -#}
{% macro hs_timestamp(name) -%}
    try_cast({{ hs_property(name) }} as timestamp)
{%- endmacro %}

{#- Epoch values from Hotmart: milliseconds, but some endpoints send seconds; a value below
    10^12 is taken as seconds. -#}
{% macro epoch_to_timestamp(expression) -%}
    case
        when try_cast({{ expression }} as bigint) is null then null
        when try_cast({{ expression }} as bigint) < 1000000000000
            then to_timestamp(try_cast({{ expression }} as bigint))::timestamp
        else epoch_ms(try_cast({{ expression }} as bigint))
    end
{%- endmacro %}

{#- Staging tables of many records re-read only what changed: in an incremental build, every
    version of each record that has a version newer than the table's latest extraction
    (versions are all re-read, so `is_current_version` is decided among all of them); the
    model's `unique_key` is the record key, replaced by delete+insert. A full build reads all.
    Raw tables only grow and `_extracted_at` is the time of the insert, so nothing is missed. -#}
{% macro changed_records_only(raw_relation) -%}
    {#- A unit test has no `this`: it always reads its given rows in full. #}
    {%- if this is not none and is_incremental() %}
    where record_key in (
        select record_key from {{ raw_relation }}
        where _extracted_at > (
            select coalesce(max(extracted_at), '-infinity'::timestamp) from {{ this }}
        )
    )
    {%- endif %}
{%- endmacro %}

{#- The configuration of such a staging table; `on_schema_change='fail'` because old rows would
    lack a new column's values: `python -m crm_elt build` then rebuilds staging in full. -#}
{% macro changed_records_config(record_key_column) -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=record_key_column,
        on_schema_change='fail'
    ) }}
{%- endmacro %}
