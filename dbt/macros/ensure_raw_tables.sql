{#- Creates every declared raw source table that does not exist yet, empty, with the raw-layer
    columns crm_elt.warehouse writes. A source that has sent nothing yet (no ManyChat export
    dropped, enrichment off, a new install) then builds as empty instead of failing the whole
    run. Keep the DDL in step with crm_elt.warehouse.ensure_raw_table: a test compares them
    (tests/integration/dbt/test_manychat_profiles.py). -#}
{% macro ensure_raw_tables() %}
    {% if execute %}
        {% for source in graph.sources.values() if source.schema.startswith('raw_') %}
            {% do run_query("create schema if not exists " ~ source.schema) %}
            {% do run_query(
                "create table if not exists " ~ source.schema ~ "." ~ source.identifier ~ " (
                    record_key varchar not null,
                    record_hash varchar not null,
                    modified_at timestamp,
                    record json not null,
                    _extracted_at timestamp not null,
                    _load_id varchar not null,
                    _recovered_from varchar,
                    primary key (record_key, record_hash)
                )"
            ) %}
            {% do run_query(
                "alter table " ~ source.schema ~ "." ~ source.identifier
                ~ " add column if not exists _recovered_from varchar"
            ) %}
        {% endfor %}
    {% endif %}
{% endmacro %}
