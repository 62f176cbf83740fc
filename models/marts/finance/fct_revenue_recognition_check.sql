{#-
    Finance reconciliation per account and month: revenue recognised from
    invoices (int_invoice_lines_recognised_monthly, converted at rate(M) of
    the invoice's currency) against mrr and the revenue the subscriptions
    lead one to expect (int_account_months_revenue_explained):
      difference             = recognised_revenue - mrr
                             = Σ explained_<reason> + unexplained_difference
      expected_revenue       = mrr + Σ explained_<reason>
      unexplained_difference = recognised_revenue - expected_revenue
    The reasons come from int_account_months_revenue_explained but one:
    lines billing a plan priced in another currency than their invoice
    (plan_currency_differs_from_customer) are taken as invoiced, since which
    figure they should carry cannot be told:
      explained_invoice_currency = what those lines recognised
                                   - what the subscriptions expect of them
      is_over_tolerance          = abs(unexplained_difference)
                                   > revrec_tolerance
      is_over_relative_tolerance = abs(unexplained_difference)
                                   > revrec_relative_tolerance
                                     x abs(expected_revenue)
      is_reconciled              = no rate missing and not is_over_tolerance
    Both flags are false while a figure is unknown (has_missing_fx_rate).
    Every account-month with MRR history, expected or recognised revenue
    has a row (an account-month outside fct_account_months has mrr 0). A
    recognised amount in a currency-month without a rate would leave
    recognised_revenue null rather than under-state it;
    int_fx_rates_monthly fails the run on such a gap first.
    Incremental by month (doc block month_window): a run writes the months
    of its window only.
-#}
{{ config(**cs_metrics.month_window_config()) }}
{%- set window_start = cs_metrics.month_window() -%}
{%- set money = cs_metrics.type_money() -%}
{%- set tolerance = cs_metrics.setting_sql('revrec_tolerance') -%}
{%- set relative_tolerance = cs_metrics.setting_sql(
    'revrec_relative_tolerance'
) -%}
{%- set reasons = cs_metrics.revenue_recognition_reasons() -%}

with

recognised_lines as (
    select * from {{ ref('int_invoice_lines_recognised_monthly') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

explained as (
    select * from {{ ref('int_account_months_revenue_explained') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

recognised as (
    select
        recognised_lines.account_id,
        recognised_lines.month_start,
        sum(
            recognised_lines.recognised_local * fx_rates.rate_to_reporting
        ) as recognised_revenue,
        sum(
            case
                when
                    recognised_lines.plan_currency
                    <> recognised_lines.currency
                    then
                        recognised_lines.recognised_local
                        * fx_rates.rate_to_reporting
                else 0
            end
        ) as recognised_in_other_currency,
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
    from explained

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
        coalesce(recognised.lines_without_rate, 0) > 0
        or coalesce(explained.has_missing_fx_rate, false)
            as has_missing_fx_rate,
        case
            when coalesce(recognised.lines_without_rate, 0) = 0
                then cast(
                    coalesce(recognised.recognised_revenue, 0) as {{ money }}
                )
        end as recognised_revenue,
        coalesce(explained.mrr, 0) as mrr,
        {%- for reason in reasons %}
        {%- if reason == 'invoice_currency' %}
        case
            when not coalesce(explained.has_missing_fx_rate, false)
                then
                    coalesce(recognised.recognised_in_other_currency, 0)
                    - coalesce(explained.expected_in_other_currency, 0)
        end as explained_{{ reason }},
        {%- else %}
        case
            when not coalesce(explained.has_missing_fx_rate, false)
                then coalesce(explained.explained_{{ reason }}, 0)
        end as explained_{{ reason }},
        {%- endif %}
        {%- endfor %}
        case
            when not coalesce(explained.has_missing_fx_rate, false)
                then
                    coalesce(explained.expected_revenue_at_plan_rates, 0)
                    + coalesce(recognised.recognised_in_other_currency, 0)
                    - coalesce(explained.expected_in_other_currency, 0)
        end as expected_revenue
    from keys
    left outer join recognised
        on
            keys.account_id = recognised.account_id
            and keys.month_start = recognised.month_start
    left outer join explained
        on
            keys.account_id = explained.account_id
            and keys.month_start = explained.month_start
),

compared as (
    select
        *,
        recognised_revenue - expected_revenue as unexplained_difference
    from joined
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
            abs(unexplained_difference) > {{ tolerance }},
            false
        ) as is_over_tolerance,
        has_missing_fx_rate,
        is_month_complete,
        coalesce(
            abs(unexplained_difference)
            > {{ relative_tolerance }} * abs(expected_revenue),
            false
        ) as is_over_relative_tolerance,

        ---------- numerics: the difference explained by reason
        cast(expected_revenue as {{ money }}) as expected_revenue,
        {%- for reason in reasons %}
        cast(explained_{{ reason }} as {{ money }}) as explained_{{ reason }},
        {%- endfor %}
        cast(unexplained_difference as {{ money }}) as unexplained_difference,

        ---------- booleans: the verdict
        not has_missing_fx_rate
        and coalesce(
            abs(unexplained_difference) <= {{ tolerance }},
            false
        ) as is_reconciled
    from compared
)

select * from final
