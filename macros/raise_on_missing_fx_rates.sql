{#-
    post_hook of int_fx_rates_monthly: fails the run when a currency the
    revenue models need has no finance.fx_rates row on or before the last
    day of a month, or when that month's latest row breaks the raw contract
    (rate not positive or null), naming each currency and month (and the
    broken row). A test could only say "n rows failed"; this tells the user
    which rate to load or correct.
    Runs only while executing (not while parsing or compiling).
-#}
{% macro raise_on_missing_fx_rates(relation, max_listed=12) %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set query -%}
        select
            currency,
            month_start,
            month_end_date,
            rate_date,
            unusable_rate_reason
        from {{ relation }}
        where rate_to_reporting is null
        order by month_start, currency
    {%- endset -%}
    {%- set missing = run_query(query).rows -%}
    {%- if missing | length == 0 -%}
        {{ return('') }}
    {%- endif -%}
    {%- set reporting = cs_metrics.setting('reporting_currency') -%}
    {%- set lines = [] -%}
    {%- for row in missing[:max_listed] -%}
        {%- if row[4] is not none -%}
            {%- do lines.append(
                'Unusable FX rate: finance.fx_rates row ' ~ row[0] ~ ' of '
                ~ row[3] ~ ' (the latest on or before ' ~ row[2] ~ ', month '
                ~ (row[1] | string)[:7] ~ ') breaks the raw contract: '
                ~ row[4]
            ) -%}
        {%- else -%}
            {%- do lines.append(
                'Missing FX rate: no finance.fx_rates row for ' ~ row[0]
                ~ ' on or before ' ~ row[2] ~ ' (month '
                ~ (row[1] | string)[:7] ~ ')'
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if missing | length > max_listed -%}
        {%- do lines.append(
            '... and ' ~ (missing | length - max_listed)
            ~ ' more (currency, month) pair(s) without a usable rate'
        ) -%}
    {%- endif -%}
    {%- set message -%}
{{ lines | join('\n') }}
MRR in these currencies cannot be converted to {{ reporting }}: rate(M, c) is
the rate_to_reporting with the greatest rate_date on or before the last day
of M, and it must be positive. Load the missing rate(s) into finance.fx_rates,
or correct the unusable ones (rate_to_reporting = {{ reporting }} per 1 unit
of the currency, above 0), or correct the plan currency in billing.plans,
then re-run. ({{ missing | length }} (currency, month) pair(s) without a
usable rate; query {{ relation }} where rate_to_reporting is null.)
    {%- endset -%}
    {{ exceptions.raise_compiler_error(message) }}
{% endmacro %}
