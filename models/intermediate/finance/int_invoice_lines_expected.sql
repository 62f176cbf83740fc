{#-
    The invoice lines the subscriptions imply: one row per line the billing
    schedule (int_billing_periods_scheduled) should have invoiced, with the
    amount the item versions give. Nothing here is read from invoice
    lines, so the revenue recognition check compares two independent
    figures.
      subscription line - every billing period bills each item at the
          version valid when the period starts (valid_from_at <=
          period_start_at < effective_valid_to_at) for the whole period:
          amount = mrr_local x months_per_billing_period, service period
          [period_start_date, period_end_date);
      proration line - a version that starts inside a period (after its
          start, on a day before the day it ends, and before the
          subscription's end) and raises the item's period amount bills the
          increase for the rest of the period, to the second:
              amount = (period amount - the previous version's period
                        amount, 0 for a new item)
                       x (period_end_at - valid_from_at)
                       / (period_end_at - period_start_at),
          service period [the change's date, period_end_date).
    A decrease, a removal or an end inside a period is not credited (the
    next period bills the new amount), and a change on the day a period
    ends is billed by the next period. Lines of amount 0 (no seats, a 100 %
    discount) are left out. Amounts are in the plan's currency; where the
    subscription is invoiced in another currency
    (plan_currency_differs_from_customer), the check takes the invoiced
    lines as they are instead.
    is_billed is false on subscriptions whose first payment failed.
-#}
{%- set money = cs_metrics.type_money() -%}

with

priced_items as (
    select * from {{ ref('int_subscription_items_priced') }}
    where not is_excluded_from_mrr
),

periods as (
    select * from {{ ref('int_billing_periods_scheduled') }}
),

versions as (
    select
        subscription_item_id,
        subscription_id,
        currency,
        valid_from_at,
        effective_valid_to_at,
        ended_at,
        mrr_local * months_per_billing_period as period_amount,
        coalesce(
            lag(mrr_local * months_per_billing_period) over (
                partition by subscription_item_id
                order by valid_from_at asc
            ),
            0
        ) as previous_period_amount
    from priced_items
),

subscription_lines as (
    select
        versions.subscription_item_id,
        versions.subscription_id,
        periods.account_id,
        'subscription' as line_type,
        versions.currency,
        periods.invoice_currency,
        periods.period_number,
        versions.period_amount as amount,
        periods.is_billed,
        periods.period_start_date,
        periods.period_end_date,
        versions.valid_from_at
    from periods
    inner join versions
        on
            periods.subscription_id = versions.subscription_id
            and periods.period_start_at >= versions.valid_from_at
            and (
                versions.effective_valid_to_at is null
                or periods.period_start_at < versions.effective_valid_to_at
            )
    where versions.period_amount <> 0
),

proration_lines as (
    select
        versions.subscription_item_id,
        versions.subscription_id,
        periods.account_id,
        'proration' as line_type,
        versions.currency,
        periods.invoice_currency,
        periods.period_number,
        {{ cs_metrics.divide_money(
            '(versions.period_amount - versions.previous_period_amount) * '
            ~ dbt.datediff('versions.valid_from_at', 'periods.period_end_at', 'second'),
            dbt.datediff('periods.period_start_at', 'periods.period_end_at', 'second')
        ) }} as amount,
        periods.is_billed,
        cast(versions.valid_from_at as date) as period_start_date,
        periods.period_end_date,
        versions.valid_from_at
    from periods
    inner join versions
        on
            periods.subscription_id = versions.subscription_id
            and periods.period_start_at < versions.valid_from_at
            and periods.period_end_at > versions.valid_from_at
    where
        cast(versions.valid_from_at as date) < periods.period_end_date
        and (
            versions.ended_at is null
            or versions.valid_from_at < versions.ended_at
        )
        and versions.period_amount > versions.previous_period_amount
),

lines as (
    select * from subscription_lines
    union all
    select * from proration_lines
),

final as (
    select
        ---------- keys
        line_type,
        subscription_item_id,
        period_number,
        valid_from_at,

        ---------- ids
        subscription_id,
        account_id,

        ---------- strings
        currency,
        invoice_currency,

        ---------- numerics
        cast(amount as {{ money }}) as amount,
        cast(
            {{ dbt.datediff('period_start_date', 'period_end_date', 'day') }}
            as {{ dbt.type_int() }}
        ) as period_days,

        ---------- booleans
        is_billed,

        ---------- dates
        period_start_date,
        period_end_date
    from lines
)

select * from final
