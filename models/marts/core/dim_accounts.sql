{#-
    One row per account: every CRM account (soft-deleted ones included,
    flagged, so revenue already billed to them still joins), one stand-in
    per billing customer without a CRM account ('billing:<customer_id>'),
    and one placeholder per account_id that billing customers point at but
    the CRM does not hold. "current" columns come from the latest month in
    fct_account_months.
-#}
with

crm_accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

users as (
    select * from {{ ref('stg_crm__users') }}
),

billing_customers as (
    select * from {{ ref('int_billing_customers_mapped') }}
),

account_months as (
    select * from {{ ref('fct_account_months') }}
),

known_accounts as (
    select
        crm_accounts.account_id,
        crm_accounts.account_name,
        crm_accounts.parent_account_id,
        crm_accounts.industry,
        crm_accounts.region,
        crm_accounts.country_code,
        crm_accounts.acquisition_channel,
        crm_accounts.csm_owner_id,
        users.user_name as csm_owner_name,
        false as is_unmapped,
        coalesce(crm_accounts.is_deleted, false) as is_deleted
    from crm_accounts
    left outer join users
        on crm_accounts.csm_owner_id = users.user_id
),

-- Accounts that exist only in billing: stand-ins for unmapped customers
-- (one per customer) and account_ids missing from the CRM (one per id).
billing_only_accounts as (
    select distinct
        account_id,
        case
            when is_unmapped
                then {{ dbt.concat([
                    "'Unmapped billing customer '", 'customer_id'
                ]) }}
            else {{ dbt.concat([
                "'Account '", 'account_id', "' (not found in the CRM)'"
            ]) }}
        end as account_name
    from billing_customers
    where not has_crm_account
),

all_accounts as (
    select * from known_accounts

    union all

    select
        account_id,
        account_name,
        cast(null as {{ dbt.type_string() }}) as parent_account_id,
        cast(null as {{ dbt.type_string() }}) as industry,
        cast(null as {{ dbt.type_string() }}) as region,
        cast(null as {{ dbt.type_string() }}) as country_code,
        cast(null as {{ dbt.type_string() }}) as acquisition_channel,
        cast(null as {{ dbt.type_string() }}) as csm_owner_id,
        cast(null as {{ dbt.type_string() }}) as csm_owner_name,
        true as is_unmapped,
        false as is_deleted
    from billing_only_accounts
),

latest_month as (
    select max(month_start) as month_start
    from account_months
),

current_months as (
    select account_months.*
    from account_months
    inner join latest_month
        on account_months.month_start = latest_month.month_start
),

final as (
    select
        ---------- ids
        all_accounts.account_id,

        ---------- strings
        all_accounts.account_name,
        all_accounts.parent_account_id,
        all_accounts.industry,
        all_accounts.region,
        all_accounts.country_code,
        all_accounts.acquisition_channel,
        all_accounts.csm_owner_id,
        all_accounts.csm_owner_name,

        ---------- booleans
        all_accounts.is_unmapped,
        all_accounts.is_deleted,

        ---------- dates
        current_months.cohort_month,

        ---------- current state (latest month)
        cast(
            coalesce(current_months.mrr, 0) as {{ dbt.type_numeric() }}
        ) as current_mrr,
        cast(
            coalesce(current_months.arr, 0) as {{ dbt.type_numeric() }}
        ) as current_arr,
        current_months.tier as current_tier,
        current_months.service_model as current_service_model,
        current_months.health_score as current_health_score,
        current_months.health_status as current_health_status,
        current_months.lifecycle_stage as current_lifecycle_stage
    from all_accounts
    left outer join current_months
        on all_accounts.account_id = current_months.account_id
)

select * from final
