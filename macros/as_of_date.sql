{#-
    The reporting date. Every "today" in the project comes from here, so a
    run can be reproduced for any date with --vars '{as_of_date: 2025-06-15}'.
    Returns a SQL date expression; as_of_date_string() returns the raw text.
-#}
{% macro as_of_date_string() -%}
    {%- set value = var('as_of_date', none) -%}
    {%- if value is none or value == '' -%}
        {#- today in UTC, whatever the machine's zone -#}
        {%- set value = run_started_at.astimezone(modules.pytz.utc).strftime('%Y-%m-%d') -%}
    {%- endif -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value | string) -%}
        {{ exceptions.raise_compiler_error(
            "var as_of_date must be a date 'YYYY-MM-DD', got '" ~ value ~ "'"
        ) }}
    {%- endif -%}
    {{- return(value | string) -}}
{%- endmacro %}

{% macro as_of_date() -%}
    cast('{{ as_of_date_string() }}' as date)
{%- endmacro %}

{#- First day of the month holding as_of_date (the last month built). -#}
{% macro as_of_month() -%}
    cast('{{ as_of_date_string()[:8] ~ "01" }}' as date)
{%- endmacro %}
