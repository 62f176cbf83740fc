{{ config(
    materialized=cs_metrics.staging_materialization(
        'crm', 'opportunities'
    )
) }}

with

opportunities as (
    select * from {{ cs_metrics.raw_input('crm', 'opportunities') }}
),

renamed as (
    select
        ---------- ids
        cast(opportunity_id as {{ dbt.type_string() }}) as opportunity_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(owner_id as {{ dbt.type_string() }}) as owner_id,

        ---------- strings
        lower(
            trim(cast(opportunity_type as {{ dbt.type_string() }}))
        ) as opportunity_type,
        -- `stage` is the interface name (a keyword in some dialects)
        lower(
            trim(cast(stage as {{ dbt.type_string() }}))
        ) as stage, -- noqa: RF04
        upper(trim(cast(currency as {{ dbt.type_string() }}))) as currency,

        ---------- numerics
        cast(amount as {{ cs_metrics.type_money() }}) as amount,

        ---------- dates
        {{ cs_metrics.utc_date(
            cs_metrics.raw_input('crm', 'opportunities'), 'close_date'
        ) }} as close_date,

        ---------- timestamps
        {{ cs_metrics.utc_timestamp(
            cs_metrics.raw_input('crm', 'opportunities'), 'created_at'
        ) }} as created_at
    from opportunities
),

checked as (
    select
        opportunity_id,
        account_id,
        owner_id,
        opportunity_type,
        stage,
        currency,
        amount,
        -- closed_won and closed_lost are the only terminal stages
        coalesce(stage in ('closed_won', 'closed_lost'), false) as is_closed,
        coalesce(stage = 'closed_won', false) as is_won,
        created_at,
        close_date,
        {{ contract_violation_reason([
            ("opportunity_type not in ('new_business', 'expansion', 'renewal')",
                'unknown opportunity_type'),
            ('amount < 0', 'negative amount'),
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
