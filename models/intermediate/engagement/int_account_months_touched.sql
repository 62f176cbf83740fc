{#-
    CS touches per account and month (every row of the backbone,
    int_account_months_spined):
    activities in the month, by type, and the state at the month's snapshot.
    The snapshot is t(M) for a complete month and the start of as_of_date
    for the as-of month (that day is not complete yet), i.e.
    least(t(M), as_of_date). Touches in the month count the whole calendar
    month; the last touch and the QBR window look strictly before the
    snapshot. Activities breaking the raw contract (unknown type) are left
    out.
    Incremental by month (doc block month_window): a run writes the months
    of its window only.
-#}
{{ config(**cs_metrics.month_window_config()) }}
{%- set window_start = cs_metrics.month_window() %}
{%- set as_of_at -%}
cast({{ as_of_date() }} as {{ dbt.type_timestamp() }})
{%- endset -%}

with

account_months as (
    select * from {{ ref('int_account_months_spined') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

activities as (
    select * from {{ ref('stg_crm__activities') }}
    where
        not is_contract_violation
        and account_id is not null
        and occurred_at is not null
),

snapshots as (
    select
        account_id,
        month_start,
        snapshot_at as month_end_at,
        case
            when snapshot_at < {{ as_of_at }} then snapshot_at
            else {{ as_of_at }}
        end as snapshot_at
    from account_months
),

windowed as (
    select
        *,
        cast(
            {{ dbt.dateadd(
                'day', -1 * cs_metrics.setting('qbr_window_days'), 'snapshot_at'
            ) }} as {{ dbt.type_timestamp() }}
        ) as qbr_window_start_at
    from snapshots
),

-- each account-month meets every earlier activity of its account once
joined as (
    select
        windowed.account_id,
        windowed.month_start,
        windowed.snapshot_at,
        windowed.qbr_window_start_at,
        activities.activity_type,
        activities.occurred_at,
        activities.occurred_at >= cast(
            windowed.month_start as {{ dbt.type_timestamp() }}
        ) as is_in_month
    from windowed
    left outer join activities
        on
            windowed.account_id = activities.account_id
            and windowed.month_end_at > activities.occurred_at
),

summed as (
    select
        account_id,
        month_start,
        snapshot_at,
        count(case when is_in_month then 1 end) as touches,
        count(
            case when is_in_month and activity_type = 'call' then 1 end
        ) as calls,
        count(
            case when is_in_month and activity_type = 'meeting' then 1 end
        ) as meetings,
        count(
            case when is_in_month and activity_type = 'qbr' then 1 end
        ) as qbrs,
        count(
            case when is_in_month and activity_type = 'onboarding' then 1 end
        ) as onboarding_sessions,
        count(
            case when is_in_month and activity_type = 'email' then 1 end
        ) as emails,
        count(
            case when is_in_month and activity_type = 'escalation' then 1 end
        ) as escalations,
        max(
            case when occurred_at < snapshot_at then occurred_at end
        ) as last_touch_at,
        max(
            case
                when
                    activity_type = 'qbr'
                    and occurred_at >= qbr_window_start_at
                    and occurred_at < snapshot_at
                    then 1
                else 0
            end
        ) as recent_qbr_flag
    from joined
    group by
        account_id,
        month_start,
        snapshot_at
),

final as (
    select
        ---------- keys
        account_id,
        month_start,

        ---------- numerics
        cast(touches as {{ dbt.type_int() }}) as touches,
        cast(calls as {{ dbt.type_int() }}) as calls,
        cast(meetings as {{ dbt.type_int() }}) as meetings,
        cast(qbrs as {{ dbt.type_int() }}) as qbrs,
        cast(
            onboarding_sessions as {{ dbt.type_int() }}
        ) as onboarding_sessions,
        cast(emails as {{ dbt.type_int() }}) as emails,
        cast(escalations as {{ dbt.type_int() }}) as escalations,
        cast(
            {{ dbt.datediff(
                'cast(last_touch_at as date)',
                'cast(snapshot_at as date)',
                'day'
            ) }} as {{ dbt.type_int() }}
        ) as days_since_last_touch,

        ---------- booleans
        recent_qbr_flag = 1 as has_qbr_last_90_days,

        ---------- timestamps
        snapshot_at,
        last_touch_at
    from summed
)

select * from final
