{#-
    Payment component per account and month (every month of the account
    spine). An invoice is overdue at the snapshot t(M) when it is not draft,
    not void at t(M), due_at < t(M) and it was not paid before t(M) (paid_at
    null or >= t(M)). A void invoice is void at t(M) when its voided_at is
    null (or the raw column is absent: the void then applies to every month)
    or before t(M); voided later, it still counts in earlier months, so a
    later void never changes a past month. 100 with none overdue; var
    payment_partial_score when the
    oldest overdue invoice is at most var payment_grace_days days past due
    at t(M); 0 otherwise. Invoices reach accounts through their billing
    customer (stand-in 'billing:<customer_id>' when unmapped). Invoices
    breaking the raw contract (paid before issued, negative amounts, unknown
    status, no due date) are left out and listed in fct_data_quality_issues.
    Incremental by month (doc block month_window): a run writes the months
    of its window only.
-#}
{{ config(**cs_metrics.month_window_config()) }}
{%- set window_start = cs_metrics.month_window() %}
{%- set grace_days = cs_metrics.setting_sql('payment_grace_days') %}
with

account_months as (
    select * from {{ ref('int_account_months_spined') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

billing_customers as (
    select * from {{ ref('int_billing_customers_mapped') }}
),

-- Only invoices that are overdue at some month-end snapshot: not paid by
-- the first month boundary after their due date.
overdue_candidates as (
    select
        invoices.invoice_id,
        coalesce(
            billing_customers.account_id,
            {{ cs_metrics.standin_account_id('invoices.customer_id') }}
        ) as account_id,
        invoices.due_at,
        invoices.paid_at,
        -- only a void invoice's voided_at counts; null for the others
        case
            when invoices.status = 'void' then invoices.voided_at
        end as voided_at
    from invoices
    left outer join billing_customers
        on invoices.customer_id = billing_customers.customer_id
    -- an invoice breaking the raw contract (e.g. paid before it was issued)
    -- is left out of the score and listed in fct_data_quality_issues
    where
        not invoices.is_contract_violation
        and invoices.status <> 'draft'
        -- a void without voided_at is void at every snapshot
        and (invoices.status <> 'void' or invoices.voided_at is not null)
        and invoices.due_at is not null
        and (
            invoices.paid_at is null
            or invoices.paid_at >= {{ cs_metrics.add_months(
                cs_metrics.month_start_of('invoices.due_at'), 1
            ) }}
        )
),

account_snapshots as (
    select
        account_id,
        month_start,
        snapshot_at
    from account_months
),

overdue_at_snapshot as (
    select
        account_snapshots.account_id,
        account_snapshots.month_start,
        count(*) as overdue_invoice_count,
        min(overdue_candidates.due_at) as oldest_overdue_due_at
    from account_snapshots
    inner join overdue_candidates
        on
            account_snapshots.account_id = overdue_candidates.account_id
            and account_snapshots.snapshot_at > overdue_candidates.due_at
            and (
                overdue_candidates.paid_at is null
                or account_snapshots.snapshot_at <= overdue_candidates.paid_at
            )
            -- not void yet at the snapshot: voided at or after it
            and (
                overdue_candidates.voided_at is null
                or account_snapshots.snapshot_at <= overdue_candidates.voided_at
            )
    group by
        account_snapshots.account_id,
        account_snapshots.month_start
),

measured as (
    select
        account_snapshots.account_id,
        account_snapshots.month_start,
        coalesce(overdue_at_snapshot.overdue_invoice_count, 0)
            as overdue_invoice_count,
        -- calendar days: t(M) is midnight, so "at most N days past due" on
        -- whole days equals the exact elapsed time being at most N days
        {{ dbt.datediff(
            'overdue_at_snapshot.oldest_overdue_due_at',
            'account_snapshots.snapshot_at',
            'day'
        ) }} as oldest_overdue_days,
        overdue_at_snapshot.oldest_overdue_due_at
    from account_snapshots
    left outer join overdue_at_snapshot
        on
            account_snapshots.account_id = overdue_at_snapshot.account_id
            and account_snapshots.month_start = overdue_at_snapshot.month_start
),

final as (
    select
        ---------- keys
        account_id,
        month_start,

        ---------- numerics
        cast(overdue_invoice_count as {{ dbt.type_int() }})
            as overdue_invoice_count,
        cast(oldest_overdue_days as {{ dbt.type_int() }})
            as oldest_overdue_days,
        cast(
            case
                when overdue_invoice_count = 0 then 100
                when oldest_overdue_days <= {{ grace_days }}
                    then {{ cs_metrics.setting_sql('payment_partial_score') }}
                else 0
            end as {{ cs_metrics.type_score() }}
        ) as payment_score,

        ---------- timestamps
        oldest_overdue_due_at
    from measured
)

select * from final
