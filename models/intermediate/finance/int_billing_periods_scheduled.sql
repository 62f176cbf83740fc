{#-
    The billing schedule the revenue recognition check expects, from the
    subscriptions alone: one row per subscription and billing period
    k = 0, 1, 2, ... Subscriptions are billed in advance, one invoice per
    period [anchor + k x p months, anchor + (k + 1) x p months), where
      anchor = the later of started_at and trial_end_at (billing starts when
               the trial ends),
      p      = months_per_billing_period of the subscription's countable
               item versions (the shortest when they differ),
    each boundary counted from the anchor with dbt.dateadd (the time of day
    kept, clamped to the month's last day: an anchor on 31 January gives
    29 February, then 31 March). A period is scheduled when it starts
    before the subscription's ended_at and in the as-of month at the
    latest; the months of k are the calendar months a whole number of
    periods after the anchor's month, so the calendar is the number series.
    is_billed is false for a subscription whose first payment failed
    (status incomplete or incomplete_expired): its only invoice is voided.
    A period that starts after the as-of date has no invoice yet; it never
    reaches revenue, which counts through the as-of date (int_months_spined
    .snapshot_at).
    invoice_currency is the currency the subscription's invoices are issued
    in (the first in alphabetical order when they differ; invoices neither
    void nor draft), else the billing customer's currency, else the plan's.
    Only the currency is read from invoices: amounts are never taken from
    them, so the check compares two independent figures.
-#}
with

priced_items as (
    select * from {{ ref('int_subscription_items_priced') }}
    where not is_excluded_from_mrr
),

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

invoices as (
    select * from {{ ref('stg_billing__invoices') }}
    where
        not is_contract_violation
        and status not in ('void', 'draft')
        and subscription_id is not null
),

months as (
    select * from {{ ref('int_months_spined') }}
),

invoice_currencies as (
    select
        subscription_id,
        min(currency) as invoice_currency
    from invoices
    group by subscription_id
),

subscription_terms as (
    select
        subscription_id,
        account_id,
        customer_currency,
        started_at,
        trial_end_at,
        ended_at,
        min(currency) as plan_currency,
        min(months_per_billing_period) as months_per_billing_period
    from priced_items
    group by
        subscription_id,
        account_id,
        customer_currency,
        started_at,
        trial_end_at,
        ended_at
),

anchored as (
    select
        subscription_terms.subscription_id,
        subscription_terms.account_id,
        coalesce(
            invoice_currencies.invoice_currency,
            subscription_terms.customer_currency,
            subscription_terms.plan_currency
        ) as invoice_currency,
        subscription_terms.months_per_billing_period,
        coalesce(
            subscriptions.status not in ('incomplete', 'incomplete_expired'),
            true
        ) as is_billed,
        greatest(
            subscription_terms.started_at,
            coalesce(
                subscription_terms.trial_end_at, subscription_terms.started_at
            )
        ) as anchor_at,
        subscription_terms.ended_at
    from subscription_terms
    left outer join subscriptions
        on subscription_terms.subscription_id = subscriptions.subscription_id
    left outer join invoice_currencies
        on
            subscription_terms.subscription_id
            = invoice_currencies.subscription_id
),

-- a period starts in the month a whole number of periods after the
-- anchor's month (the anchor's day is kept or clamped within that month)
numbered as (
    select
        anchored.subscription_id,
        cast(
            cast(
                {{ dbt.datediff(
                    cs_metrics.month_start_of('anchored.anchor_at'),
                    'months.month_start',
                    'month',
                ) }} as {{ dbt.type_numeric() }}
            )
            / anchored.months_per_billing_period as {{ dbt.type_int() }}
        ) as period_number
    from anchored
    inner join months
        on
            {{ cs_metrics.month_start_of('anchored.anchor_at') }}
            <= months.month_start
    where
        mod(
            {{ dbt.datediff(
                cs_metrics.month_start_of('anchored.anchor_at'),
                'months.month_start',
                'month',
            ) }},
            anchored.months_per_billing_period
        ) = 0
),

dated as (
    select
        anchored.*,
        numbered.period_number,
        cast(
            {{ dbt.dateadd(
                'month',
                'numbered.period_number * anchored.months_per_billing_period',
                'anchored.anchor_at',
            ) }} as {{ dbt.type_timestamp() }}
        ) as period_start_at,
        cast(
            {{ dbt.dateadd(
                'month',
                '(numbered.period_number + 1)'
                ~ ' * anchored.months_per_billing_period',
                'anchored.anchor_at',
            ) }} as {{ dbt.type_timestamp() }}
        ) as period_end_at
    from anchored
    inner join numbered
        on anchored.subscription_id = numbered.subscription_id
),

final as (
    select
        ---------- keys
        subscription_id,
        period_number,

        ---------- ids
        account_id,

        ---------- strings
        invoice_currency,

        ---------- numerics
        months_per_billing_period,
        cast(
            {{ dbt.datediff(
                'cast(period_start_at as date)',
                'cast(period_end_at as date)',
                'day',
            ) }} as {{ dbt.type_int() }}
        ) as period_days,

        ---------- booleans
        is_billed,

        ---------- dates
        cast(period_start_at as date) as period_start_date,
        cast(period_end_at as date) as period_end_date,

        ---------- timestamps
        anchor_at,
        period_start_at,
        period_end_at,
        ended_at
    from dated
    where ended_at is null or period_start_at < ended_at
)

select * from final
