{#-
    Every account-month once per segment type (macro segment_types), with
    the segment it counts in at each point a figure reads it (doc block
    account_month_segments): the end of M (ending), where M's movements
    count (movement: the end of M - 1, or of M for an account inactive
    then) and the end of M - 12 (year_ago, the trailing-twelve-month
    cohort). Tier and service model are the month's
    (int_account_months_classified); region, industry, acquisition channel
    and CSM owner are today's CRM values (int_accounts_unioned) on every
    month, past ones included; 'unknown' when a value is missing.
    Incremental by month (doc block month_window; scope crm: today's CRM
    values on every month): a run writes the months of its window only.
-#}
{{ config(**cs_metrics.month_window_config('crm')) }}
{%- set window_start = cs_metrics.month_window('crm') -%}
{#- (point, its tier and service model in int_account_months_classified) -#}
{%- set points = [
    ('ending', 'tier', 'service_model'),
    ('movement', 'movement_tier', 'movement_service_model'),
    ('year_ago', 'year_ago_tier', 'year_ago_service_model'),
] -%}

with

account_months as (
    select * from {{ ref('int_account_months_classified') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

accounts as (
    select * from {{ ref('int_accounts_unioned') }}
),

segment_types as (
    {% for segment_type in cs_metrics.segment_types() %}
    select '{{ segment_type }}' as segment_type
    {{ 'union all' if not loop.last }}
    {% endfor %}
),

-- the segment at each point (null when the account has no value there)
segmented as (
    select
        account_months.account_id,
        account_months.month_start,
        {% for point, tier, service_model in points %}
        case segment_types.segment_type
            when 'all' then 'all'
            when 'tier' then account_months.{{ tier }}
            when 'service_model'
                then account_months.{{ service_model }}
            when 'region' then accounts.region
            when 'industry' then accounts.industry
            when 'acquisition_channel' then accounts.acquisition_channel
            when 'csm_owner' then accounts.csm_owner_id
        end as {{ point }}_segment_value,
        {% endfor %}
        segment_types.segment_type
    from account_months
    left outer join accounts
        on account_months.account_id = accounts.account_id
    cross join segment_types
),

final as (
    select
        ---------- keys
        account_id,
        month_start,
        segment_type,

        ---------- strings
        coalesce(ending_segment_value, 'unknown') as ending_segment_value,
        coalesce(movement_segment_value, 'unknown') as movement_segment_value,
        coalesce(year_ago_segment_value, 'unknown') as year_ago_segment_value
    from segmented
)

select * from final
