{#-
    The month close: once a month is closed (var close_day of the following
    month has come, macro is_month_closed), its headline figures per
    segment (fct_retention_monthly) are stored here as they were on that
    day, one row per month, segment and figure, and never change again.
    fct_restatements compares them with today's figures. Append-only and
    kept through --full-refresh (full_refresh: false): a rebuild would turn
    restated history into the closed one. The first run stores every month
    already closed, as of that run (the baseline).
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=false,
        on_schema_change='fail',
    )
}}
{%- set figures = cs_metrics.closed_figures() -%}

with

retention as (
    select * from {{ ref('fct_retention_monthly') }}
    -- closed months not stored by an earlier run (they stay as closed)
    where {{ cs_metrics.is_month_to_store('month_start') }}
),

unpivoted as (
    {% for figure in figures %}
    select
        month_start,
        segment_type,
        segment_value,
        -- the contract's varchar: a text literal would be `text` on
        -- PostgreSQL and fail the next incremental run's schema check
        {{ dbt.cast("'" ~ figure ~ "'", 'varchar') }} as figure,
        cast({{ figure }} as {{ cs_metrics.type_ratio() }}) as closed_value
    from retention
    {{ 'union all' if not loop.last }}
    {% endfor %}
),

final as (
    select
        ---------- keys
        month_start,
        segment_type,
        segment_value,
        figure,

        ---------- numerics
        closed_value,

        ---------- dates
        {{ as_of_date() }} as closed_on,

        ---------- timestamps
        cast(
            '{{ run_started_at.astimezone(modules.pytz.utc).strftime(
                "%Y-%m-%d %H:%M:%S"
            ) }}' as {{ dbt.type_timestamp() }}
        ) as closed_at
    from unpivoted
)

select * from final
