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
{#- (point, prefix of the int_account_months_classified tier columns) -#}
{%- set points = [
    ('ending', ''), ('movement', 'movement_'), ('year_ago', 'year_ago_'),
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

final as (
    select
        ---------- keys
        account_months.account_id,
        account_months.month_start,
        segment_types.segment_type,

        ---------- strings
        {%- for point, prefix in points %}
        coalesce(
            case segment_types.segment_type
                when 'all' then 'all'
                when 'tier' then account_months.{{ prefix }}tier
                when 'service_model'
                    then account_months.{{ prefix }}service_model
                when 'region' then accounts.region
                when 'industry' then accounts.industry
                when 'acquisition_channel' then accounts.acquisition_channel
                when 'csm_owner' then accounts.csm_owner_id
            end,
            'unknown'
        ) as {{ point }}_segment_value{{ ',' if not loop.last }}
        {%- endfor %}
    from account_months
    left outer join accounts
        on account_months.account_id = accounts.account_id
    cross join segment_types
)

select * from final
