{#-
    Every raw row the revenue models left out of MRR or treated specially,
    with its reason: one row per (source table, record, issue). Rows with
    is_excluded_from_mrr = true are missing from every MRR figure; the
    others are counted but worth a look (e.g. a plan priced in another
    currency than its billing customer: MRR uses the plan's currency; an
    item version cut where the next version of the same item starts).
    affected_amount is the monthly amount at stake, in affected_currency
    (null when the row cannot be priced).
-#}
with

priced_items as (
    select * from {{ ref('int_subscription_items_priced') }}
),

billing_customers as (
    select * from {{ ref('int_billing_customers_mapped') }}
),

fx_rates as (
    select * from {{ ref('stg_finance__fx_rates') }}
),

excluded_items as (
    select
        'billing.subscription_items' as source_table,
        {{ dbt.concat([
            'subscription_item_id',
            "'@'",
            'cast(valid_from_at as ' ~ dbt.type_string() ~ ')',
        ]) }} as record_id,
        'item_excluded_from_mrr' as issue_type,
        exclusion_reason as issue_description,
        account_id,
        customer_id,
        subscription_id,
        -- an excluded version is not priced: no amount, so no currency
        mrr_local as affected_amount,
        cast(null as {{ dbt.type_string() }}) as affected_currency,
        true as is_excluded_from_mrr
    from priced_items
    where is_excluded_from_mrr
),

overlapping_versions as (
    select
        'billing.subscription_items' as source_table,
        {{ dbt.concat([
            'subscription_item_id',
            "'@'",
            'cast(valid_from_at as ' ~ dbt.type_string() ~ ')',
        ]) }} as record_id,
        'overlapping_item_version' as issue_type,
        {{ dbt.concat([
            "'version valid until '",
            "coalesce(cast(valid_to_at as " ~ dbt.type_string()
                ~ "), 'open end')",
            "' overlaps the next version of the item, valid from '",
            'cast(next_valid_from_at as ' ~ dbt.type_string() ~ ')',
            "'; cut there so the item counts once (the later version wins)'",
        ]) }} as issue_description,
        account_id,
        customer_id,
        subscription_id,
        mrr_local as affected_amount,
        currency as affected_currency,
        false as is_excluded_from_mrr
    from priced_items
    where is_overlapping
),

currency_mismatches as (
    select
        'billing.subscription_items' as source_table,
        {{ dbt.concat([
            'subscription_item_id',
            "'@'",
            'cast(valid_from_at as ' ~ dbt.type_string() ~ ')',
        ]) }} as record_id,
        'plan_currency_differs_from_customer' as issue_type,
        {{ dbt.concat([
            "'plan '", 'plan_id', "' is priced in '", 'currency',
            "' but customer '", 'customer_id', "' is billed in '",
            'customer_currency',
            "'; MRR uses the plan currency (converted at its own rate)'",
        ]) }} as issue_description,
        account_id,
        customer_id,
        subscription_id,
        mrr_local as affected_amount,
        currency as affected_currency,
        false as is_excluded_from_mrr
    from priced_items
    where has_currency_mismatch and not is_excluded_from_mrr
),

customer_mapping_issues as (
    select
        case
            when mapping_status = 'customer_not_found'
                then 'billing.subscriptions'
            else 'billing.customers'
        end as source_table,
        customer_id as record_id,
        mapping_status as issue_type,
        case
            when mapping_status = 'customer_not_found'
                then {{ dbt.concat([
                    "'subscriptions reference customer '", 'customer_id',
                    "' which billing.customers does not hold; revenue kept '",
                    "'under the stand-in account '", 'account_id',
                ]) }}
            else {{ dbt.concat([
                "'customer '", 'customer_id', "' points at account '",
                'account_id',
                "' which crm.accounts does not hold; revenue kept under '",
                "'that account_id'",
            ]) }}
        end as issue_description,
        account_id,
        customer_id,
        cast(null as {{ dbt.type_string() }}) as subscription_id,
        cast(null as {{ cs_metrics.type_money() }}) as affected_amount,
        cast(null as {{ dbt.type_string() }}) as affected_currency,
        false as is_excluded_from_mrr
    from billing_customers
    where mapping_status in ('customer_not_found', 'account_not_in_crm')
),

excluded_fx_rates as (
    select
        'finance.fx_rates' as source_table,
        {{ dbt.concat([
            'currency', "'@'", 'cast(rate_date as ' ~ dbt.type_string() ~ ')',
        ]) }} as record_id,
        'fx_rate_excluded' as issue_type,
        {{ dbt.concat([
            "'rate breaks the raw contract and is not used: '",
            "coalesce(contract_violation_reason, 'unknown')",
        ]) }} as issue_description,
        cast(null as {{ dbt.type_string() }}) as account_id,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as subscription_id,
        cast(null as {{ cs_metrics.type_money() }}) as affected_amount,
        cast(null as {{ dbt.type_string() }}) as affected_currency,
        true as is_excluded_from_mrr
    from fx_rates
    where is_contract_violation
),

final as (
    select * from excluded_items
    union all
    select * from overlapping_versions
    union all
    select * from currency_mismatches
    union all
    select * from customer_mapping_issues
    union all
    select * from excluded_fx_rates
)

select * from final
