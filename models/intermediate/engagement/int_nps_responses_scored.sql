{#-
    Every NPS response with its programme band: promoter (score at least
    nps_promoter_min), detractor (at most nps_detractor_max), passive in
    between. Responses that cannot be scored stay here with is_excluded and
    a reason (a score outside 0-10 or missing, no response time), so the
    data-quality listing and the NPS marts read one decision.
-#}
{%- set promoter_min = cs_metrics.setting_sql('nps_promoter_min') -%}
{%- set detractor_max = cs_metrics.setting_sql('nps_detractor_max') -%}
with

responses as (
    select * from {{ ref('stg_crm__nps_responses') }}
),

reasoned as (
    select
        *,
        case
            when score is null then 'missing score'
            when not is_score_valid then 'score outside 0-10'
            when responded_at is null then 'missing responded_at'
        end as exclusion_reason
    from responses
),

final as (
    select
        ---------- ids
        response_id,
        account_id,
        respondent_id,

        ---------- strings
        case
            when exclusion_reason is not null then null
            when score >= {{ promoter_min }} then 'promoter'
            when score <= {{ detractor_max }} then 'detractor'
            else 'passive'
        end as nps_band,
        exclusion_reason,

        ---------- numerics
        score,

        ---------- booleans
        exclusion_reason is not null as is_excluded,

        ---------- dates
        {{ cs_metrics.month_start_of('responded_at') }} as response_month,

        ---------- timestamps
        responded_at
    from reasoned
)

select * from final
