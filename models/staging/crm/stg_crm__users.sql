{{ config(
    materialized=cs_metrics.staging_materialization(
        'crm', 'users'
    )
) }}

with

users as (
    select * from {{ cs_metrics.raw_input('crm', 'users') }}
),

renamed as (
    select
        ---------- ids
        cast(user_id as {{ dbt.type_string() }}) as user_id,

        ---------- strings
        -- owners' names appear on reports (book of business); emails do not
        cast(full_name as {{ dbt.type_string() }}) as user_name,
        lower(trim(cast(role as {{ dbt.type_string() }}))) as user_role,
        trim(cast(team as {{ dbt.type_string() }})) as team,

        ---------- booleans
        cast(is_active as {{ dbt.type_boolean() }}) as is_active
    from users
),

checked as (
    select
        *,
        {{ contract_violation_reason([
            ("user_role not in ('csm', 'ae', 'manager', 'other')",
                'unknown user_role'),
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
