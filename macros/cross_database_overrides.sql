{#-
    Engine-specific versions of dbt's own cross-database macros (namespace
    dbt). dbt looks for <adapter>__<macro> in the root project before its
    adapters, so these replace the adapter's version on that engine only and
    keep the models unchanged. Each returns what the DuckDB version returns.
-#}

{#-
    Spark: bare text types (`varchar`, `text`), as written in model
    contracts, are `string` (Spark needs a length for varchar). dbt casts
    through this macro when it checks a contract.
-#}
{% macro spark__cast(field, type) -%}
    {%- set bare = type | string | trim | lower -%}
    {%- if bare in ['varchar', 'text', 'character varying', 'char'] -%}
        {%- set type = 'string' -%}
    {%- endif -%}
    cast({{ field }} as {{ type }})
{%- endmacro %}


{#-
    datediff counts boundaries crossed (2025-01-31 to 2025-02-01 is one
    month), as on DuckDB. PostgreSQL's version returns a double: cast to an
    integer so `mod()` and integer columns work. Spark's version wraps every
    operand in assertions and unix-time arithmetic; plain calendar fields
    give the same result with a far smaller plan.
-#}
{% macro postgres__datediff(first_date, second_date, datepart) -%}
    cast(
        {{ dbt.postgres__datediff(first_date, second_date, datepart) }}
        as {{ dbt.type_bigint() }}
    )
{%- endmacro %}

{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- set part = datepart | lower -%}
    {%- if part == 'day' -%}
        datediff(
            cast({{ second_date }} as date), cast({{ first_date }} as date)
        )
    {%- elif part == 'month' -%}
        (
            (year({{ second_date }}) - year({{ first_date }})) * 12
            + month({{ second_date }}) - month({{ first_date }})
        )
    {%- elif part == 'quarter' -%}
        (
            (year({{ second_date }}) - year({{ first_date }})) * 4
            + quarter({{ second_date }}) - quarter({{ first_date }})
        )
    {%- elif part == 'year' -%}
        (year({{ second_date }}) - year({{ first_date }}))
    {%- else -%}
        {{ dbt.spark__datediff(first_date, second_date, datepart) }}
    {%- endif -%}
{%- endmacro %}


{#-
    dateadd returns a timestamp (as on DuckDB and PostgreSQL); month steps
    clamp to the month's last day (Jan 31 + 1 month = Feb 28/29).
-#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    {%- set part = datepart | lower -%}
    {%- if part in ['year', 'quarter', 'month', 'week', 'day', 'hour',
        'minute', 'second'] -%}
        timestampadd(
            {{ part }},
            cast({{ interval }} as int),
            cast({{ from_date_or_timestamp }} as timestamp)
        )
    {%- else -%}
        {{ dbt.spark__dateadd(
            datepart, interval, from_date_or_timestamp
        ) }}
    {%- endif -%}
{%- endmacro %}


{#- Spark: its own last_day() for months (a date), else dbt's default. -#}
{% macro spark__last_day(date, datepart) -%}
    {%- if datepart | lower == 'month' -%}
        last_day({{ date }})
    {%- else -%}
        {{ dbt.default__last_day(date, datepart) }}
    {%- endif -%}
{%- endmacro %}


{#-
    PostgreSQL unit tests: a numeric column without a declared scale (the
    result of a case or of arithmetic) keeps each value's own scale, so an
    expected 60.0 and an actual 60.000000 would differ as text. Compare
    numeric columns with trailing zeros trimmed (trim_scale) instead.
-#}
{% macro postgres__get_unit_test_sql(
    main_sql, expected_fixture_sql, expected_column_names
) -%}
    {%- set numeric_columns = [] -%}
    {%- for column in get_column_schema_from_query(main_sql) -%}
        {%- if column.dtype | lower in ['numeric', 'decimal'] -%}
            {%- do numeric_columns.append(column.name | lower) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set selected = [] -%}
    {%- for quoted in expected_column_names -%}
        {%- if quoted | replace('"', '') | lower in numeric_columns -%}
            {%- do selected.append(
                'trim_scale(' ~ quoted ~ ') as ' ~ quoted
            ) -%}
        {%- else -%}
            {%- do selected.append(quoted) -%}
        {%- endif -%}
    {%- endfor -%}
with dbt_internal_unit_test_actual as (
    select
        {{ selected | join(', ') }},
        {{ dbt.string_literal("actual") }}
        as {{ adapter.quote("actual_or_expected") }}
    from (
        {{ main_sql }}
    ) as _dbt_internal_unit_test_actual
),

dbt_internal_unit_test_expected as (
    select
        {{ selected | join(', ') }},
        {{ dbt.string_literal("expected") }}
        as {{ adapter.quote("actual_or_expected") }}
    from (
        {{ expected_fixture_sql }}
    ) as _dbt_internal_unit_test_expected
)

select * from dbt_internal_unit_test_actual
union all
select * from dbt_internal_unit_test_expected
{%- endmacro %}
