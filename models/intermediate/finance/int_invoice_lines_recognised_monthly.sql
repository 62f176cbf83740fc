{#-
    Recognised revenue of one invoice line in one month, in the invoice's
    currency: the line amount spread evenly over the days of its service
    period [period_start, period_end) and summed over the days that fall in
    M. Only lines of type subscription or proration on invoices that are
    neither void nor draft count; lines or invoices breaking the raw
    contract, and lines without a service period, are left out. A line whose
    period is empty (period_end = period_start) is treated as one day.
    plan_currency is the currency of the plan the line bills (null without
    a known plan): the revenue recognition check takes lines billed in
    another currency than their plan's as they are (invoice_currency).
    Months run over the calendar (through the as-of month).
    Incremental by month (doc block month_window): a run writes the months
    of its window only.
-#}
{{ config(**cs_metrics.month_window_config()) }}
{%- set window_start = cs_metrics.month_window() -%}
with

lines as (
    select * from {{ ref('stg_billing__invoice_lines') }}
    where
        not is_contract_violation
        and line_type in ('subscription', 'proration')
        and period_start_date is not null
        and period_end_date is not null
),

invoices as (
    select * from {{ ref('stg_billing__invoices') }}
    where
        not is_contract_violation
        and status not in ('void', 'draft')
),

billing_customers as (
    select * from {{ ref('int_billing_customers_mapped') }}
),

plans as (
    select * from {{ ref('stg_billing__plans') }}
),

months as (
    select * from {{ ref('int_months_spined') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

periods as (
    select
        lines.invoice_line_id,
        lines.invoice_id,
        coalesce(
            billing_customers.account_id,
            {{ cs_metrics.standin_account_id('invoices.customer_id') }}
        ) as account_id,
        invoices.currency,
        plans.currency as plan_currency,
        lines.amount,
        lines.period_start_date,
        case
            when lines.period_end_date > lines.period_start_date
                then lines.period_end_date
            else cast(
                {{ dbt.dateadd('day', 1, 'lines.period_start_date') }}
                as date
            )
        end as period_end_date
    from lines
    inner join invoices
        on lines.invoice_id = invoices.invoice_id
    -- an invoice of a customer the mapping does not know still counts,
    -- under its stand-in account
    left outer join billing_customers
        on invoices.customer_id = billing_customers.customer_id
    left outer join plans
        on lines.plan_id = plans.plan_id
),

month_bounds as (
    select
        month_start,
        cast(snapshot_at as date) as next_month_start
    from months
),

overlapping as (
    select
        periods.*,
        month_bounds.month_start,
        {{ dbt.datediff(
            'periods.period_start_date', 'periods.period_end_date', 'day'
        ) }} as period_days,
        {{ cs_metrics.days_overlapping(
            'periods.period_start_date',
            'periods.period_end_date',
            'month_bounds.month_start',
            'month_bounds.next_month_start',
        ) }} as days_in_month
    from periods
    inner join month_bounds
        on
            periods.period_start_date < month_bounds.next_month_start
            and periods.period_end_date > month_bounds.month_start
),

final as (
    select
        ---------- keys
        invoice_line_id,
        month_start,

        ---------- ids
        invoice_id,
        account_id,

        ---------- strings
        currency,
        plan_currency,

        ---------- numerics
        amount,
        cast(period_days as {{ dbt.type_int() }}) as period_days,
        cast(days_in_month as {{ dbt.type_int() }}) as days_in_month,
        -- the share of the amount, exactly, at the money type's scale
        {{ cs_metrics.divide_money(
            'amount * days_in_month', 'period_days'
        ) }} as recognised_local,

        ---------- dates
        period_start_date,
        period_end_date
    from overlapping
)

select * from final
