{#-
    The health score per account-month (every row of the backbone), built
    only from the component models: each component 0-100 or null, a null
    component left out and the others re-weighted,
      score = sum(weight x component) / sum(weight) over the non-null ones,
    for health_score (all components), outcome_score (utilization,
    usage_trend, feature_breadth, payment) and experience_score (nps,
    support). Each *_weight column holds the weight the component got (its
    var, 0 when it was null), so every score can be recomputed from its row.
    Then health_status (bands), health_change_3m, the value-health
    quadrant and north_star_arr (the ARR the north star counts). On months
    without MRR every health column is null (north_star_arr 0).
    Definitions: doc blocks health_* (models/marts/core/_health__docs.md).
    Incremental by month (doc block month_window): a run writes the months
    of its window, reading its inputs from var health_change_months before
    it (the score the 3-month change compares with).
-#}
{{ config(**cs_metrics.month_window_config()) }}
{%- set change_months = cs_metrics.setting('health_change_months') -%}
{%- set window_start = cs_metrics.month_window() -%}
{%- set read_from = cs_metrics.month_literal(window_start, -change_months) -%}
{%- set green_min = cs_metrics.setting_sql('health_green_min') -%}
{%- set yellow_min = cs_metrics.setting_sql('health_yellow_min') -%}
{%- set north_star_statuses = cs_metrics.setting_sql(
    'north_star_health_statuses'
) -%}
{%- set score = cs_metrics.type_score() -%}
{%- set components = cs_metrics.health_components() -%}
{%- set groups = ['outcome', 'experience'] -%}

with

account_months as (
    select * from {{ ref('int_account_months_spined') }}
    where month_start >= {{ read_from }}
),

usage_scores as (
    select * from {{ ref('int_account_months_usage_scored') }}
    where month_start >= {{ read_from }}
),

payment_scores as (
    select * from {{ ref('int_account_months_payment_scored') }}
    where month_start >= {{ read_from }}
),

nps_scores as (
    select * from {{ ref('int_account_months_nps_scored') }}
    where month_start >= {{ read_from }}
),

support_scores as (
    select * from {{ ref('int_account_months_support_scored') }}
    where month_start >= {{ read_from }}
),

-- every component, null on months without MRR
components as (
    select
        account_months.account_id,
        account_months.month_start,
        account_months.mrr,
        usage_scores.utilization_score,
        usage_scores.usage_trend_score,
        usage_scores.feature_breadth_score,
        case
            when account_months.mrr > 0 then payment_scores.payment_score
        end as payment_score,
        case
            when account_months.mrr > 0 then nps_scores.nps_score
        end as nps_score,
        case
            when account_months.mrr > 0 then support_scores.support_score
        end as support_score
    from account_months
    left outer join usage_scores
        on
            account_months.account_id = usage_scores.account_id
            and account_months.month_start = usage_scores.month_start
    left outer join payment_scores
        on
            account_months.account_id = payment_scores.account_id
            and account_months.month_start = payment_scores.month_start
    left outer join nps_scores
        on
            account_months.account_id = nps_scores.account_id
            and account_months.month_start = nps_scores.month_start
    left outer join support_scores
        on
            account_months.account_id = support_scores.account_id
            and account_months.month_start = support_scores.month_start
),

-- the weight each component gets: its var, or 0 when it is null
weighted as (
    select
        components.*,
        {% for component, group in components %}
        case
            when not components.mrr > 0 then null
            when components.{{ component }}_score is not null
                then {{ cs_metrics.setting_sql('health_weight_' ~ component) }}
            else 0
        end as {{ component }}_weight,
        {% endfor %}
        components.mrr > 0 as is_scored
    from components
),

-- sum(weight x component) and sum(weight) per group
summed as (
    select
        weighted.*,
        {% for group in groups %}
        {% set members = components | selectattr(1, 'equalto', group)
            | map(attribute=0) | list %}
        (
            0
            {% for component in members %}
            + coalesce(
                weighted.{{ component }}_weight
                * weighted.{{ component }}_score,
                0
            )
            {% endfor %}
        ) as {{ group }}_points,
        (
            0
            {% for component in members %}
            + weighted.{{ component }}_weight
            {% endfor %}
        ) as {{ group }}_weight,
        {% endfor %}
        weighted.is_scored as has_components
    from weighted
),

scored as (
    select
        summed.*,
        {% for group in groups %}
        cast(
            summed.{{ group }}_points / nullif(summed.{{ group }}_weight, 0)
            as {{ score }}
        ) as {{ group }}_score,
        {% endfor %}
        cast(
            (
                0
                {% for group in groups %}
                + summed.{{ group }}_points
                {% endfor %}
            )
            / nullif(
                0
                {% for group in groups %}
                + summed.{{ group }}_weight
                {% endfor %},
                0
            )
            as {{ score }}
        ) as health_score
    from summed
),

classified as (
    select
        *,
        case
            when not mrr > 0 then null
            when health_score is null then 'unknown'
            when health_score >= {{ green_min }} then 'green'
            when health_score >= {{ yellow_min }} then 'yellow'
            else 'red'
        end as health_status,
        health_score - lag(health_score, {{ change_months }})
            over (
                partition by account_id
                order by month_start asc nulls last
            ) as health_change
    from scored
),

final as (
    select
        ---------- keys
        account_id,
        month_start,

        ---------- strings
        health_status,
        case
            when health_status is null or health_status = 'unknown' then null
            when
                {{ cs_metrics.mrr_to_arr('mrr') }}
                >= {{ cs_metrics.setting_sql('value_high_min_arr') }}
                then
                    case
                        when health_status = 'green' then 'expand'
                        else 'rescue'
                    end
            when health_status = 'green' then 'nurture'
            else 'monitor'
        end as value_health_quadrant,

        ---------- numerics: components and the weight each got
        {%- for component, group in components %}
        cast({{ component }}_score as {{ score }}) as {{ component }}_score,
        {%- endfor %}
        {%- for component, group in components %}
        cast({{ component }}_weight as {{ score }}) as {{ component }}_weight,
        {%- endfor %}

        ---------- numerics: scores
        {%- for group in groups %}
        {{ group }}_score,
        {%- endfor %}
        health_score,
        cast(health_change as {{ score }}) as health_change_3m,

        ---------- north star: ARR of active accounts in the configured
        ---------- statuses (var north_star_health_statuses), else 0
        cast(
            case
                when
                    mrr > 0
                    and health_status in ({{ north_star_statuses }})
                    then {{ cs_metrics.mrr_to_arr('mrr') }}
                else 0
            end as {{ cs_metrics.type_money() }}
        ) as north_star_arr
    from classified
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
)

select * from final
