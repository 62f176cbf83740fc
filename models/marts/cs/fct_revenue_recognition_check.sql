{#-
    Finance reconciliation per account and month: revenue recognised from
    invoices (int_invoice_lines_recognised_monthly, converted at rate(M) of
    the invoice's currency) against mrr (fct_account_months).
      difference        = recognised_revenue - mrr
      is_over_tolerance = abs(difference) > revrec_tolerance
    Every account-month with MRR history or recognised revenue has a row
    (an account-month outside fct_account_months has mrr 0). A recognised
    amount in a currency-month without a rate in int_fx_rates_monthly
    leaves recognised_revenue null (has_missing_fx_rate) rather than
    under-stating it.
-#}
{%- set money = dbt.type_numeric() -%}

with

recognised_lines as (
    select * from {{ ref('int_invoice_lines_recognised_monthly') }}
),

fx_rates as (
    select * from {{ ref('int_fx_rates_monthly') }}
),

account_months as (
    select * from {{ ref('fct_account_months') }}
),

months as (
    select * from {{ ref('int_months_spined') }}
),

recognised as (
    select
        recognised_lines.account_id,
        recognised_lines.month_start,
        sum(
            recognised_lines.recognised_local * fx_rates.rate_to_reporting
        ) as recognised_revenue,
        count(*) as invoice_lines,
        count(
            case when fx_rates.rate_to_reporting is null then 1 end
        ) as lines_without_rate
    from recognised_lines
    left outer join fx_rates
        on
            recognised_lines.month_start = fx_rates.month_start
            and recognised_lines.currency = fx_rates.currency
    group by
        recognised_lines.account_id,
        recognised_lines.month_start
),

keys as (
    select
        account_id,
        month_start
    from account_months

    union

    select
        account_id,
        month_start
    from recognised
),

joined as (
    select
        keys.account_id,
        keys.month_start,
        months.is_month_complete,
        coalesce(recognised.invoice_lines, 0) as invoice_lines,
        coalesce(recognised.lines_without_rate, 0) > 0 as has_missing_fx_rate,
        case
            when coalesce(recognised.lines_without_rate, 0) = 0
                then cast(
                    coalesce(recognised.recognised_revenue, 0) as {{ money }}
                )
        end as recognised_revenue,
        coalesce(account_months.mrr, 0) as mrr
    from keys
    inner join months
        on keys.month_start = months.month_start
    left outer join recognised
        on
            keys.account_id = recognised.account_id
            and keys.month_start = recognised.month_start
    left outer join account_months
        on
            keys.account_id = account_months.account_id
            and keys.month_start = account_months.month_start
),

final as (
    select
        ---------- keys
        account_id,
        month_start,

        ---------- numerics
        cast(invoice_lines as {{ dbt.type_bigint() }}) as invoice_lines,
        recognised_revenue,
        cast(mrr as {{ money }}) as mrr,
        cast(recognised_revenue - mrr as {{ money }}) as difference,

        ---------- booleans
        coalesce(
            abs(recognised_revenue - mrr) > {{ var('revrec_tolerance') }},
            false
        ) as is_over_tolerance,
        has_missing_fx_rate,
        is_month_complete
    from joined
)

select * from final
