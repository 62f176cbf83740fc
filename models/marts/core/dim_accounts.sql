{#-
    One row per account (int_accounts_unioned: CRM accounts, soft-deleted
    ones flagged, stand-ins for unmapped billing customers and placeholders
    for account_ids the CRM does not hold), with its cohort and its state in
    the as-of month (the latest month of fct_account_months) read from the
    intermediate models fct_account_months is built from - never from the
    fact itself.
-#}
with

accounts as (
    select * from {{ ref('int_accounts_unioned') }}
),

account_months as (
    select * from {{ ref('int_account_months_spined') }}
    where month_start = {{ as_of_month() }}
),

classified_months as (
    select * from {{ ref('int_account_months_classified') }}
    where month_start = {{ as_of_month() }}
),

health_months as (
    select * from {{ ref('int_account_months_health_scored') }}
    where month_start = {{ as_of_month() }}
),

lifecycle_months as (
    select * from {{ ref('int_account_months_lifecycle_staged') }}
    where month_start = {{ as_of_month() }}
),

final as (
    select
        ---------- ids
        accounts.account_id,

        ---------- strings
        accounts.account_name,
        accounts.parent_account_id,
        accounts.industry,
        accounts.region,
        accounts.country_code,
        accounts.acquisition_channel,
        accounts.csm_owner_id,
        accounts.csm_owner_name,

        ---------- booleans
        accounts.is_unmapped,
        accounts.is_deleted,

        ---------- dates
        account_months.cohort_month,

        ---------- current state (as-of month)
        cast(
            coalesce(account_months.mrr, 0) as {{ cs_metrics.type_money() }}
        ) as current_mrr,
        cast(
            coalesce({{ cs_metrics.mrr_to_arr('account_months.mrr') }}, 0)
            as {{ cs_metrics.type_money() }}
        ) as current_arr,
        classified_months.tier as current_tier,
        classified_months.service_model as current_service_model,
        health_months.health_score as current_health_score,
        health_months.health_status as current_health_status,
        lifecycle_months.lifecycle_stage as current_lifecycle_stage
    from accounts
    left outer join account_months
        on accounts.account_id = account_months.account_id
    left outer join classified_months
        on accounts.account_id = classified_months.account_id
    left outer join health_months
        on accounts.account_id = health_months.account_id
    left outer join lifecycle_months
        on accounts.account_id = lifecycle_months.account_id
)

select * from final
