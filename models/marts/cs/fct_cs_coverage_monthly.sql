{#-
    CS coverage per account and month (every account-month of
    fct_account_months, read from the same intermediate models): touches in the month and by type, days since the
    last touch and whether a QBR happened in the last qbr_window_days days,
    both at the month's snapshot (t(M); the start of as_of_date in the
    as-of month). Lifecycle stage and service model are the account's at
    the end of M; the CSM owner is the current CRM owner.
    Incremental by month (doc block month_window): a run writes the months
    of its window only.
-#}
{{ config(**cs_metrics.month_window_config('crm')) }}
{%- set window_start = cs_metrics.month_window('crm') -%}
with

account_months as (
    select * from {{ ref('int_account_months_spined') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

classified_months as (
    select * from {{ ref('int_account_months_classified') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

lifecycle_months as (
    select * from {{ ref('int_account_months_lifecycle_staged') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

accounts as (
    select * from {{ ref('int_accounts_unioned') }}
),

touched as (
    select * from {{ ref('int_account_months_touched') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

final as (
    select
        ---------- keys
        account_months.account_id,
        account_months.month_start,

        ---------- ids
        accounts.csm_owner_id,

        ---------- strings
        lifecycle_months.lifecycle_stage,
        classified_months.service_model,
        classified_months.tier,

        ---------- numerics
        coalesce(touched.touches, 0) as touches,
        coalesce(touched.calls, 0) as calls,
        coalesce(touched.meetings, 0) as meetings,
        coalesce(touched.qbrs, 0) as qbrs,
        coalesce(touched.onboarding_sessions, 0) as onboarding_sessions,
        coalesce(touched.emails, 0) as emails,
        coalesce(touched.escalations, 0) as escalations,
        touched.days_since_last_touch,
        account_months.mrr,

        ---------- booleans
        classified_months.is_active,
        coalesce(touched.has_qbr_last_90_days, false) as has_qbr_last_90_days,
        account_months.is_month_complete,

        ---------- timestamps
        touched.snapshot_at,
        touched.last_touch_at
    from account_months
    left outer join classified_months
        on
            account_months.account_id = classified_months.account_id
            and account_months.month_start = classified_months.month_start
    left outer join lifecycle_months
        on
            account_months.account_id = lifecycle_months.account_id
            and account_months.month_start = lifecycle_months.month_start
    left outer join accounts
        on account_months.account_id = accounts.account_id
    left outer join touched
        on
            account_months.account_id = touched.account_id
            and account_months.month_start = touched.month_start
)

select * from final
