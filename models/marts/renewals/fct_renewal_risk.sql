{#-
    Renewal risk ahead: one row per scheduled renewal (macro renewal_at,
    int_subscription_renewals_scheduled) due after the as-of date and
    within the longest window of var renewal_risk_windows_days,
      as_of_date < cast(renewal_at as date) <= as_of_date + horizon days,
    of a subscription still running: not ended on or before as_of_date,
    and running at the previous renewal (so, as for is_due, no phantom
    renewal after a missed one). Contracts starting after the as-of month
    are not on the schedule yet. A renewal on the as-of date itself is past
    (fct_renewals lists it). window_days is the shortest window holding it.
    arr_due = 12 x the subscription's MRR at the end of the as-of month (its
    counted items, reporting currency). The account's tier, service model,
    health and lifecycle stage are those of the as-of month
    (fct_account_months, as dim_accounts' current ones); the last touch is
    the latest CS activity before the as-of date (int_account_months_touched).
    expected_renewal_rate comes from fct_renewal_rates: the account's
    (health_status, tier) cell when it has_min_renewals (at least var
    renewal_rate_min_renewals due renewals, fct_renewal_rates' rule), else
    the health status over all tiers (same flag), else all renewals;
    expected_arr_at_risk = arr_due x (1 - expected_renewal_rate).
    priority_rank orders the list: renewals needing attention (red or yellow
    health and no touch in var renewal_risk_touch_days days) first, then the
    earliest renewal, the larger ARR, and the ids.
-#}
{%- set money = cs_metrics.type_money() -%}
{%- set ratio = cs_metrics.type_ratio() -%}
{%- set windows = cs_metrics.renewal_risk_windows() -%}

with

renewals as (
    select * from {{ ref('int_subscription_renewals_scheduled') }}
),

subscription_months as (
    select * from {{ ref('int_subscription_months_summed') }}
    where month_start = {{ as_of_month() }}
),

account_months as (
    select * from {{ ref('fct_account_months') }}
    where month_start = {{ as_of_month() }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

touched as (
    select * from {{ ref('int_account_months_touched') }}
    where month_start = {{ as_of_month() }}
),

renewal_rates as (
    select * from {{ ref('fct_renewal_rates') }}
),

ahead as (
    select
        subscription_id,
        account_id,
        term_months,
        renewal_number,
        renewal_at,
        cast(renewal_at as date) as renewal_date,
        cast(
            {{ dbt.datediff(as_of_date(), 'cast(renewal_at as date)', 'day') }}
            as {{ dbt.type_int() }}
        ) as days_until_renewal,
        -- a cancellation requested by the as-of date, or a recorded end
        -- still to come (the where clause keeps only ends after it)
        coalesce(cast(canceled_at as date) <= {{ as_of_date() }}, false)
        or ended_at is not null as is_cancellation_on_file
    from renewals
    where
        cast(renewal_at as date) > {{ as_of_date() }}
        and cast(renewal_at as date) <= cast(
            {{ dbt.dateadd(
                'day', windows | last, as_of_date()
            ) }} as date
        )
        and (
            ended_at is null
            or (
                ended_at > previous_renewal_at
                and cast(ended_at as date) > {{ as_of_date() }}
            )
        )
),

in_context as (
    select
        ahead.*,
        accounts.csm_owner_id,
        accounts.account_name,
        accounts.csm_owner_name,
        account_months.tier,
        account_months.service_model,
        account_months.health_status,
        account_months.lifecycle_stage,
        account_months.health_score,
        touched.days_since_last_touch,
        touched.last_touch_at,
        case
            {%- for window in windows %}
            when ahead.days_until_renewal <= {{ window }} then {{ window }}
            {%- endfor %}
        end as window_days,
        {{ cs_metrics.mrr_to_arr('coalesce(subscription_months.mrr, 0)') }}
            as arr_due,
        -- never touched (no last touch) counts as untouched
        coalesce(
            touched.days_since_last_touch
            > {{ cs_metrics.setting_sql('renewal_risk_touch_days') }},
            true
        ) as is_untouched
    from ahead
    left outer join subscription_months
        on ahead.subscription_id = subscription_months.subscription_id
    left outer join account_months
        on ahead.account_id = account_months.account_id
    left outer join accounts
        on ahead.account_id = accounts.account_id
    left outer join touched
        on ahead.account_id = touched.account_id
),

-- the expected rate: the health x tier cell, else the health status, else
-- all renewals (fct_renewal_rates always has that row)
rated as (
    select
        in_context.*,
        case
            when cell_rates.health_status is not null
                then 'health_status_tier'
            when status_rates.health_status is not null
                then 'health_status'
            else 'overall'
        end as expected_rate_level,
        coalesce(
            cell_rates.renewals_due,
            status_rates.renewals_due,
            overall_rates.renewals_due
        ) as expected_rate_renewals,
        case
            when cell_rates.health_status is not null
                then cell_rates.renewal_rate
            when status_rates.health_status is not null
                then status_rates.renewal_rate
            else overall_rates.renewal_rate
        end as expected_renewal_rate,
        in_context.health_status in ('red', 'yellow')
        and in_context.is_untouched as needs_attention
    from in_context
    left outer join renewal_rates as cell_rates
        on
            coalesce(in_context.health_status, 'unknown')
            = cell_rates.health_status
            and coalesce(in_context.tier, 'unknown') = cell_rates.tier
            and cell_rates.has_min_renewals
    left outer join renewal_rates as status_rates
        on
            coalesce(in_context.health_status, 'unknown')
            = status_rates.health_status
            and status_rates.tier = 'all'
            and status_rates.has_min_renewals
    left outer join renewal_rates as overall_rates
        on
            overall_rates.health_status = 'all'
            and overall_rates.tier = 'all'
),

final as (
    select
        ---------- keys
        subscription_id,
        renewal_number,

        ---------- ids
        account_id,
        csm_owner_id,

        ---------- strings
        account_name,
        csm_owner_name,
        tier,
        service_model,
        health_status,
        lifecycle_stage,
        expected_rate_level,

        ---------- numerics
        cast(
            row_number() over (
                order by
                    case when needs_attention then 0 else 1 end asc nulls last,
                    renewal_at asc nulls last,
                    arr_due desc nulls last,
                    account_id asc nulls last,
                    subscription_id asc nulls last,
                    renewal_number asc nulls last
            ) as {{ dbt.type_bigint() }}
        ) as priority_rank,
        term_months,
        days_until_renewal,
        cast(window_days as {{ dbt.type_int() }}) as window_days,
        cast(arr_due as {{ money }}) as arr_due,
        health_score,
        days_since_last_touch,
        cast(
            expected_rate_renewals as {{ dbt.type_bigint() }}
        ) as expected_rate_renewals,
        expected_renewal_rate,
        cast(
            arr_due * (1 - expected_renewal_rate) as {{ money }}
        ) as expected_arr_at_risk,

        ---------- booleans
        is_untouched,
        coalesce(needs_attention, false) as needs_attention,
        is_cancellation_on_file,

        ---------- dates
        renewal_date,

        ---------- timestamps
        renewal_at,
        last_touch_at
    from rated
)

select * from final
