{#-
    Raw timestamps as UTC wall-clock values, whatever the engine session's
    time zone and whatever timestamp type the loader wrote (raw contract:
    timestamps are UTC):
      timestamp with time zone -> its UTC instant, `col at time zone 'UTC'`
                                  (a timestamp without time zone);
      timestamp (no time zone) -> read as UTC wall-clock, as it is;
      anything else            -> the build fails naming table, column and
                                  type (text or numbers are not timestamps).
    Spark keeps every timestamp as an instant and its session runs in UTC
    (profiles.yml), so a cast is all it needs. While parsing, a plain cast.
-#}
{% macro utc_timestamp(relation, column_name) %}
    {{ return(adapter.dispatch('utc_timestamp', 'cs_metrics')(
        relation, column_name
    )) }}
{% endmacro %}

{% macro default__utc_timestamp(relation, column_name) %}
    {%- set kind = cs_metrics.raw_timestamp_kind(relation, column_name) -%}
    {%- if kind == 'with_time_zone' -%}
        {{ return(
            'cast((' ~ column_name ~ " at time zone 'UTC') as "
            ~ dbt.type_timestamp() ~ ')'
        ) }}
    {%- endif -%}
    {{ return('cast(' ~ column_name ~ ' as ' ~ dbt.type_timestamp() ~ ')') }}
{% endmacro %}

{#-
    DuckDB: the UTC wall-clock of a timestamp with time zone from its epoch
    microseconds (make_timestamp(epoch_us(...))): the same value as
    `at time zone 'UTC'` whatever the session time zone (DST changes
    included), without a time zone lookup per row (a twentieth of the
    cost; it matters on tens of millions of connector events). Only
    'infinity' / '-infinity', which have no epoch (null), take the slow
    path, so they stay infinite as `at time zone 'UTC'` keeps them.
-#}
{% macro duckdb__utc_timestamp(relation, column_name) %}
    {%- set kind = cs_metrics.raw_timestamp_kind(relation, column_name) -%}
    {%- if kind == 'with_time_zone' -%}
        {{ return(
            'coalesce(make_timestamp(epoch_us(' ~ column_name ~ ')), cast(('
            ~ column_name ~ " at time zone 'UTC') as "
            ~ dbt.type_timestamp() ~ '))'
        ) }}
    {%- endif -%}
    {{ return('cast(' ~ column_name ~ ' as ' ~ dbt.type_timestamp() ~ ')') }}
{% endmacro %}

{% macro spark__utc_timestamp(relation, column_name) %}
    {%- do cs_metrics.raw_timestamp_kind(relation, column_name) -%}
    {{ return('cast(' ~ column_name ~ ' as ' ~ dbt.type_timestamp() ~ ')') }}
{% endmacro %}


{#-
    'with_time_zone', 'without_time_zone' (or 'unknown' while parsing) for
    a raw timestamp column; fails the build for any other type, naming the
    table, the column and the type found.
-#}
{% macro raw_timestamp_kind(relation, column_name) %}
    {%- if not execute -%}
        {{ return('unknown') }}
    {%- endif -%}
    {%- set types = cs_metrics.raw_column_types(relation) -%}
    {#- a quoted name ("end") is looked up without its quotes -#}
    {%- set found = types.get(
        column_name | lower | replace('"', '') | replace('`', '')
    ) -%}
    {%- if found is none -%}
        {{ return('unknown') }}
    {%- endif -%}
    {%- set type = found | lower -%}
    {%- if 'with time zone' in type or type in ['timestamptz', 'timestamp_ltz'] -%}
        {{ return('with_time_zone') }}
    {%- elif type.startswith('timestamp') or type == 'datetime' -%}
        {{ return('without_time_zone') }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error(
        'Raw column ' ~ relation ~ '.' ~ column_name ~ ' has type ' ~ found
        ~ ': the raw contract expects a timestamp (`timestamp` as UTC'
        ~ ' wall-clock, or `timestamp with time zone`). Convert it in the'
        ~ ' export or the loader; `cs-metrics validate` lists every such'
        ~ ' column.'
    ) }}
{% endmacro %}


{#- Lower-cased column name -> engine type name of a raw relation (empty for a unit test's fixture). -#}
{% macro raw_column_types(relation) %}
    {%- if cs_metrics.is_unit_test_fixture(relation) -%}
        {{ return({}) }}
    {%- endif -%}
    {{ return(adapter.dispatch('raw_column_types', 'cs_metrics')(relation)) }}
{% endmacro %}


{#-
    True for the relation a dbt unit test puts in place of a source or ref
    (a CTE of its given rows, __dbt__cte__<name>): it cannot be described,
    so the raw-type helpers treat its columns as unknown (a plain cast; an
    optional column reads as null).
-#}
{% macro is_unit_test_fixture(relation) %}
    {{ return((relation | string | trim).startswith('__dbt__cte__')) }}
{% endmacro %}

{% macro default__raw_column_types(relation) %}
    {%- set types = {} -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do types.update({column.name | lower: column.data_type}) -%}
    {%- endfor -%}
    {{ return(types) }}
{% endmacro %}

{#- DuckDB: sources may be Parquet files (read_parquet), so describe them. -#}
{% macro duckdb__raw_column_types(relation) %}
    {%- set types = {} -%}
    {%- set described = run_query('describe select * from ' ~ relation) -%}
    {%- for row in described.rows -%}
        {%- do types.update({row[0] | lower: row[1]}) -%}
    {%- endfor -%}
    {{ return(types) }}
{% endmacro %}


{#-
    A raw date column as a date: a `date` as it is; a timestamp (with or
    without time zone, at any time of day) as its UTC date - the lossless
    conversion raw_lossless_families accepts. Other types are stopped
    earlier by check_raw_contract. While parsing, a plain cast.
-#}
{% macro utc_date(relation, column_name) %}
    {%- if execute -%}
        {%- set types = cs_metrics.raw_column_types(relation) -%}
        {%- set found = types.get(column_name | lower) -%}
        {%- if found is not none
            and cs_metrics.raw_type_family(found) == 'timestamp' -%}
            {{ return(
                'cast(' ~ cs_metrics.utc_timestamp(relation, column_name)
                ~ ' as date)'
            ) }}
        {%- endif -%}
    {%- endif -%}
    {{ return('cast(' ~ column_name ~ ' as date)') }}
{% endmacro %}
