{#-
    MRR of the counted subscription item versions per month, as the
    quality report shows it and the test
    assert_account_month_mrr_equals_counted_items lists the months that
    break it: Σ mrr (converted at rate(M)) over every version counted at
    t(M) (int_subscription_items_counted_monthly, every plan currency)
    against ending_mrr of fct_mrr_bridge_monthly. One row per month of
    either. Account-month MRR is rounded to 6 decimals, far below the
    tolerance.
      difference    = converted_mrr - ending_mrr (a missing side counts 0)
      is_reconciled = the bridge holds the month
                      and abs(difference) <= reconciliation_tolerance
-#}
{%- set money = cs_metrics.type_money() -%}
{%- set tolerance = cs_metrics.setting_sql('reconciliation_tolerance') -%}

with

counted_items as (
    select * from {{ ref('int_subscription_items_counted_monthly') }}
),

bridge as (
    select * from {{ ref('fct_mrr_bridge_monthly') }}
),

item_totals as (
    select
        month_start,
        count(*) as item_versions,
        sum(mrr) as converted_mrr
    from counted_items
    group by month_start
),

months as (
    select month_start from item_totals
    union
    select month_start from bridge
),

joined as (
    select
        months.month_start,
        coalesce(item_totals.item_versions, 0) as item_versions,
        coalesce(item_totals.converted_mrr, 0) as converted_mrr,
        bridge.ending_mrr
    from months
    left outer join item_totals
        on months.month_start = item_totals.month_start
    left outer join bridge
        on months.month_start = bridge.month_start
),

final as (
    select
        ---------- keys
        month_start,

        ---------- numerics
        cast(item_versions as {{ dbt.type_bigint() }}) as item_versions,
        cast(converted_mrr as {{ money }}) as converted_mrr,
        cast(ending_mrr as {{ money }}) as ending_mrr,
        cast(
            converted_mrr - coalesce(ending_mrr, 0) as {{ money }}
        ) as difference,

        ---------- booleans: the verdict
        coalesce(
            abs(converted_mrr - ending_mrr) <= {{ tolerance }}, false
        ) as is_reconciled
    from joined
)

select * from final
