{#-
    Programme-level NPS per month and tier (plus tier = 'all'):
      nps = 100 x (promoters - detractors) / responses
    over the responses of the month ([first day of M, t(M))) and over the
    trailing nps_trailing_days days ending at the month's end
    ([t(M) - nps_trailing_days days, t(M))). A response counts in the tier
    its account has at the end of M (int_account_months_classified, the
    tier of fct_account_months), 'unknown' when
    the account has no row that month (not yet a paying customer, or not in
    the CRM). Excluded responses (int_nps_responses_scored) never count.
    Rows: every month from the first scored response through the as-of
    month for 'all'; tier rows where the month or the trailing window
    holds a response.
-#}
{%- set ratio = cs_metrics.type_ratio() -%}

with

responses as (
    select * from {{ ref('int_nps_responses_scored') }}
    where not is_excluded
),

months as (
    select * from {{ ref('int_months_spined') }}
),

account_months as (
    select * from {{ ref('int_account_months_classified') }}
),

first_response as (
    select min(response_month) as first_month_start
    from responses
),

windows as (
    select
        months.month_start,
        months.snapshot_at as month_end_at,
        cast(
            {{ dbt.dateadd(
                'day', -1 * cs_metrics.setting('nps_trailing_days'), 'months.snapshot_at'
            ) }} as {{ dbt.type_timestamp() }}
        ) as trailing_start_at
    from months
    inner join first_response
        on months.month_start >= first_response.first_month_start
),

-- each month meets the responses of its own month and of its trailing
-- window (either may be the longer one: nps_trailing_days is a var)
windowed as (
    select
        windows.month_start,
        responses.response_id,
        responses.nps_band,
        responses.response_month = windows.month_start as is_in_month,
        responses.responded_at >= windows.trailing_start_at as is_in_trailing,
        coalesce(account_months.tier, 'unknown') as tier
    from windows
    inner join responses
        on
            windows.month_end_at > responses.responded_at
            and (
                windows.trailing_start_at <= responses.responded_at
                or windows.month_start = responses.response_month
            )
    left outer join account_months
        on
            responses.account_id = account_months.account_id
            and windows.month_start = account_months.month_start
),

tiered as (
    select
        month_start,
        tier,
        is_in_month,
        is_in_trailing,
        nps_band
    from windowed

    union all

    select
        month_start,
        'all' as tier,
        is_in_month,
        is_in_trailing,
        nps_band
    from windowed
),

counted as (
    select
        month_start,
        tier,
        count(case when is_in_month then 1 end) as responses,
        count(
            case when is_in_month and nps_band = 'promoter' then 1 end
        ) as promoters,
        count(
            case when is_in_month and nps_band = 'passive' then 1 end
        ) as passives,
        count(
            case when is_in_month and nps_band = 'detractor' then 1 end
        ) as detractors,
        count(case when is_in_trailing then 1 end) as trailing_responses,
        count(
            case when is_in_trailing and nps_band = 'promoter' then 1 end
        ) as trailing_promoters,
        count(
            case when is_in_trailing and nps_band = 'detractor' then 1 end
        ) as trailing_detractors
    from tiered
    group by
        month_start,
        tier
),

-- 'all' has a row every month, even with no response in the window
grid as (
    select
        windows.month_start,
        'all' as tier
    from windows

    union

    select
        month_start,
        tier
    from counted
),

final as (
    select
        ---------- keys
        grid.month_start,
        grid.tier,

        ---------- numerics
        cast(
            coalesce(counted.responses, 0) as {{ dbt.type_bigint() }}
        ) as responses,
        cast(
            coalesce(counted.promoters, 0) as {{ dbt.type_bigint() }}
        ) as promoters,
        cast(
            coalesce(counted.passives, 0) as {{ dbt.type_bigint() }}
        ) as passives,
        cast(
            coalesce(counted.detractors, 0) as {{ dbt.type_bigint() }}
        ) as detractors,
        cast(
            100 * cast(
                counted.promoters - counted.detractors
                as {{ ratio }}
            )
            / nullif(counted.responses, 0)
            as {{ ratio }}
        ) as nps,
        cast(
            coalesce(counted.trailing_responses, 0) as {{ dbt.type_bigint() }}
        ) as trailing_responses,
        cast(
            coalesce(counted.trailing_promoters, 0) as {{ dbt.type_bigint() }}
        ) as trailing_promoters,
        cast(
            coalesce(counted.trailing_detractors, 0)
            as {{ dbt.type_bigint() }}
        ) as trailing_detractors,
        cast(
            100 * cast(
                counted.trailing_promoters - counted.trailing_detractors
                as {{ ratio }}
            )
            / nullif(counted.trailing_responses, 0)
            as {{ ratio }}
        ) as trailing_nps,

        ---------- booleans
        months.is_month_complete
    from grid
    inner join months
        on grid.month_start = months.month_start
    left outer join counted
        on
            grid.month_start = counted.month_start
            and grid.tier = counted.tier
)

select * from final
