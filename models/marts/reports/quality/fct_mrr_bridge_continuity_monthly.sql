{#-
    The MRR bridge's continuity per month of fct_mrr_bridge_monthly, as the
    quality report shows it and the test assert_mrr_bridge_identity_holds
    lists the months that break it: each month starts where the month
    before it in the bridge ended (0 in the first month), and that month
    is the calendar month before (no month is missing in between).
      difference    = starting_mrr - previous_ending_mrr
      is_reconciled = not has_month_gap
                      and abs(difference) <= reconciliation_tolerance
-#}
{%- set money = cs_metrics.type_money() -%}
{%- set tolerance = cs_metrics.setting_sql('reconciliation_tolerance') -%}

with

bridge as (
    select * from {{ ref('fct_mrr_bridge_monthly') }}
),

bridge_with_previous as (
    select
        month_start,
        coalesce(starting_mrr, 0) as starting_mrr,
        lag(month_start) over (
            order by month_start
        ) as previous_month_start,
        coalesce(
            lag(ending_mrr) over (
                order by month_start
            ),
            0
        ) as previous_ending_mrr
    from bridge
),

-- false in the first month, which has no month before it
gaps_flagged as (
    select
        *,
        coalesce(
            {{ cs_metrics.add_months('previous_month_start', 1) }}
            <> month_start,
            false
        ) as has_month_gap
    from bridge_with_previous
),

final as (
    select
        ---------- keys
        month_start,

        ---------- numerics
        cast(previous_ending_mrr as {{ money }}) as previous_ending_mrr,
        cast(starting_mrr as {{ money }}) as starting_mrr,
        cast(starting_mrr - previous_ending_mrr as {{ money }}) as difference,

        ---------- booleans
        has_month_gap,
        not has_month_gap
        and abs(starting_mrr - previous_ending_mrr)
        <= {{ tolerance }} as is_reconciled,

        ---------- dates
        previous_month_start
    from gaps_flagged
)

select * from final
