{#-
    The k-th renewal of a subscription: started_at + k x term_months
    calendar months, as a timestamp that keeps the time of day. Always
    counted from started_at (never from the previous renewal), so a start
    on 31 Jan or 29 Feb is clamped to the month's last day only where that
    month is shorter: 2024-02-29 + 12 = 2025-02-28, + 48 = 2028-02-29.
    The month arithmetic is dbt.dateadd's on every engine (DuckDB and
    PostgreSQL add an interval, Spark add_months plus the clock time), so
    every model that needs a renewal date (renewals, lifecycle) agrees.
-#}
{% macro renewal_at(started_at, term_months, renewal_number) %}
    {{ return(adapter.dispatch('renewal_at', 'cs_metrics')(
        started_at, term_months, renewal_number
    )) }}
{% endmacro %}

{% macro default__renewal_at(started_at, term_months, renewal_number) -%}
    cast(
        {{ dbt.dateadd(
            'month',
            '(' ~ renewal_number ~ ') * (' ~ term_months ~ ')',
            started_at
        ) }}
        as {{ dbt.type_timestamp() }}
    )
{%- endmacro %}
