{#-
    Every account revenue or CS data can belong to, one row each: every CRM
    account (soft-deleted ones included, flagged, so revenue already billed
    to them still joins) with its CSM owner's name, one stand-in per billing
    customer without a CRM account ('billing:<customer_id>'), and one
    placeholder per account_id that billing customers point at but the CRM
    does not hold. The base of dim_accounts.
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

final as (
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
)

select * from final
