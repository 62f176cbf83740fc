{{ config(
    materialized=cs_metrics.staging_materialization(
        'billing', 'plans'
    )
) }}

with

plans as (
    select * from {{ cs_metrics.raw_input('billing', 'plans') }}
),

renamed as (
    select
        ---------- ids
        cast(plan_id as {{ dbt.type_string() }}) as plan_id,

        ---------- strings
        cast(product_name as {{ dbt.type_string() }}) as product_name,
        lower(
            trim(cast(billing_interval as {{ dbt.type_string() }}))
        ) as billing_interval,
        upper(trim(cast(currency as {{ dbt.type_string() }}))) as currency,

        ---------- numerics
        cast(interval_count as {{ dbt.type_int() }}) as interval_count,
        cast(unit_amount as {{ cs_metrics.type_money() }}) as unit_amount,

        ---------- booleans
        cast(is_per_seat as {{ dbt.type_boolean() }}) as is_per_seat
    from plans
),

checked as (
    select
        *,
        {{ contract_violation_reason([
            ("billing_interval not in ('month', 'quarter', 'year')",
                'unknown billing_interval'),
            ('interval_count is null or interval_count < 1',
                'interval_count below 1'),
            ('unit_amount is null', 'missing unit_amount'),
            ('unit_amount < 0', 'negative unit_amount'),
            ('currency is null', 'missing currency'),
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
