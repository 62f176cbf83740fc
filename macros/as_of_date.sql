{#-
    The reporting date. Every "today" in the project comes from here, so a
    run can be reproduced for any date with --vars '{as_of_date: 2025-06-15}'.
    Returns a SQL date expression; as_of_date_string() returns the text
    'YYYY-MM-DD' (var as_of_date, checked as a calendar date that exists by
    macros/vars.sql; null, empty or `today`: the day the run started in
    UTC, whatever the machine's zone; `yesterday`: the day before it).
    A scheduled job passing `yesterday` gives dbt the same --vars every
    day, so dbt keeps its partial parse (a changed var makes dbt parse the
    whole project again).
-#}
{% macro as_of_date_string() -%}
    {%- set value = cs_metrics.setting('as_of_date') -%}
    {%- if value is none or value in ['today', 'yesterday'] -%}
        {%- set started = run_started_at.astimezone(modules.pytz.utc) -%}
        {%- if value == 'yesterday' -%}
            {%- set started = started - modules.datetime.timedelta(days=1) -%}
        {%- endif -%}
        {%- set value = started.strftime('%Y-%m-%d') -%}
    {%- endif -%}
    {{- return(value) -}}
{%- endmacro %}

{% macro as_of_date() -%}
    cast({{ cs_metrics.sql_string(as_of_date_string()) }} as date)
{%- endmacro %}

{#- First day of the month holding as_of_date (the last month built). -#}
{% macro as_of_month() -%}
    cast({{ cs_metrics.sql_string(as_of_date_string()[:8] ~ '01') }} as date)
{%- endmacro %}
