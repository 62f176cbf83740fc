{{ config(
    materialized=cs_metrics.staging_materialization(
        'crm', 'contacts'
    )
) }}

with

contacts as (
    select * from {{ cs_metrics.raw_input('crm', 'contacts') }}
),

-- full_name and email are personal data and stop here
renamed as (
    select
        ---------- ids
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,

        ---------- strings
        trim(cast(title as {{ dbt.type_string() }})) as contact_title,

        ---------- booleans
        cast(
            is_decision_maker as {{ dbt.type_boolean() }}
        ) as is_decision_maker,

        ---------- timestamps
        {{ cs_metrics.utc_timestamp(
            cs_metrics.raw_input('crm', 'contacts'), 'created_at'
        ) }} as created_at
    from contacts
),

checked as (
    select
        *,
        {{ contract_violation_reason([
            ('account_id is null', 'missing account_id'),
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
