{#-
    Small dispatched helpers for SQL that differs between DuckDB, PostgreSQL
    and Spark. Models call these (or dbt's cross-database macros) instead of
    engine-specific syntax; see macros/_macros.yml.
-#}

{#- Spark: add_months() returns a date and clamps to the month's end. -#}
{% macro spark__add_months(date_expr, months) -%}
    add_months(cast({{ date_expr }} as date), cast({{ months }} as int))
{%- endmacro %}

{#- Spark: trunc(date, 'MM') is the month's first day, as a date. -#}
{% macro spark__month_start_of(date_expr) -%}
    trunc(cast({{ date_expr }} as date), 'MM')
{%- endmacro %}


{#-
    Cast text to a number, or null when it is not one (dbt.safe_cast is a
    plain, failing cast on PostgreSQL and DuckDB).
-#}
{% macro safe_cast_number(expression, data_type) %}
    {{ return(adapter.dispatch('safe_cast_number', 'cs_metrics')(
        expression, data_type
    )) }}
{% endmacro %}

{% macro default__safe_cast_number(expression, data_type) -%}
    {{ dbt.safe_cast(expression, data_type) }}
{%- endmacro %}

{% macro duckdb__safe_cast_number(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}

{% macro postgres__safe_cast_number(expression, data_type) -%}
    case
        when
            trim(cast({{ expression }} as text))
            ~ '^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$'
            then cast(trim(cast({{ expression }} as text)) as {{ data_type }})
    end
{%- endmacro %}


{#-
    The incremental strategy of models that re-process a look-back window:
    delete+insert (with unique_key) on DuckDB and PostgreSQL,
    insert_overwrite of whole partitions on Spark (with
    partition_by=cs_metrics.incremental_partition_by('<day column>')).
-#}
{% macro incremental_config_strategy() %}
    {{ return(adapter.dispatch(
        'incremental_config_strategy', 'cs_metrics'
    )()) }}
{% endmacro %}

{% macro default__incremental_config_strategy() %}
    {{ return('delete+insert') }}
{% endmacro %}

{% macro spark__incremental_config_strategy() %}
    {{ return('insert_overwrite') }}
{% endmacro %}

{#- partition_by for incremental models: the day column on Spark only. -#}
{% macro incremental_partition_by(column) %}
    {{ return([column] if target.type == 'spark' else none) }}
{% endmacro %}


{#-
    The text value of a top-level key of a JSON object (`expression`: JSON
    or text holding JSON, e.g. a connector's metadata column); null when the
    key is absent. `key` is a plain string (letters, digits, _ and -).
-#}
{% macro json_text_value(expression, key) %}
    {{ return(adapter.dispatch('json_text_value', 'cs_metrics')(
        expression, key
    )) }}
{% endmacro %}

{% macro default__json_text_value(expression, key) -%}
    json_extract_string(cast({{ expression }} as {{ dbt.type_string() }}), '$."{{ key }}"')
{%- endmacro %}

{% macro postgres__json_text_value(expression, key) -%}
    (cast(cast({{ expression }} as text) as json) ->> '{{ key }}')
{%- endmacro %}

{% macro spark__json_text_value(expression, key) -%}
    get_json_object(cast({{ expression }} as string), '$.{{ key }}')
{%- endmacro %}

{#-
    `not materialized` after a CTE's `as` where the engine reads it: DuckDB
    and PostgreSQL materialize a CTE referenced more than once (DuckDB holds
    it in memory, spilling), which for tens of millions of events costs more
    than scanning them again; Spark inlines CTEs and has no such keyword.
-#}
{% macro inline_cte() -%}
    {{ return(adapter.dispatch('inline_cte', 'cs_metrics')()) }}
{%- endmacro %}

{% macro default__inline_cte() -%}
    not materialized
{%- endmacro %}

{% macro spark__inline_cte() -%}
{%- endmacro %}
