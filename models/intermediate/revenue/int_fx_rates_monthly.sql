{#-
    rate(M, c): for every currency the revenue models need and every month
    from the first month an item in that currency counts through the as-of
    month, the rate_to_reporting with the greatest rate_date on or before
    the last day of M. The reporting currency is always 1. A needed rate
    that does not exist is left null here and fails the run (post_hook
    raise_on_missing_fx_rates) with the currency and month named.
-#}
{%- set reporting_currency = var('reporting_currency') | upper -%}

with

counted_items as (
    select * from {{ ref('int_subscription_items_counted_monthly') }}
),

fx_rates as (
    select * from {{ ref('stg_finance__fx_rates') }}
    where not is_contract_violation
),

months as (
    select * from {{ ref('int_months_spined') }}
),

-- Later months still need the rate: prev_cc converts M - 1 at M's rates
-- and retention converts older months at today's rates.
currencies_needed as (
    select
        currency,
        min(month_start) as first_month_start
    from counted_items
    group by currency
),

currency_months as (
    select
        currencies_needed.currency,
        months.month_start,
        months.month_end_date
    from currencies_needed
    inner join months
        on currencies_needed.first_month_start <= months.month_start
),

-- Each published rate holds from its rate_date until the next one.
rates_ranged as (
    select
        currency,
        rate_to_reporting,
        rate_date,
        lead(rate_date) over (
            partition by currency
            order by rate_date
        ) as next_rate_date
    from fx_rates
),

final as (
    select
        ---------- keys
        currency_months.month_start,
        currency_months.currency,

        ---------- numerics
        case
            when currency_months.currency = '{{ reporting_currency }}'
                then cast(1 as {{ cs_metrics.type_fx_rate() }})
            else
                cast(
                    rates_ranged.rate_to_reporting
                    as {{ cs_metrics.type_fx_rate() }}
                )
        end as rate_to_reporting,

        ---------- dates
        currency_months.month_end_date,
        case
            when currency_months.currency <> '{{ reporting_currency }}'
                then rates_ranged.rate_date
        end as rate_date
    from currency_months
    left outer join rates_ranged
        on
            currency_months.currency = rates_ranged.currency
            and currency_months.month_end_date >= rates_ranged.rate_date
            and (
                rates_ranged.next_rate_date is null
                or currency_months.month_end_date < rates_ranged.next_rate_date
            )
)

select * from final
