{#-
    Each account-month's MRR movement and segment (doc blocks
    revenue_movements and revenue_tier), from the backbone.
    Movements compare this month's MRR with last month's local MRR at this
    month's rates (prev_mrr_cc, constant currency), so a rate move alone is
    never expansion or contraction; it is fx_impact = prev_mrr_cc - prev_mrr.
    The tier follows ARR = 12 x MRR; a month without MRR keeps the tier of
    the account's last month with MRR.
    Churn is involuntary when the account leaves with an unpaid invoice past
    its due date (uncollectible ones included) at t(M), the payment
    component's overdue invoices; voluntary otherwise.
    The segments a month's figures are attributed to: movement_* (at the end
    of M - 1; at the end of M for new and reactivated accounts) and
    year_ago_* (at the end of M - 12, the trailing-twelve-month cohort).
    Incremental by month (doc block month_window): a run writes the months
    of its window, reading the backbone from 12 months before it (the
    year-ago segment); the tier an account carries into that range is the
    one stored for the month before it.
-#}
{{ config(**cs_metrics.month_window_config()) }}
{%- set money = cs_metrics.type_money() -%}
{%- set window_start = cs_metrics.month_window() -%}
{%- set read_from = cs_metrics.month_literal(window_start, -12) %}

with

account_months as (
    select * from {{ ref('int_account_months_spined') }}
    where month_start >= {{ read_from }}
),

payment_months as (
    select * from {{ ref('int_account_months_payment_scored') }}
    where month_start >= {{ read_from }}
),

classified as (
    select
        account_months.account_id,
        account_months.month_start,
        account_months.mrr,
        account_months.prev_mrr_cc,
        account_months.prev_mrr,
        coalesce(payment_months.overdue_invoice_count, 0) > 0
            as has_overdue_invoice,
        case
            when
                account_months.prev_mrr_cc = 0
                and account_months.mrr > 0
                and account_months.month_start = account_months.cohort_month
                then 'new'
            when
                account_months.prev_mrr_cc = 0 and account_months.mrr > 0
                then 'reactivation'
            when
                account_months.prev_mrr_cc > 0 and account_months.mrr = 0
                then 'churn'
            when account_months.mrr > account_months.prev_mrr_cc
                then 'expansion'
            when account_months.mrr < account_months.prev_mrr_cc
                then 'contraction'
            when account_months.mrr > 0 then 'flat'
            else 'inactive'
        end as movement_type,
        case
            when
                {{ cs_metrics.mrr_to_arr('account_months.mrr') }}
                >= {{ cs_metrics.setting_sql('tier_enterprise_min_arr') }}
                then 'enterprise'
            when
                {{ cs_metrics.mrr_to_arr('account_months.mrr') }}
                >= {{ cs_metrics.setting_sql('tier_mid_market_min_arr') }}
                then 'mid_market'
            when account_months.mrr > 0 then 'smb'
        end as active_tier,
        false as is_carried_in
    from account_months
    left outer join payment_months
        on
            account_months.account_id = payment_months.account_id
            and account_months.month_start = payment_months.month_start
    {%- if is_incremental() %}

    union all

    -- the tier each account carries into the months read (stored)
    select
        account_id,
        month_start,
        null as mrr,
        null as prev_mrr_cc,
        null as prev_mrr,
        false as has_overdue_invoice,
        null as movement_type,
        tier as active_tier,
        true as is_carried_in
    from {{ this }}
    where month_start = {{ cs_metrics.month_literal(window_start, -13) }}
    {%- endif %}
),

runs as (
    select
        *,
        -- numbers the runs of months that start with a month with MRR (or
        -- the carried-in tier): months without MRR share the run of the
        -- last month with MRR
        count(
            case when mrr > 0 or is_carried_in then 1 end
        ) over (
            partition by account_id
            order by month_start
            rows between unbounded preceding and current row
        ) as active_run
    from classified
),

tiered as (
    select
        *,
        max(active_tier) over (
            partition by account_id, active_run
        ) as tier
    from runs
),

-- the backbone has every month from the cohort month on: lag(k) is M - k
segmented as (
    select
        *,
        lag(tier) over (
            partition by account_id order by month_start
        ) as previous_tier,
        lag(tier, 12) over (
            partition by account_id order by month_start
        ) as year_ago_tier
    from tiered
    where not is_carried_in
),

attributed as (
    select
        *,
        case when prev_mrr_cc > 0 then previous_tier else tier end
            as movement_tier
    from segmented
),

final as (
    select
        ---------- keys
        account_id,
        month_start,

        ---------- strings
        movement_type,
        case
            when movement_type = 'churn' and has_overdue_invoice
                then 'involuntary'
            when movement_type = 'churn' then 'voluntary'
        end as churn_type,
        tier,
        {{ cs_metrics.service_model_of('tier') }} as service_model,
        previous_tier,
        {{ cs_metrics.service_model_of('previous_tier') }}
            as previous_service_model,
        -- movements belong to the segment at the end of M - 1 (new and
        -- reactivated accounts, inactive then: at the end of M)
        movement_tier,
        {{ cs_metrics.service_model_of('movement_tier') }}
            as movement_service_model,
        year_ago_tier,
        {{ cs_metrics.service_model_of('year_ago_tier') }}
            as year_ago_service_model,

        ---------- numerics
        cast(
            case when movement_type = 'new' then mrr else 0 end as {{ money }}
        ) as new_mrr,
        cast(
            case when movement_type = 'reactivation' then mrr else 0 end
            as {{ money }}
        ) as reactivation_mrr,
        cast(
            case
                when movement_type = 'expansion' then mrr - prev_mrr_cc
                else 0
            end as {{ money }}
        ) as expansion_mrr,
        cast(
            case
                when movement_type = 'contraction' then mrr - prev_mrr_cc
                else 0
            end as {{ money }}
        ) as contraction_mrr,
        cast(
            case when movement_type = 'churn' then -prev_mrr_cc else 0 end
            as {{ money }}
        ) as churned_mrr,
        cast(
            case
                when movement_type = 'churn' and not has_overdue_invoice
                    then -prev_mrr_cc
                else 0
            end as {{ money }}
        ) as voluntary_churned_mrr,
        cast(
            case
                when movement_type = 'churn' and has_overdue_invoice
                    then -prev_mrr_cc
                else 0
            end as {{ money }}
        ) as involuntary_churned_mrr,
        cast(prev_mrr_cc - prev_mrr as {{ money }}) as fx_impact_mrr,

        ---------- booleans
        mrr > 0 as is_active
    from attributed
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
)

select * from final
