{#-
    Nothing is lost between the counted items and the public mart: per
    month, the total MRR in fct_account_months equals the sum of every
    counted item version's monthly amount converted at the month's rate,
    within 0.01. Returns the months that disagree (either side missing
    counts as 0).
-#}
with

counted_items as (
    select * from {{ ref('int_subscription_items_counted_monthly') }}
),

fx_rates as (
    select * from {{ ref('int_fx_rates_monthly') }}
),

account_months as (
    select * from {{ ref('fct_account_months') }}
),

counted_totals as (
    select
        counted_items.month_start,
        sum(
            counted_items.mrr_local * fx_rates.rate_to_reporting
        ) as counted_mrr
    from counted_items
    left outer join fx_rates
        on
            counted_items.month_start = fx_rates.month_start
            and counted_items.currency = fx_rates.currency
    group by counted_items.month_start
),

mart_totals as (
    select
        month_start,
        sum(mrr) as mart_mrr
    from account_months
    group by month_start
),

final as (
    select
        coalesce(
            counted_totals.month_start, mart_totals.month_start
        ) as month_start,
        counted_totals.counted_mrr,
        mart_totals.mart_mrr
    from counted_totals
    full outer join mart_totals
        on counted_totals.month_start = mart_totals.month_start
    where
        counted_totals.counted_mrr is null
        and mart_totals.mart_mrr <> 0
        or mart_totals.mart_mrr is null
        and counted_totals.counted_mrr <> 0
        or abs(counted_totals.counted_mrr - mart_totals.mart_mrr) > 0.01
)

select * from final
