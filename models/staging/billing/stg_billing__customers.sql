{{ config(
    materialized=cs_metrics.staging_materialization(
        'billing', 'customers'
    )
) }}

with

customers as (
    select * from {{ cs_metrics.raw_input('billing', 'customers') }}
),

renamed as (
    select
        ---------- ids
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        -- an empty mapping is no mapping
        nullif(
            trim(cast(account_id as {{ dbt.type_string() }})), ''
        ) as account_id,

        ---------- strings
        upper(trim(cast(currency as {{ dbt.type_string() }}))) as currency,

        ---------- timestamps
        {{ cs_metrics.utc_timestamp(
            cs_metrics.raw_input('billing', 'customers'), 'created_at'
        ) }} as created_at
    from customers
),

checked as (
    select
        customer_id,
        account_id,
        currency,
        account_id is null as is_unmapped,
        created_at,
        {{ contract_violation_reason([
            ('currency is null', 'missing currency'),
            (dbt.length('currency') ~ ' <> 3', 'invalid currency'),
        ]) }} as contract_violation_reason
    from renamed
),

final as (
    select
        *,
        contract_violation_reason is not null as is_contract_violation
    from checked
)

select * from final
