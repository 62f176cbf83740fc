{#-
    Why did an account's health score move? Per account-month whose score
    and the score health_change_months earlier (M - N) both exist, the
    change split exactly into one contribution per component (doc block
    health_score_change). With a_i = w_i / sum(w), the share of the score a
    component held (0 when it was null), and S0 the earlier score:
      contribution_i = a1_i x (c1_i - S0) - a0_i x (c0_i - S0)
    The terms add up to S1 - S0 because both shares sum to 1. A component
    that appears pulls the score towards its own value, one that disappears
    takes its pull away, and a changed share (re-weighting) of one that
    stayed moves the score by (a1 - a0) x (c0 - S0).
    Contributions are rounded to the score's 6 decimals; the rounding
    remainder (at most a few millionths) goes to the main driver, the
    component with the largest contribution, so they add up to the stored
    health_change exactly.
    Incremental by month (doc block month_window): a run writes the months
    of its window only, reading its inputs from var health_change_months before it.
-#}
{{ config(**cs_metrics.month_window_config()) }}
{%- set lag = cs_metrics.setting('health_change_months') -%}
{%- set window_start = cs_metrics.month_window() -%}
{%- set read_from = cs_metrics.month_literal(window_start, -lag) -%}
{%- set components = cs_metrics.health_components() -%}
{%- set score = cs_metrics.type_score() -%}
{%- set float = cs_metrics.type_double() -%}
{%- set ratio = cs_metrics.type_ratio() -%}

with

health as (
    select * from {{ ref('int_account_months_health_scored') }}
    where month_start >= {{ read_from }}
),

-- each account-month beside the one health_change_months earlier (the
-- backbone has every month of an account, so lag(n) is M - n, as for
-- health_change_3m)
lagged as (
    select
        account_id,
        month_start,
        health_score,
        lag(month_start, {{ lag }}) over (
            partition by account_id order by month_start asc nulls last
        ) as compared_month_start,
        lag(health_score, {{ lag }}) over (
            partition by account_id order by month_start asc nulls last
        ) as previous_health_score,
        {%- for component, group in components %}
        {{ component }}_score,
        {{ component }}_weight,
        lag({{ component }}_score, {{ lag }}) over (
            partition by account_id order by month_start asc nulls last
        ) as previous_{{ component }}_score,
        lag({{ component }}_weight, {{ lag }}) over (
            partition by account_id order by month_start asc nulls last
        ) as previous_{{ component }}_weight,
        {%- endfor %}
        0
        {%- for component, group in components %}
        + {{ component }}_weight
        {%- endfor %} as total_weight
    from health
),

paired as (
    select
        *,
        0
        {%- for component, group in components %}
        + previous_{{ component }}_weight
        {%- endfor %} as previous_total_weight
    from lagged
    where health_score is not null and previous_health_score is not null
),

-- each component's exact contribution (float) and its value effect: the
-- part from its own value changing while it held its current share
contributed as (
    select
        *,
        {%- for component, group in components %}
        (
            cast({{ component }}_weight as {{ float }})
            * cast(
                coalesce({{ component }}_score, 0) - previous_health_score
                as {{ float }}
            )
            / cast(total_weight as {{ float }})
        )
        - (
            cast(previous_{{ component }}_weight as {{ float }})
            * cast(
                coalesce(previous_{{ component }}_score, 0)
                - previous_health_score as {{ float }}
            )
            / cast(previous_total_weight as {{ float }})
        ) as {{ component }}_exact,
        case
            when
                {{ component }}_weight > 0
                and previous_{{ component }}_weight > 0
                then
                    cast({{ component }}_weight as {{ float }})
                    * cast(
                        {{ component }}_score - previous_{{ component }}_score
                        as {{ float }}
                    )
                    / cast(total_weight as {{ float }})
            else 0
        end as {{ component }}_value_effect,
        {%- endfor %}
        health_score - previous_health_score as health_change
    from paired
),

-- one row per account-month and component, to rank them: a window over
-- rows instead of a greatest() over columns keeps the query small where a
-- database inlines every column expression into the next step (PostgreSQL)
component_rows as (
    {%- for component, group in components %}
    select
        account_id,
        month_start,
        '{{ component }}' as component,
        {{ loop.index }} as component_order,
        {{ component }}_exact as exact_contribution,
        {{ component }}_weight as component_weight,
        previous_{{ component }}_weight as previous_component_weight,
        {{ component }}_score as component_score,
        previous_{{ component }}_score as previous_component_score
    from contributed
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

-- the main driver: the largest contribution (first in component order on
-- ties); none when nothing contributed
ranked as (
    select
        *,
        row_number() over (
            partition by account_id, month_start
            order by abs(exact_contribution) desc, component_order asc
        ) as driver_rank
    from component_rows
),

main_drivers as (
    select
        account_id,
        month_start,
        component as main_driver,
        case
            when previous_component_weight = 0 then 'appeared'
            when component_weight = 0 then 'disappeared'
            else 'changed'
        end as main_driver_effect,
        previous_component_score as main_driver_previous_score,
        component_score as main_driver_score
    from ranked
    where driver_rank = 1 and abs(exact_contribution) > 0
),

driven as (
    select
        contributed.*,
        main_drivers.main_driver,
        main_drivers.main_driver_effect,
        main_drivers.main_driver_previous_score,
        main_drivers.main_driver_score
    from contributed
    left outer join main_drivers
        on
            contributed.account_id = main_drivers.account_id
            and contributed.month_start = main_drivers.month_start
),

rounded as (
    select
        *,
        {%- for component, group in components %}
        cast(
            round(cast({{ component }}_exact as {{ ratio }}), 6) as {{ score }}
        ) as {{ component }}_rounded,
        {%- endfor %}
        cast(
            round(
                cast(
                    0
                    {%- for component, group in components %}
                    + {{ component }}_value_effect
                    {%- endfor %} as {{ ratio }}
                ),
                6
            ) as {{ score }}
        ) as value_effect
    from driven
),

-- what rounding left over, carried by the main driver
balanced as (
    select
        *,
        health_change
        {%- for component, group in components %}
        - {{ component }}_rounded
        {%- endfor %} as rounding_remainder
    from rounded
),

final as (
    select
        ---------- keys
        balanced.account_id,
        balanced.month_start,

        ---------- strings
        balanced.main_driver,
        balanced.main_driver_effect,

        ---------- numerics: the scores
        cast(balanced.previous_health_score as {{ score }})
            as previous_health_score,
        cast(balanced.health_score as {{ score }}) as health_score,
        cast(balanced.health_change as {{ score }}) as health_change,

        ---------- numerics: one contribution per component
        {%- for component, group in components %}
        cast(
            balanced.{{ component }}_rounded
            + case
                when balanced.main_driver = '{{ component }}'
                    then balanced.rounding_remainder
                else 0
            end as {{ score }}
        ) as {{ component }}_contribution,
        {%- endfor %}

        ---------- numerics: the main driver
        case
            {%- for component, group in components %}
            when balanced.main_driver = '{{ component }}'
                then cast(
                    balanced.{{ component }}_rounded
                    + balanced.rounding_remainder as {{ score }}
                )
            {%- endfor %}
        end as main_driver_contribution,
        balanced.main_driver_previous_score,
        balanced.main_driver_score,

        ---------- numerics: value changes versus re-weighting
        balanced.value_effect,
        cast(
            balanced.health_change - balanced.value_effect as {{ score }}
        ) as reweighting_effect,

        ---------- dates
        balanced.compared_month_start
    from balanced
    where {{ cs_metrics.in_month_window('balanced.month_start', window_start) }}
)

select * from final
