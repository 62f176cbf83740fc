{{ config(
    materialized=cs_metrics.staging_materialization(
        'crm', 'activities'
    )
) }}

with

activities as (
    select * from {{ cs_metrics.raw_input('crm', 'activities') }}
),

renamed as (
    select
        ---------- ids
        cast(activity_id as {{ dbt.type_string() }}) as activity_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(owner_id as {{ dbt.type_string() }}) as owner_id,

        ---------- strings
        lower(
            trim(cast(activity_type as {{ dbt.type_string() }}))
        ) as activity_type,

        ---------- timestamps
        {{ cs_metrics.utc_timestamp(
            cs_metrics.raw_input('crm', 'activities'), 'occurred_at'
        ) }} as occurred_at
    from activities
),

checked as (
    select
        *,
        {{ contract_violation_reason([
            ("activity_type not in ('call', 'email', 'meeting', 'qbr',"
                ~ " 'onboarding', 'training', 'escalation', 'other')",
                'unknown activity_type'),
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
