{#-
    Committed MRR per account-month (every row of the backbone), in the
    reporting currency at rate(M):
      cmrr = mrr - scheduled_churn_mrr + signed_not_live_mrr
      scheduled_churn_mrr - MRR counted at t(M) of subscriptions cancelled
        before t(M) (canceled_at < t(M)) whose service has not ended yet
        (being counted at t(M) means it has not);
      signed_not_live_mrr - monthly amount of the first version of each
        item of subscriptions created before t(M) that start at or after
        t(M) (signed, not live yet).
    A line without an FX rate for M makes its sum null (the not_null tests
    report it; int_fx_rates_monthly fails the run first).
    Incremental by month (doc block month_window): a run writes the months
    of its window only.
-#}
{{ config(**cs_metrics.month_window_config()) }}
{%- set window_start = cs_metrics.month_window() %}
{%- set money = cs_metrics.type_money() -%}

with

account_months as (
    select * from {{ ref('int_account_months_spined') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

counted_items as (
    select * from {{ ref('int_subscription_items_counted_monthly') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

priced_items as (
    select * from {{ ref('int_subscription_items_priced') }}
    where is_first_version
),

months as (
    select * from {{ ref('int_months_spined') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

scheduled_churn as (
    select
        account_id,
        month_start,
        sum(mrr) as scheduled_churn_mrr
    from counted_items
    where canceled_at < snapshot_at
    group by
        account_id,
        month_start
),

signed_not_live_lines as (
    select
        priced_items.account_id,
        months.month_start,
        priced_items.currency,
        priced_items.mrr_local
    from priced_items
    inner join months
        on
            priced_items.created_at < months.snapshot_at
            and priced_items.started_at >= months.snapshot_at
),

signed_not_live as (
    select
        signed_not_live_lines.account_id,
        signed_not_live_lines.month_start,
        case
            when count(fx_rates.rate_to_reporting) = count(*)
                then sum(
                    signed_not_live_lines.mrr_local
                    * fx_rates.rate_to_reporting
                )
        end as signed_not_live_mrr
    from signed_not_live_lines
    {{ cs_metrics.join_fx_rates(
        'signed_not_live_lines.month_start', 'signed_not_live_lines.currency'
    ) }}
    group by
        signed_not_live_lines.account_id,
        signed_not_live_lines.month_start
),

joined as (
    select
        account_months.account_id,
        account_months.month_start,
        account_months.mrr,
        coalesce(scheduled_churn.scheduled_churn_mrr, 0)
            as scheduled_churn_mrr,
        case
            when signed_not_live.account_id is null then 0
            else signed_not_live.signed_not_live_mrr
        end as signed_not_live_mrr
    from account_months
    left outer join scheduled_churn
        on
            account_months.account_id = scheduled_churn.account_id
            and account_months.month_start = scheduled_churn.month_start
    left outer join signed_not_live
        on
            account_months.account_id = signed_not_live.account_id
            and account_months.month_start = signed_not_live.month_start
),

final as (
    select
        ---------- keys
        account_id,
        month_start,

        ---------- numerics
        cast(scheduled_churn_mrr as {{ money }}) as scheduled_churn_mrr,
        cast(signed_not_live_mrr as {{ money }}) as signed_not_live_mrr,
        cast(
            mrr - scheduled_churn_mrr + signed_not_live_mrr as {{ money }}
        ) as cmrr
    from joined
)

select * from final
