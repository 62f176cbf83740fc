{#-
    Finance reconciliation per account and month: revenue recognised from
    invoices (int_invoice_lines_recognised_monthly, converted at rate(M) of
    the invoice's currency) against mrr (int_account_months_spined, the
    MRR of fct_account_months).
      difference                 = recognised_revenue - mrr
      is_over_tolerance          = abs(difference) > revrec_tolerance
      is_over_relative_tolerance = abs(difference)
                                   > revrec_relative_tolerance * abs(mrr)
    An account-month with mrr 0 is over the relative tolerance whenever
    its difference is not 0 (the same comparison, with 0 on the right).
    Both flags are false while recognised_revenue is unknown.
    Every account-month with MRR history or recognised revenue has a row
    (an account-month outside fct_account_months has mrr 0). A recognised
    amount in a currency-month without a rate would leave
    recognised_revenue null (has_missing_fx_rate) rather than under-state
    it; int_fx_rates_monthly fails the run on such a gap first.
-#}
{%- set money = cs_metrics.type_money() -%}

with

recognised_lines as (
    select * from {{ ref('int_invoice_lines_recognised_monthly') }}
),

account_months as (
    select * from {{ ref('int_account_months_spined') }}
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
    {{ cs_metrics.join_fx_rates(
        'recognised_lines.month_start', 'recognised_lines.currency'
    ) }}
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
        {{ cs_metrics.is_month_complete('keys.month_start') }}
            as is_month_complete,
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
        coalesce(
            abs(recognised_revenue - mrr)
            > {{ var('revrec_relative_tolerance') }} * abs(mrr),
            false
        ) as is_over_relative_tolerance,
        has_missing_fx_rate,
        is_month_complete
    from joined
)

select * from final
