{#-
    int_account_months_usage_summed: the first day ('YYYY-MM-DD', a month's
    first day) an incremental run re-aggregates - the month holding the
    earliest day the de-duplicated events model rewrote in the same run
    (its processed_at) - or '1900-01-01' on a full build, and
    '9999-12-01' when nothing was rewritten. Fails with what to run when
    as_of_date moved back before the months already stored.
-#}
{% macro usage_months_rewrite_from(events_relation) %}
    {%- if not execute or not is_incremental() -%}
        {{ return('1900-01-01') }}
    {%- endif -%}
    {%- set latest = run_query(
        'select max(month_start) from ' ~ this
    ).columns[0].values()[0] -%}
    {%- if latest is not none
        and (latest | string)[:10] > (as_of_date_string()[:8] ~ '01') -%}
        {{ exceptions.raise_compiler_error(
            this.identifier ~ ' holds usage up to '
            ~ (latest | string)[:7] ~ ', after the as-of month '
            ~ as_of_date_string()[:7] ~ ': as_of_date moved back. Rebuild'
            ~ ' the usage with `dbt build --full-refresh --select '
            ~ this.identifier ~ '+` (or set as_of_date back).'
        ) }}
    {%- endif -%}
    {%- set rewritten = run_query(
        'select min(activity_date) from ' ~ events_relation
        ~ ' where processed_at = (select max(processed_at) from '
        ~ events_relation ~ ')'
    ).columns[0].values()[0] -%}
    {%- if rewritten is none -%}
        {{ return('9999-12-01') }}
    {%- endif -%}
    {{ return((rewritten | string)[:8] ~ '01') }}
{% endmacro %}
