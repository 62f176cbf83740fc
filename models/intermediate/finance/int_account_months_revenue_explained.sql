{#-
    Why recognised revenue differs from MRR by design, per account and
    month: the revenue the subscriptions lead one to expect, built up from
    mrr(A, M) in steps, each step one named reason (reporting currency,
    at rate(M) of the plan's currency; the order is
    revenue_recognition_reasons()):
      L0 = mrr, the month-end snapshot;
      L1 = every countable item version's mrr_local x its days of service
           in M / days in the calendar month (service: from counts_after_at
           to counts_through_at, as dates);
      L2 = the same days at their billing period's day rate: mrr_local x
           months_per_billing_period / days in the period;
      L3 = L2 without subscriptions never billed (first payment failed);
      L4 = the expected invoice lines of the billed subscriptions
           (int_invoice_lines_expected), spread over their service days
           like invoices are (int_invoice_lines_recognised_monthly).
    explained_partial_month        = L1 - L0: services that start, end,
                                     leave a trial or change inside M, and
                                     the days of the month in progress
                                     after the as-of date
    explained_day_count            = L2 - L1: periods spread over their own
                                     days (a 365-day year, a 90-day
                                     quarter, a month anchored on the 15th)
    explained_first_payment_failed = L3 - L2
    explained_billed_in_advance    = L4 - L3: a period is billed when it
                                     starts; an increase inside it is
                                     prorated to the second, a decrease, a
                                     removal or an end is not credited
    expected_revenue_at_plan_rates = L4 = mrr + the four reasons (each
                                     level is rounded to 6 decimals first,
                                     so the steps add up exactly).
    expected_in_other_currency is the part of L4 from items whose plan is
    priced in another currency than the subscription is invoiced in
    (plan_currency_differs_from_customer): which figure such an invoice
    should carry cannot be told, so fct_revenue_recognition_check takes
    what those lines recognised instead (the reason invoice_currency).
    One row per account-month with MRR history (int_account_months_spined)
    or expected revenue. A needed rate missing from int_fx_rates_monthly
    leaves the expectation and its reasons null (has_missing_fx_rate).
    Incremental by month (doc block month_window): a run writes the months
    of its window only.
-#}
{{ config(**cs_metrics.month_window_config()) }}
{%- set window_start = cs_metrics.month_window() -%}
{%- set money = cs_metrics.type_money() -%}

with

account_months as (
    select * from {{ ref('int_account_months_spined') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

priced_items as (
    select * from {{ ref('int_subscription_items_priced') }}
    where not is_excluded_from_mrr
),

periods as (
    select * from {{ ref('int_billing_periods_scheduled') }}
),

-- subscriptions never billed have no lines to expect (step L3)
expected_lines as (
    select * from {{ ref('int_invoice_lines_expected') }}
    where is_billed
),

months as (
    select * from {{ ref('int_months_spined') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

-- revenue counts from the month's start to its snapshot (as invoices are
-- recognised: int_invoice_lines_recognised_monthly); MRR's monthly rate
-- is shared over the days of the calendar month
month_bounds as (
    select
        month_start,
        cast(snapshot_at as date) as next_month_start,
        {{ dbt.datediff(
            'month_start', cs_metrics.add_months('month_start', 1), 'day'
        ) }} as month_days
    from months
),

-- the days each item version is in service in each month (L1)
version_days as (
    select
        priced_items.account_id,
        priced_items.currency,
        priced_items.mrr_local,
        month_bounds.month_start,
        month_bounds.month_days,
        {{ cs_metrics.days_overlapping(
            'cast(priced_items.counts_after_at as date)',
            'cast(priced_items.counts_through_at as date)',
            'month_bounds.month_start',
            'month_bounds.next_month_start',
        ) }} as days_in_month
    from priced_items
    inner join month_bounds
        on
            cast(priced_items.counts_after_at as date)
            < month_bounds.next_month_start
            and cast(priced_items.counts_through_at as date)
            > month_bounds.month_start
    where
        cast(priced_items.counts_after_at as date)
        < cast(priced_items.counts_through_at as date)
),

-- the days an item version is in service within one billing period (L2)
service_segments as (
    select
        periods.account_id,
        priced_items.currency,
        priced_items.mrr_local,
        periods.months_per_billing_period,
        periods.period_days,
        periods.is_billed,
        greatest(
            cast(priced_items.counts_after_at as date),
            periods.period_start_date
        ) as start_date,
        least(
            cast(priced_items.counts_through_at as date),
            periods.period_end_date
        ) as end_date
    from priced_items
    inner join periods
        on
            priced_items.subscription_id = periods.subscription_id
            and cast(priced_items.counts_after_at as date)
            < periods.period_end_date
            and cast(priced_items.counts_through_at as date)
            > periods.period_start_date
    where
        cast(priced_items.counts_after_at as date)
        < cast(priced_items.counts_through_at as date)
),

segment_days as (
    select
        service_segments.*,
        month_bounds.month_start,
        {{ cs_metrics.days_overlapping(
            'service_segments.start_date', 'service_segments.end_date',
            'month_bounds.month_start', 'month_bounds.next_month_start',
        ) }} as days_in_month
    from service_segments
    inner join month_bounds
        on
            service_segments.start_date < month_bounds.next_month_start
            and service_segments.end_date > month_bounds.month_start
),

service_months as (
    select
        account_id,
        month_start,
        currency,
        false as is_billed,
        {{ cs_metrics.share_of_days(
            'mrr_local', 'days_in_month', 'month_days'
        ) }} as at_monthly_rate_local,
        cast(0 as {{ money }}) as at_period_rate_local
    from version_days

    union all

    select
        account_id,
        month_start,
        currency,
        is_billed,
        cast(0 as {{ money }}) as at_monthly_rate_local,
        {{ cs_metrics.share_of_days(
            'mrr_local * months_per_billing_period',
            'days_in_month',
            'period_days',
        ) }} as at_period_rate_local
    from segment_days
),

service_converted as (
    select
        service_months.account_id,
        service_months.month_start,
        sum(
            service_months.at_monthly_rate_local * fx_rates.rate_to_reporting
        ) as at_monthly_rate,
        sum(
            service_months.at_period_rate_local * fx_rates.rate_to_reporting
        ) as at_period_rate,
        sum(
            case
                when service_months.is_billed
                    then
                        service_months.at_period_rate_local
                        * fx_rates.rate_to_reporting
            end
        ) as at_period_rate_billed,
        count(
            case when fx_rates.rate_to_reporting is null then 1 end
        ) as missing_rates
    from service_months
    {{ cs_metrics.join_fx_rates(
        'service_months.month_start', 'service_months.currency'
    ) }}
    group by
        service_months.account_id,
        service_months.month_start
),

line_days as (
    select
        expected_lines.*,
        month_bounds.month_start,
        {{ cs_metrics.days_overlapping(
            'expected_lines.period_start_date',
            'expected_lines.period_end_date',
            'month_bounds.month_start',
            'month_bounds.next_month_start',
        ) }} as days_in_month
    from expected_lines
    inner join month_bounds
        on
            expected_lines.period_start_date < month_bounds.next_month_start
            and expected_lines.period_end_date > month_bounds.month_start
),

line_months as (
    select
        account_id,
        month_start,
        currency,
        invoice_currency,
        {{ cs_metrics.share_of_days(
            'amount', 'days_in_month', 'period_days'
        ) }} as recognised_local
    from line_days
),

lines_converted as (
    select
        line_months.account_id,
        line_months.month_start,
        sum(
            line_months.recognised_local * fx_rates.rate_to_reporting
        ) as billed,
        sum(
            case
                when line_months.currency <> line_months.invoice_currency
                    then
                        line_months.recognised_local
                        * fx_rates.rate_to_reporting
            end
        ) as billed_in_other_currency,
        count(
            case when fx_rates.rate_to_reporting is null then 1 end
        ) as missing_rates
    from line_months
    {{ cs_metrics.join_fx_rates(
        'line_months.month_start', 'line_months.currency'
    ) }}
    group by
        line_months.account_id,
        line_months.month_start
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
    from service_converted

    union

    select
        account_id,
        month_start
    from lines_converted
),

levels as (
    select
        keys.account_id,
        keys.month_start,
        coalesce(service_converted.missing_rates, 0)
        + coalesce(lines_converted.missing_rates, 0) > 0 as has_missing_fx_rate,
        -- each level rounded to the money type first: a step is exactly 0
        -- where its reason does not apply, and the steps add up exactly
        cast(
            coalesce(account_months.mrr, 0) as {{ money }}
        ) as level_0,
        cast(
            coalesce(service_converted.at_monthly_rate, 0) as {{ money }}
        ) as level_1,
        cast(
            coalesce(service_converted.at_period_rate, 0) as {{ money }}
        ) as level_2,
        cast(
            coalesce(service_converted.at_period_rate_billed, 0) as {{ money }}
        ) as level_3,
        cast(
            coalesce(lines_converted.billed, 0) as {{ money }}
        ) as level_4,
        cast(
            coalesce(lines_converted.billed_in_other_currency, 0)
            as {{ money }}
        ) as billed_in_other_currency
    from keys
    left outer join account_months
        on
            keys.account_id = account_months.account_id
            and keys.month_start = account_months.month_start
    left outer join service_converted
        on
            keys.account_id = service_converted.account_id
            and keys.month_start = service_converted.month_start
    left outer join lines_converted
        on
            keys.account_id = lines_converted.account_id
            and keys.month_start = lines_converted.month_start
),

final as (
    select
        ---------- keys
        account_id,
        month_start,

        ---------- numerics
        cast(level_0 as {{ money }}) as mrr,
        {%- for reason, level in [
            ('partial_month', 1),
            ('day_count', 2),
            ('first_payment_failed', 3),
            ('billed_in_advance', 4),
        ] %}
        case
            when not has_missing_fx_rate
                then cast(
                    level_{{ level }} - level_{{ level - 1 }} as {{ money }}
                )
        end as explained_{{ reason }},
        {%- endfor %}
        case
            when not has_missing_fx_rate then cast(level_4 as {{ money }})
        end as expected_revenue_at_plan_rates,
        case
            when not has_missing_fx_rate
                then cast(billed_in_other_currency as {{ money }})
        end as expected_in_other_currency,

        ---------- booleans
        has_missing_fx_rate
    from levels
)

select * from final
