{#-
    Renewal risk ahead summed per window and segment: for every window of
    var renewal_risk_windows_days (cumulative: the 90-day window holds the
    renewals of the 30-day one) and segment - everything ('all'), tier,
    csm_owner (current CRM owner id) and service_model, 'unknown' when
    null - the renewals of fct_renewal_risk due within the window, their
    accounts, ARR due (also of red and yellow health, and of the renewals
    needing attention) and expected ARR at risk. Each window has its 'all'
    row, with zeros when nothing is due; other segments only where
    something is.
-#}
{%- set money = cs_metrics.type_money() -%}
{%- set windows = cs_metrics.renewal_risk_windows() -%}

with

renewal_risk as (
    select * from {{ ref('fct_renewal_risk') }}
),

windows as (
    {%- for window in windows %}
    select {{ window }} as window_days
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

segment_types as (
    select 'all' as segment_type
    union all
    select 'tier' as segment_type
    union all
    select 'csm_owner' as segment_type
    union all
    select 'service_model' as segment_type
),

-- every window meets the renewals due within it (none: one empty row)
windowed as (
    select
        windows.window_days,
        renewal_risk.account_id,
        renewal_risk.subscription_id,
        renewal_risk.tier,
        renewal_risk.csm_owner_id,
        renewal_risk.service_model,
        renewal_risk.health_status,
        renewal_risk.arr_due,
        renewal_risk.expected_arr_at_risk,
        renewal_risk.needs_attention
    from windows
    left outer join renewal_risk
        on windows.window_days >= renewal_risk.days_until_renewal
),

segmented as (
    select
        windowed.*,
        segment_types.segment_type,
        coalesce(
            case segment_types.segment_type
                when 'all' then 'all'
                when 'tier' then windowed.tier
                when 'csm_owner' then windowed.csm_owner_id
                when 'service_model' then windowed.service_model
            end,
            'unknown'
        ) as segment_value
    from windowed
    cross join segment_types
),

summed as (
    select
        window_days,
        segment_type,
        segment_value,
        count(subscription_id) as renewals,
        count(distinct account_id) as renewal_accounts,
        sum(arr_due) as arr_due,
        sum(expected_arr_at_risk) as expected_arr_at_risk,
        count(expected_arr_at_risk) as renewals_with_expectation,
        sum(
            case when health_status = 'red' then arr_due else 0 end
        ) as arr_due_red,
        sum(
            case when health_status = 'yellow' then arr_due else 0 end
        ) as arr_due_yellow,
        sum(
            case when needs_attention then arr_due else 0 end
        ) as arr_due_needing_attention,
        count(
            case when needs_attention then 1 end
        ) as renewals_needing_attention
    from segmented
    group by
        window_days,
        segment_type,
        segment_value
),

final as (
    select
        ---------- keys
        cast(window_days as {{ dbt.type_int() }}) as window_days,
        segment_type,
        segment_value,

        ---------- numerics
        cast(renewals as {{ dbt.type_bigint() }}) as renewals,
        -- public column name; SQLFluff lists ACCOUNTS as a keyword
        cast(
            renewal_accounts as {{ dbt.type_bigint() }}
        ) as accounts, -- noqa: RF04
        cast(coalesce(arr_due, 0) as {{ money }}) as arr_due,
        -- unknown (null) while a renewal has no expected rate: no renewal
        -- history at all
        cast(
            case
                when renewals_with_expectation = renewals
                    then coalesce(expected_arr_at_risk, 0)
            end as {{ money }}
        ) as expected_arr_at_risk,
        cast(coalesce(arr_due_red, 0) as {{ money }}) as arr_due_red,
        cast(coalesce(arr_due_yellow, 0) as {{ money }}) as arr_due_yellow,
        cast(
            coalesce(arr_due_needing_attention, 0) as {{ money }}
        ) as arr_due_needing_attention,
        cast(
            renewals_needing_attention as {{ dbt.type_bigint() }}
        ) as renewals_needing_attention
    from summed
    where
        segment_type = 'all'
        or renewals > 0
)

select * from final
