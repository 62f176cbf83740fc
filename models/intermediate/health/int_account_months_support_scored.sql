{#-
    Support component per account and month: tickets opened in
    [t(M) - var support_window_days days, t(M)), judged at the snapshot
    t(M) against their first-response target (sla_due_at):
      met     - first response before t(M) and no later than sla_due_at;
      missed  - first response after sla_due_at, or none before t(M)
                although sla_due_at < t(M);
      pending - neither yet (no response, target not passed): left out.
    support_score = 100 x met / (met + missed), null when met + missed = 0
    (only pending tickets). Account-months without a ticket in the window
    have no row.
    Incremental by month (doc block month_window): a run writes the months
    of its window only.
-#}
{{ config(**cs_metrics.month_window_config()) }}
{%- set window_start = cs_metrics.month_window() %}
with

account_months as (
    select * from {{ ref('int_account_months_spined') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

tickets as (
    select * from {{ ref('int_support_tickets_sla_timed') }}
),

account_windows as (
    select
        account_id,
        month_start,
        snapshot_at,
        {{ dbt.dateadd(
            'day', -cs_metrics.setting('support_window_days'), 'snapshot_at'
        ) }} as window_start_at
    from account_months
),

tickets_in_window as (
    select
        account_windows.account_id,
        account_windows.month_start,
        case
            when
                tickets.first_response_at < account_windows.snapshot_at
                and tickets.first_response_at <= tickets.sla_due_at
                then 'met'
            when
                tickets.first_response_at < account_windows.snapshot_at
                or tickets.sla_due_at < account_windows.snapshot_at
                then 'missed'
            else 'pending'
        end as sla_outcome
    from account_windows
    inner join tickets
        on
            account_windows.account_id = tickets.account_id
            and account_windows.window_start_at <= tickets.opened_at
            and account_windows.snapshot_at > tickets.opened_at
),

counted as (
    select
        account_id,
        month_start,
        sum(case when sla_outcome = 'met' then 1 else 0 end) as met_count,
        sum(case when sla_outcome = 'missed' then 1 else 0 end)
            as missed_count,
        sum(case when sla_outcome = 'pending' then 1 else 0 end)
            as pending_count
    from tickets_in_window
    group by
        account_id,
        month_start
),

final as (
    select
        ---------- keys
        account_id,
        month_start,

        ---------- numerics
        cast(met_count as {{ dbt.type_int() }}) as tickets_met,
        cast(missed_count as {{ dbt.type_int() }}) as tickets_missed,
        cast(pending_count as {{ dbt.type_int() }}) as tickets_pending,
        cast(
            case
                when met_count + missed_count > 0
                    then
                        100 * met_count
                        / cast(
                            met_count + missed_count
                            as {{ cs_metrics.type_score() }}
                        )
            end as {{ cs_metrics.type_score() }}
        ) as support_score
    from counted
)

select * from final
