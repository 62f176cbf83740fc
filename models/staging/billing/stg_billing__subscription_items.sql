{{ config(
    materialized=cs_metrics.staging_materialization(
        'billing', 'subscription_items'
    )
) }}

with

items as (
    select * from {{ cs_metrics.raw_input('billing', 'subscription_items') }}
),

renamed as (
    select
        ---------- ids
        cast(
            subscription_item_id as {{ dbt.type_string() }}
        ) as subscription_item_id,
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(plan_id as {{ dbt.type_string() }}) as plan_id,

        ---------- numerics
        cast(quantity as {{ dbt.type_bigint() }}) as quantity,
        -- null: the plan's price applies
        cast(
            unit_amount as {{ cs_metrics.type_money() }}
        ) as unit_amount_override,
        coalesce(
            cast(discount_percent as {{ dbt.type_numeric() }}), 0
        ) as discount_percent,

        ---------- timestamps
        {{ cs_metrics.utc_timestamp(
            cs_metrics.raw_input('billing', 'subscription_items'), 'valid_from'
        ) }} as valid_from_at,
        {{ cs_metrics.utc_timestamp(
            cs_metrics.raw_input('billing', 'subscription_items'), 'valid_to'
        ) }} as valid_to_at
    from items
),

checked as (
    select
        *,
        {{ contract_violation_reason([
            ('quantity is null', 'missing quantity'),
            ('quantity < 0', 'negative quantity'),
            ('unit_amount_override < 0', 'negative unit_amount'),
            ('discount_percent not between 0 and 100',
                'discount_percent outside 0-100'),
            ('valid_to_at <= valid_from_at', 'valid_to not after valid_from'),
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
