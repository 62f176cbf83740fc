{{ config(
    materialized=cs_metrics.staging_materialization(
        'support', 'tickets'
    )
) }}

with

tickets as (
    select * from {{ cs_metrics.raw_input('support', 'tickets') }}
),

renamed as (
    select
        ---------- ids
        cast(ticket_id as {{ dbt.type_string() }}) as ticket_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,

        ---------- strings
        -- unknown priorities are kept as they are (and flagged); later
        -- models give them the SLA of var support_default_priority
        lower(trim(cast(priority as {{ dbt.type_string() }}))) as priority,
        lower(trim(cast(status as {{ dbt.type_string() }}))) as status,

        ---------- numerics
        cast(csat_score as {{ dbt.type_int() }}) as csat_score,

        ---------- timestamps
        {{ cs_metrics.utc_timestamp(
            cs_metrics.raw_input('support', 'tickets'), 'opened_at'
        ) }} as opened_at,
        {{ cs_metrics.utc_timestamp(
            cs_metrics.raw_input('support', 'tickets'), 'first_response_at'
        ) }} as first_response_at,
        {{ cs_metrics.utc_timestamp(
            cs_metrics.raw_input('support', 'tickets'), 'solved_at'
        ) }} as solved_at
    from tickets
),

-- a first response before the ticket was opened gives a negative response
-- time: such a ticket is left out of the support score (and listed)
ordered as (
    select
        *,
        not coalesce(
            first_response_at < opened_at, false
        ) as is_response_time_valid
    from renamed
),

checked as (
    select
        *,
        {{ contract_violation_reason([
            ("priority is null or priority not in"
                ~ " ('low', 'normal', 'high', 'urgent')",
                'unknown priority'),
            ("status not in ('open', 'pending', 'solved', 'closed')",
                'unknown status'),
            ('csat_score not between 1 and 5', 'csat_score outside 1-5'),
            ('not is_response_time_valid',
                'first_response_at before opened_at'),
        ]) }} as contract_violation_reason
    from ordered
),

final as (
    select
        *,
        contract_violation_reason is not null as is_contract_violation
    from checked
)

select * from final
