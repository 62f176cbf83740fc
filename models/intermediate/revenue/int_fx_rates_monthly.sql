{#-
    rate(M, c), the one home of FX rates: for every currency the project
    converts and every month from the first month it is needed through the
    as-of month, the rate_to_reporting with the greatest rate_date on or
    before the last day of M. The reporting currency is always there, at 1,
    for every month. A currency is needed from the first month
      - an item version priced in it counts in MRR,
      - a signed subscription priced in it is not live yet (committed MRR),
      - an invoice line in it is recognised (revenue recognition check);
    later months need it too (prev_cc converts M - 1 at M's rates and
    retention converts older months at today's rates). A needed rate that
    does not exist is left null here and fails the run (post_hook
    raise_on_missing_fx_rates) with the currency and month named. So does
    a rate that breaks the raw contract (not positive, or null) when it is
    the latest on or before a needed month's last day: falling back to an
    older rate would convert the month at a rate that is not rate(M, c)
    (unusable_rate_reason says why). A broken row no needed month would
    use changes nothing and is only listed (fx_rate_excluded). Models
    convert through the macro join_fx_rates (a left join on this table).
-#}
{%- set reporting_currency = cs_metrics.setting_sql('reporting_currency') -%}

with

priced_items as (
    select * from {{ ref('int_subscription_items_priced') }}
    where not is_excluded_from_mrr
),

recognised_lines as (
    select * from {{ ref('int_invoice_lines_recognised_monthly') }}
),

-- broken rows too: a month whose latest rate is broken must fail, not
-- fall back to an older rate
fx_rates as (
    select * from {{ ref('stg_finance__fx_rates') }}
    where
        currency is not null
        and rate_date is not null
),

months as (
    select * from {{ ref('int_months_spined') }}
),

-- the month an item version first counts: t(M) is the first month
-- boundary after counts_after_at, if the window reaches it
first_counted as (
    select
        currency,
        {{ cs_metrics.month_start_of('counts_after_at') }} as first_month_start
    from priced_items
    where
        counts_through_at >= cast(
            {{ cs_metrics.add_months(
                cs_metrics.month_start_of('counts_after_at'), 1
            ) }} as {{ dbt.type_timestamp() }}
        )
),

-- the month a signed subscription first is signed but not live
first_signed as (
    select
        currency,
        {{ cs_metrics.month_start_of('created_at') }} as first_month_start
    from priced_items
    where
        is_first_version
        and started_at >= cast(
            {{ cs_metrics.add_months(
                cs_metrics.month_start_of('created_at'), 1
            ) }} as {{ dbt.type_timestamp() }}
        )
),

first_recognised as (
    select
        currency,
        month_start as first_month_start
    from recognised_lines
),

first_needs as (
    select * from first_counted
    union all
    select * from first_signed
    union all
    select * from first_recognised
),

currencies_needed as (
    select
        currency,
        min(first_month_start) as first_month_start
    from first_needs
    where currency <> {{ reporting_currency }}
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

    union all

    select
        {{ reporting_currency }} as currency,
        month_start,
        month_end_date
    from months
),

-- Each published rate holds from its rate_date until the next one.
rates_ranged as (
    select
        currency,
        rate_to_reporting,
        contract_violation_reason,
        rate_date,
        lead(rate_date) over (
            partition by currency
            order by rate_date
        ) as next_rate_date
    from fx_rates
    where currency <> {{ reporting_currency }}
),

final as (
    select
        ---------- keys
        currency_months.month_start,
        currency_months.currency,

        ---------- numerics
        case
            when currency_months.currency = {{ reporting_currency }}
                then cast(1 as {{ cs_metrics.type_fx_rate() }})
            when rates_ranged.contract_violation_reason is null
                then cast(
                    rates_ranged.rate_to_reporting
                    as {{ cs_metrics.type_fx_rate() }}
                )
        end as rate_to_reporting,

        ---------- strings
        -- why the month's latest rate cannot be used (null when it can)
        case
            when currency_months.currency <> {{ reporting_currency }}
                then rates_ranged.contract_violation_reason
        end as unusable_rate_reason,

        ---------- dates
        currency_months.month_end_date,
        rates_ranged.rate_date
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
