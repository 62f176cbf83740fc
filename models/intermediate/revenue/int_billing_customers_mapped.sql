{#-
    Which account each billing customer's revenue belongs to. A customer
    with no CRM account (or referenced by a subscription but missing from
    billing.customers) gets the stand-in account 'billing:<customer_id>', so
    revenue is never dropped. A customer pointing at an account_id the CRM
    does not hold keeps that id (revenue belongs to its account_id) and is
    listed as a data-quality issue.
-#}
with

customers as (
    select * from {{ ref('stg_billing__customers') }}
),

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

crm_accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

missing_customers as (
    select distinct subscriptions.customer_id
    from subscriptions
    left outer join customers
        on subscriptions.customer_id = customers.customer_id
    where
        customers.customer_id is null
        and subscriptions.customer_id is not null
),

all_customers as (
    select
        customer_id,
        account_id as crm_account_id,
        currency as customer_currency,
        false as is_missing_from_customers
    from customers

    union all

    select
        customer_id,
        cast(null as {{ dbt.type_string() }}) as crm_account_id,
        cast(null as {{ dbt.type_string() }}) as customer_currency,
        true as is_missing_from_customers
    from missing_customers
),

final as (
    select
        ---------- ids
        all_customers.customer_id,
        coalesce(
            all_customers.crm_account_id,
            {{ cs_metrics.standin_account_id('all_customers.customer_id') }}
        ) as account_id,

        ---------- strings
        all_customers.customer_currency,
        case
            when all_customers.is_missing_from_customers
                then 'customer_not_found'
            when all_customers.crm_account_id is null then 'unmapped'
            when crm_accounts.account_id is null then 'account_not_in_crm'
            else 'mapped'
        end as mapping_status,

        ---------- booleans
        all_customers.crm_account_id is null as is_unmapped,
        crm_accounts.account_id is not null as has_crm_account,
        all_customers.is_missing_from_customers
    from all_customers
    left outer join crm_accounts
        on all_customers.crm_account_id = crm_accounts.account_id
)

select * from final
