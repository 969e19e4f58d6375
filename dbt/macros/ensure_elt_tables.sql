{#- Creates the pipeline's load log and quarantine (source 'elt') when they do not exist yet,
    empty, with the columns crm_elt.warehouse.ensure_elt_schema gives them, so the
    data-quality report builds on a warehouse no extraction has written to. A test compares
    the two DDLs (tests/integration/dbt/test_data_quality_report.py). -#}
{% macro ensure_elt_tables() %}
    {% if execute %}
        {% do run_query("create schema if not exists _elt") %}
        {% do run_query(
            "create table if not exists _elt.load_log (
                load_id varchar not null,
                source varchar not null,
                stream varchar not null,
                started_at timestamp not null,
                finished_at timestamp not null,
                pages integer not null,
                records_received bigint not null,
                records_inserted bigint not null,
                retries integer not null,
                duration_s double not null,
                outcome varchar not null,
                error varchar,
                requests integer
            )"
        ) %}
        {% do run_query(
            "create table if not exists _elt.quarantine (
                load_id varchar not null,
                source varchar not null,
                entity varchar not null,
                file_name varchar not null,
                line_number integer,
                field varchar,
                reason varchar not null,
                raw_content varchar,
                quarantined_at timestamp not null
            )"
        ) %}
    {% endif %}
{% endmacro %}
