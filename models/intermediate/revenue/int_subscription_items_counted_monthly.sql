{#-
    One row per month M and subscription item version counted in MRR at the
    snapshot t(M): counts_after_at < t(M) <= counts_through_at (the counting
    rule, folded into that window in int_subscription_items_priced). The
    current subscription status is not used. Each version carries its
    monthly amount in the plan's currency (mrr_local) and converted at
    rate(M) (mrr, exact: rounded only once summed per account-month), so no
    later model converts item amounts again.
    Incremental by month (doc block month_window): a run writes the months
    of its window only.
-#}
{{ config(**cs_metrics.month_window_config()) }}
{%- set window_start = cs_metrics.month_window() %}

with

priced_items as (
    select * from {{ ref('int_subscription_items_priced') }}
    where not is_excluded_from_mrr
),

months as (
    select * from {{ ref('int_months_spined') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

counted as (
    select
        months.month_start,
        months.snapshot_at,
        priced_items.*
    from priced_items
    inner join months
        on
            priced_items.counts_after_at < months.snapshot_at
            and priced_items.counts_through_at >= months.snapshot_at
),

final as (
    select
        ---------- keys
        counted.month_start,

        ---------- ids
        counted.account_id,
        counted.customer_id,
        counted.subscription_id,
        counted.subscription_item_id,
        counted.plan_id,

        ---------- strings
        counted.currency,

        ---------- numerics
        counted.quantity,
        counted.mrr_local,
        fx_rates.rate_to_reporting,
        counted.mrr_local * fx_rates.rate_to_reporting as mrr,

        ---------- booleans
        counted.is_per_seat,

        ---------- timestamps
        counted.snapshot_at,
        counted.valid_from_at,
        counted.canceled_at
    from counted
    {{ cs_metrics.join_fx_rates('counted.month_start', 'counted.currency') }}
)

select * from final
