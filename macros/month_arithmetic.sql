{#-
    Month arithmetic on `date` values. dbt's cross-database macros return a
    timestamp on some engines (DuckDB: date + interval); these keep dates.
-#}

{#- The date `months` calendar months after `date_expr` (negative: before). -#}
{% macro add_months(date_expr, months) %}
    {{ return(adapter.dispatch('add_months', 'cs_metrics')(date_expr, months)) }}
{% endmacro %}

{% macro default__add_months(date_expr, months) -%}
    cast({{ dbt.dateadd('month', months, date_expr) }} as date)
{%- endmacro %}


{#- The first day of the month holding a date or timestamp, as a date. -#}
{% macro month_start_of(date_expr) %}
    {{ return(adapter.dispatch('month_start_of', 'cs_metrics')(date_expr)) }}
{% endmacro %}

{% macro default__month_start_of(date_expr) -%}
    cast({{ dbt.date_trunc('month', date_expr) }} as date)
{%- endmacro %}


{#-
    t(as-of month): the first instant after the as-of month, i.e. the last
    snapshot instant the project builds. Open-ended validity ranges are
    capped here so they join the month spine on a plain range.
-#}
{% macro last_snapshot_at() -%}
    cast(
        {{ cs_metrics.add_months(as_of_month(), 1) }}
        as {{ dbt.type_timestamp() }}
    )
{%- endmacro %}


{#-
    Days of the half-open date range [start_date, end_date) that fall in
    the window [window_start, window_end) (for a month: its first day and
    the next month's first day). Callers join overlapping ranges only, so
    the result is at least 1. The revenue recognition models spread an
    amount over a service period with it, invoiced or expected alike.
-#}
{% macro days_overlapping(start_date, end_date, window_start, window_end) -%}
    {{ dbt.datediff(
        'greatest(' ~ start_date ~ ', ' ~ window_start ~ ')',
        'least(' ~ end_date ~ ', ' ~ window_end ~ ')',
        'day'
    ) }}
{%- endmacro %}


{#-
    The share of an amount that `days` of its `total_days` carry, as money:
    the amount itself when the days are all of them (exactly, so two
    expectations that agree in full months agree to the last decimal), else
    amount x days / total_days rounded once to the money type, exactly
    (divide_money).
-#}
{% macro share_of_days(amount, days, total_days) -%}
    case
        when ({{ days }}) = ({{ total_days }}) then {{ amount }}
        else {{ cs_metrics.divide_money(
            '(' ~ amount ~ ') * (' ~ days ~ ')', total_days
        ) }}
    end
{%- endmacro %}
