{#-
    Helpers for reading raw sources. On DuckDB a source may point at a file
    through dbt-duckdb's `external_location` (the relation then renders as
    `read_parquet('<path>')`); on other adapters sources are plain tables.
-#}

{#- The file path (or glob) behind a DuckDB external source, else none. -#}
{% macro raw_source_location(relation) %}
    {%- set external = relation.external if relation.external is defined else none -%}
    {%- if not external -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set found = modules.re.search("'([^']+)'", external) -%}
    {{ return(found.group(1) if found else none) }}
{% endmacro %}


{#- True when the raw relation (table, view or file) exists. -#}
{% macro raw_relation_exists(relation) %}
    {%- if cs_metrics.is_unit_test_fixture(relation) -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(adapter.dispatch('raw_relation_exists', 'cs_metrics')(relation)) }}
{% endmacro %}

{% macro default__raw_relation_exists(relation) %}
    {%- set found = adapter.get_relation(
        database=relation.database,
        schema=relation.schema,
        identifier=relation.identifier
    ) -%}
    {{ return(found is not none) }}
{% endmacro %}

{% macro duckdb__raw_relation_exists(relation) %}
    {%- set location = cs_metrics.raw_source_location(relation) -%}
    {%- if location is none -%}
        {{ return(cs_metrics.default__raw_relation_exists(relation)) }}
    {%- endif -%}
    {%- set result = run_query(
        "select count(*) as file_count from glob('" ~ location ~ "')"
    ) -%}
    {{ return(result.columns[0].values()[0] > 0) }}
{% endmacro %}


{#- Lower-cased column names of an existing relation (reads no rows). -#}
{% macro raw_column_names(relation) %}
    {%- set result = run_query('select * from ' ~ relation ~ ' limit 0') -%}
    {{ return(result.column_names | map('lower') | list) }}
{% endmacro %}


{#-
    `cast(<column> as <data_type>)` when the raw relation has the column
    (a timestamp through utc_timestamp), else a typed null: lets staging
    read optional raw columns (`_loaded_at`). A unit test's fixture is taken
    to hold the column.
-#}
{% macro source_column_or_null(relation, column_name, data_type) %}
    {#- a unit test's fixture is taken to have the column (give it) -#}
    {%- set present = execute and (
        cs_metrics.is_unit_test_fixture(relation)
        or cs_metrics.raw_relation_exists(relation)
        and column_name | lower in cs_metrics.raw_column_names(relation)
    ) -%}
    {%- if present and data_type == dbt.type_timestamp() -%}
        {{ cs_metrics.utc_timestamp(relation, column_name) }}
    {%- elif present -%}
        cast({{ column_name }} as {{ data_type }})
    {%- else -%}
        cast(null as {{ data_type }})
    {%- endif -%}
{% endmacro %}
