{{ config(
    materialized=cs_metrics.staging_materialization(
        'crm', 'nps_responses'
    )
) }}

with

responses as (
    select * from {{ cs_metrics.raw_input('crm', 'nps_responses') }}
),

-- the free-text comment may hold personal data: only its presence is kept
renamed as (
    select
        ---------- ids
        cast(response_id as {{ dbt.type_string() }}) as response_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,

        ---------- numerics
        cast(score as {{ dbt.type_int() }}) as score,

        ---------- booleans
        coalesce(
            trim(cast(comment as {{ dbt.type_string() }})) <> '', false
        ) as has_comment,

        ---------- timestamps
        {{ cs_metrics.utc_timestamp(
            cs_metrics.raw_input('crm', 'nps_responses'), 'responded_at'
        ) }} as responded_at
    from responses
),

checked as (
    select
        response_id,
        account_id,
        contact_id,
        -- who answered: the contact, or the response itself when anonymous
        -- (prefixed so a contact id never collides with a response id)
        case
            when contact_id is not null
                then {{ dbt.concat(["'contact:'", 'contact_id']) }}
            else {{ dbt.concat(["'response:'", 'response_id']) }}
        end as respondent_id,
        score,
        has_comment,
        coalesce(score between 0 and 10, false) as is_score_valid,
        responded_at,
        {{ contract_violation_reason([
            ('score is null', 'missing score'),
            ('score not between 0 and 10', 'score outside 0-10'),
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
