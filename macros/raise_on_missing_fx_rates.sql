{#-
    post_hook of int_fx_rates_monthly: fails the run when a currency the
    revenue models need has no finance.fx_rates row on or before the last
    day of a month, naming each currency and month. A test could only say
    "n rows failed"; this tells the user which rate to load.
    Runs only while executing (not while parsing or compiling).
-#}
{% macro raise_on_missing_fx_rates(relation, max_listed=12) %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set query -%}
        select currency, month_start, month_end_date
        from {{ relation }}
        where rate_to_reporting is null
        order by month_start, currency
    {%- endset -%}
    {%- set missing = run_query(query).rows -%}
    {%- if missing | length == 0 -%}
        {{ return('') }}
    {%- endif -%}
    {%- set reporting = var('reporting_currency') -%}
    {%- set lines = [] -%}
    {%- for row in missing[:max_listed] -%}
        {%- do lines.append(
            'Missing FX rate: no finance.fx_rates row for ' ~ row[0]
            ~ ' on or before ' ~ row[2] ~ ' (month '
            ~ (row[1] | string)[:7] ~ ')'
        ) -%}
    {%- endfor -%}
    {%- if missing | length > max_listed -%}
        {%- do lines.append(
            '... and ' ~ (missing | length - max_listed)
            ~ ' more missing (currency, month) pair(s)'
        ) -%}
    {%- endif -%}
    {%- set message -%}
{{ lines | join('\n') }}
MRR in these currencies cannot be converted to {{ reporting }}: rate(M, c) is
the rate_to_reporting with the greatest rate_date on or before the last day
of M. Load the missing rate(s) into finance.fx_rates (rate_to_reporting =
{{ reporting }} per 1 unit of the currency), or correct the plan currency in
billing.plans, then re-run. ({{ missing | length }} missing in total; query
{{ relation }} where rate_to_reporting is null.)
    {%- endset -%}
    {{ exceptions.raise_compiler_error(message) }}
{% endmacro %}
