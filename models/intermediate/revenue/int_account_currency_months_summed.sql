{#-
    mrr_local(A, M, c) and its conversions, one row per account, month and
    currency in which the account has counted items in M or in M - 1 (the
    second kind carries a loss: mrr_local 0 after prev_mrr_local > 0).
      mrr         = mrr_local x rate(M, c)            (reporting currency)
      prev_mrr_cc = prev_mrr_local x rate(M, c)       (constant currency)
      prev_mrr    = prev_mrr_local x rate(M - 1, c)   (as reported in M - 1)
-#}
with

counted_items as (
    select * from {{ ref('int_subscription_items_counted_monthly') }}
),

fx_rates as (
    select * from {{ ref('int_fx_rates_monthly') }}
),

summed as (
    select
        account_id,
        month_start,
        currency,
        sum(mrr_local) as mrr_local,
        count(*) as counted_item_count
    from counted_items
    group by
        account_id,
        month_start,
        currency
),

summed_with_next as (
    select
        *,
        {{ cs_metrics.add_months('month_start', 1) }} as next_month_start
    from summed
),

account_currency_months as (
    select
        account_id,
        month_start,
        currency
    from summed_with_next

    union

    select
        account_id,
        next_month_start as month_start,
        currency
    from summed_with_next
    where next_month_start <= {{ as_of_month() }}
),

final as (
    select
        ---------- keys
        account_currency_months.account_id,
        account_currency_months.month_start,
        account_currency_months.currency,

        ---------- numerics
        cast(
            coalesce(current_month.mrr_local, 0)
            as {{ dbt.type_numeric() }}
        ) as mrr_local,
        cast(
            coalesce(previous_month.mrr_local, 0)
            as {{ dbt.type_numeric() }}
        ) as prev_mrr_local,
        fx_rates.rate_to_reporting,
        previous_fx_rates.rate_to_reporting as prev_rate_to_reporting,
        -- exact products (6 + 12 decimals, not rounded): fct_account_months
        -- rounds once per account-month, after summing the currencies
        coalesce(current_month.mrr_local, 0)
        * fx_rates.rate_to_reporting as mrr,
        coalesce(previous_month.mrr_local, 0)
        * fx_rates.rate_to_reporting as prev_mrr_cc,
        coalesce(
            previous_month.mrr_local * previous_fx_rates.rate_to_reporting, 0
        ) as prev_mrr,
        coalesce(current_month.counted_item_count, 0) as counted_item_count
    from account_currency_months
    left outer join summed_with_next as current_month
        on
            account_currency_months.account_id = current_month.account_id
            and account_currency_months.currency = current_month.currency
            and account_currency_months.month_start = current_month.month_start
    left outer join summed_with_next as previous_month
        on
            account_currency_months.account_id = previous_month.account_id
            and account_currency_months.currency = previous_month.currency
            and account_currency_months.month_start
            = previous_month.next_month_start
    left outer join fx_rates
        on
            account_currency_months.month_start = fx_rates.month_start
            and account_currency_months.currency = fx_rates.currency
    left outer join fx_rates as previous_fx_rates
        on
            previous_month.month_start = previous_fx_rates.month_start
            and previous_month.currency = previous_fx_rates.currency
)

select * from final
