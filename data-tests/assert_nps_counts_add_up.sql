{#-
    In every NPS row the bands add up to the responses and NPS lies within
    -100 and 100; each month's tier rows add up to its 'all' row, for the
    month and for the trailing window. Returns the rows that break it.
-#}
with

nps_months as (
    select * from {{ ref('fct_nps_monthly') }}
),

tier_totals as (
    select
        month_start,
        sum(responses) as responses,
        sum(trailing_responses) as trailing_responses
    from nps_months
    where tier <> 'all'
    group by month_start
),

band_problems as (
    select
        month_start,
        tier,
        'bands do not add up or nps out of range' as problem
    from nps_months
    where
        promoters + passives + detractors <> responses
        or trailing_promoters + trailing_detractors > trailing_responses
        or responses > trailing_responses
        or nps < -100
        or nps > 100
        or trailing_nps < -100
        or trailing_nps > 100
),

total_problems as (
    select
        nps_months.month_start,
        nps_months.tier,
        'tiers do not add up to all' as problem
    from nps_months
    left outer join tier_totals
        on nps_months.month_start = tier_totals.month_start
    where
        nps_months.tier = 'all'
        and (
            nps_months.responses <> coalesce(tier_totals.responses, 0)
            or nps_months.trailing_responses
            <> coalesce(tier_totals.trailing_responses, 0)
        )
)

select * from band_problems
union all
select * from total_problems
