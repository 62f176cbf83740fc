{#-
    The commitments that turn MRR into committed MRR (cmrr = mrr -
    scheduled_churn_mrr + signed_not_live_mrr), per account and month, in
    the reporting currency at rate(M):
      scheduled_churn_mrr - MRR counted at t(M) of subscriptions cancelled
        before t(M) (canceled_at < t(M)) whose service has not ended yet
        (being counted at t(M) means it has not);
      signed_not_live_mrr - monthly amount of the first version of each
        item of subscriptions created before t(M) that start at or after
        t(M) (signed, not live yet).
    Account-months with neither have no row. A line without an FX rate for
    M makes its sum null, which the not_null tests report.
-#}
with

counted_items as (
    select * from {{ ref('int_subscription_items_counted_monthly') }}
),

priced_items as (
    select * from {{ ref('int_subscription_items_priced') }}
    where not is_excluded_from_mrr
),

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

months as (
    select * from {{ ref('int_months_spined') }}
),

fx_rates as (
    select * from {{ ref('int_fx_rates_monthly') }}
),

scheduled_churn_lines as (
    select
        counted_items.account_id,
        counted_items.month_start,
        counted_items.currency,
        counted_items.mrr_local as scheduled_churn_mrr_local,
        0 as signed_not_live_mrr_local
    from counted_items
    inner join months
        on counted_items.month_start = months.month_start
    inner join subscriptions
        on counted_items.subscription_id = subscriptions.subscription_id
    where subscriptions.canceled_at < months.snapshot_at
),

first_versions as (
    select
        *,
        row_number() over (
            partition by subscription_item_id
            order by valid_from_at asc nulls last
        ) as version_number
    from priced_items
),

signed_not_live_lines as (
    select
        first_versions.account_id,
        months.month_start,
        first_versions.currency,
        0 as scheduled_churn_mrr_local,
        first_versions.mrr_local as signed_not_live_mrr_local
    from first_versions
    inner join subscriptions
        on first_versions.subscription_id = subscriptions.subscription_id
    inner join months
        on
            subscriptions.created_at < months.snapshot_at
            and first_versions.started_at >= months.snapshot_at
    where first_versions.version_number = 1
),

-- the reporting currency's own rate is 1 even in months before it counts
rates as (
    select
        month_start,
        currency,
        rate_to_reporting
    from fx_rates

    union all

    select
        month_start,
        '{{ var("reporting_currency") }}' as currency,
        cast(1 as {{ cs_metrics.type_fx_rate() }}) as rate_to_reporting
    from months
    where month_start not in (
        select fx_rates.month_start
        from fx_rates
        where fx_rates.currency = '{{ var("reporting_currency") }}'
    )
),

lines as (
    select * from scheduled_churn_lines
    union all
    select * from signed_not_live_lines
),

converted as (
    select
        lines.account_id,
        lines.month_start,
        lines.scheduled_churn_mrr_local * rates.rate_to_reporting
            as scheduled_churn_mrr,
        lines.signed_not_live_mrr_local * rates.rate_to_reporting
            as signed_not_live_mrr,
        rates.rate_to_reporting
    from lines
    left outer join rates
        on
            lines.month_start = rates.month_start
            and lines.currency = rates.currency
),

final as (
    select
        ---------- keys
        account_id,
        month_start,

        ---------- numerics
        -- exact sums (not rounded): int_account_months_health_scored
        -- rounds cmrr once
        case
            when count(rate_to_reporting) = count(*)
                then sum(scheduled_churn_mrr)
        end as scheduled_churn_mrr,
        case
            when count(rate_to_reporting) = count(*)
                then sum(signed_not_live_mrr)
        end as signed_not_live_mrr
    from converted
    group by
        account_id,
        month_start
)

select * from final
