{#-
    NPS component per account and month: responses with a valid score
    (0-10; others are left out) and responded_at in
    [t(M) - var nps_window_days days, t(M)); of those, the latest per
    respondent (the contact, or the response itself when anonymous);
    nps_score = 10 x their mean score. Account-months without such a
    response have no row (component null).
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

-- NPS validity is decided once, in int_nps_responses_scored
responses as (
    select * from {{ ref('int_nps_responses_scored') }}
    where not is_excluded
),

account_windows as (
    select
        account_id,
        month_start,
        snapshot_at,
        {{ dbt.dateadd(
            'day', -cs_metrics.setting('nps_window_days'), 'snapshot_at'
        ) }} as window_start_at
    from account_months
),

responses_in_window as (
    select
        account_windows.account_id,
        account_windows.month_start,
        responses.respondent_id,
        responses.response_id,
        responses.score,
        responses.responded_at
    from account_windows
    inner join responses
        on
            account_windows.account_id = responses.account_id
            and account_windows.window_start_at <= responses.responded_at
            and account_windows.snapshot_at > responses.responded_at
),

ranked as (
    select
        *,
        row_number() over (
            partition by account_id, month_start, respondent_id
            order by responded_at desc nulls last, response_id desc nulls last
        ) as recency_rank
    from responses_in_window
),

final as (
    select
        ---------- keys
        account_id,
        month_start,

        ---------- numerics
        cast(count(*) as {{ dbt.type_int() }}) as respondent_count,
        cast(
            avg(cast(score as {{ cs_metrics.type_score() }}))
            as {{ cs_metrics.type_score() }}
        ) as mean_score,
        cast(
            10 * sum(score) / cast(count(*) as {{ cs_metrics.type_score() }})
            as {{ cs_metrics.type_score() }}
        ) as nps_score,

        ---------- timestamps
        max(responded_at) as latest_responded_at
    from ranked
    where recency_rank = 1
    group by
        account_id,
        month_start
)

select * from final
