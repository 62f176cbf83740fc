{#-
    One row per support ticket with its first-response target: the SLA
    hours of its priority (seed support_sla_hours); a priority the seed
    does not know gets the SLA of var support_default_priority. Whether the
    target was met depends on the snapshot instant and is decided per
    account-month in int_account_months_support_scored. A ticket answered
    before it was opened (is_response_time_valid false) is left out: it
    would count as met with a negative response time; it is listed in
    fct_data_quality_issues.
-#}
with

tickets as (
    select * from {{ ref('stg_support__tickets') }}
    where
        account_id is not null
        and opened_at is not null
        and is_response_time_valid
),

sla_hours as (
    select * from {{ ref('support_sla_hours') }}
),

default_sla as (
    select sla_hours
    from sla_hours
    where priority = {{ cs_metrics.setting_sql('support_default_priority') }}
),

timed as (
    select
        tickets.ticket_id,
        tickets.account_id,
        tickets.priority,
        case
            when sla_hours.priority is not null then tickets.priority
            else {{ cs_metrics.setting_sql('support_default_priority') }}
        end as sla_priority,
        coalesce(sla_hours.sla_hours, default_sla.sla_hours) as sla_hours,
        sla_hours.priority is not null as is_priority_known,
        tickets.opened_at,
        tickets.first_response_at
    from tickets
    left outer join sla_hours
        on tickets.priority = sla_hours.priority
    -- a left join, so a misconfigured default leaves sla_hours null (and
    -- fails the not_null test) instead of dropping every ticket
    left outer join default_sla
        on 1 = 1
),

final as (
    select
        ---------- ids
        ticket_id,
        account_id,

        ---------- strings
        priority,
        sla_priority,

        ---------- numerics
        cast(sla_hours as {{ dbt.type_int() }}) as sla_hours,

        ---------- booleans
        is_priority_known,
        coalesce(
            first_response_at <= {{ dbt.dateadd(
                'hour', 'sla_hours', 'opened_at'
            ) }},
            false
        ) as is_first_response_within_sla,

        ---------- timestamps
        opened_at,
        first_response_at,
        {{ dbt.dateadd('hour', 'sla_hours', 'opened_at') }} as sla_due_at
    from timed
)

select * from final
