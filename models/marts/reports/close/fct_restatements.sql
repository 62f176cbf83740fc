{#-
    Every closed figure that changed after its month closed: the value
    stored at close (fct_closed_month_figures) against the same figure
    today (fct_retention_monthly), per month, segment and figure, with the
    difference and how many of the month's account-months changed
    (fct_restatement_drivers names them). A change is any difference above
    1e-6 (below the money and ratio precisions' rounding), or a value
    appearing or disappearing. Rows only for changed figures.
-#}
{%- set figures = cs_metrics.closed_figures() -%}
{%- set ratio = cs_metrics.type_ratio() -%}

with

closed_figures as (
    select * from {{ ref('fct_closed_month_figures') }}
),

retention as (
    select * from {{ ref('fct_retention_monthly') }}
),

drivers as (
    select * from {{ ref('fct_restatement_drivers') }}
),

current_figures as (
    {% for figure in figures %}
    select
        month_start,
        segment_type,
        segment_value,
        '{{ figure }}' as figure,
        cast({{ figure }} as {{ ratio }}) as current_value
    from retention
    {{ 'union all' if not loop.last }}
    {% endfor %}
),

-- a closed segment may have disappeared since (or a new one appeared)
compared as (
    select
        coalesce(
            closed_figures.month_start, current_figures.month_start
        ) as month_start,
        coalesce(
            closed_figures.segment_type, current_figures.segment_type
        ) as segment_type,
        coalesce(
            closed_figures.segment_value, current_figures.segment_value
        ) as segment_value,
        coalesce(closed_figures.figure, current_figures.figure) as figure,
        closed_figures.closed_value,
        current_figures.current_value,
        closed_figures.closed_on
    from closed_figures
    full outer join current_figures
        on
            closed_figures.month_start = current_figures.month_start
            and closed_figures.segment_type = current_figures.segment_type
            and closed_figures.segment_value = current_figures.segment_value
            and closed_figures.figure = current_figures.figure
),

months_closed as (
    select
        month_start,
        min(closed_on) as closed_on
    from closed_figures
    group by month_start
),

driver_counts as (
    select
        month_start,
        count(*) as changed_account_months
    from drivers
    group by month_start
),

final as (
    select
        ---------- keys
        compared.month_start,
        compared.segment_type,
        compared.segment_value,
        compared.figure,

        ---------- numerics
        compared.closed_value,
        compared.current_value,
        cast(
            coalesce(compared.current_value, 0)
            - coalesce(compared.closed_value, 0) as {{ ratio }}
        ) as difference,
        cast(
            coalesce(driver_counts.changed_account_months, 0)
            as {{ dbt.type_bigint() }}
        ) as changed_account_months,

        ---------- dates
        months_closed.closed_on
    from compared
    -- only months that were closed (a month closing today has no history)
    inner join months_closed
        on compared.month_start = months_closed.month_start
    left outer join driver_counts
        on compared.month_start = driver_counts.month_start
    where
        abs(
            coalesce(compared.current_value, 0)
            - coalesce(compared.closed_value, 0)
        ) > 0.000001
        or (compared.closed_value is null) <> (compared.current_value is null)
)

select * from final
