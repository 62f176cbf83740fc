{#-
    The MRR identity (doc block revenue_movements), on every account-month
    within var reconciliation_tolerance:
      mrr(M) = mrr(M - 1) + new + reactivation + expansion + contraction
               + churned + fx_impact
    and the bridge's reconciliations, whose rules live in their models
    (models/marts/reports/quality/, which the quality report shows): the
    bridge identity (fct_mrr_bridge_identity_monthly), starting_mrr(M) =
    ending_mrr(M - 1) with no month missing
    (fct_mrr_bridge_continuity_monthly), Σ account-month mrr = ending_mrr
    = revenue recognition mrr (fct_mrr_totals_monthly); plus the bridge's
    customer counts add up. Returns one row per broken check.
-#}
{%- set tolerance = cs_metrics.setting_sql('reconciliation_tolerance') -%}

with

account_months as (
    select * from {{ ref('fct_account_months') }}
),

bridge as (
    select * from {{ ref('fct_mrr_bridge_monthly') }}
),

bridge_identity as (
    select * from {{ ref('fct_mrr_bridge_identity_monthly') }}
),

bridge_continuity as (
    select * from {{ ref('fct_mrr_bridge_continuity_monthly') }}
),

mrr_totals as (
    select * from {{ ref('fct_mrr_totals_monthly') }}
),

account_identity as (
    select
        'account month identity' as check_name,
        account_id as subject,
        month_start,
        mrr as actual_value,
        coalesce(
            lag(mrr) over (
                partition by account_id
                order by month_start
            ),
            0
        )
        + new_mrr
        + reactivation_mrr
        + expansion_mrr
        + contraction_mrr
        + churned_mrr
        + fx_impact_mrr as expected_value
    from account_months
),

broken_account_identity as (
    select * from account_identity
    where
        abs(actual_value - expected_value) > {{ tolerance }}
        or actual_value is null
        or expected_value is null
),

broken_bridge_identity as (
    select
        'bridge identity' as check_name,
        'all accounts' as subject,
        month_start,
        ending_mrr as actual_value,
        computed_ending_mrr as expected_value
    from bridge_identity
    where not is_reconciled
),

broken_bridge_continuity as (
    select
        'bridge starting_mrr = previous ending_mrr' as check_name,
        'all accounts' as subject,
        month_start,
        starting_mrr as actual_value,
        previous_ending_mrr as expected_value
    from bridge_continuity
    where not is_reconciled
),

-- a month missing from a mart shows its figure as null
broken_mrr_totals as (
    select
        'bridge ending_mrr = sum of account mrr = revrec mrr' as check_name,
        'all accounts' as subject,
        month_start,
        ending_mrr as actual_value,
        account_mrr as expected_value
    from mrr_totals
    where not is_reconciled
),

customer_counts as (
    select
        'bridge customer counts add up' as check_name,
        'all accounts' as subject,
        month_start,
        ending_customers as actual_value,
        starting_customers
        + new_customers
        + reactivated_customers
        - churned_customers as expected_value
    from bridge
),

broken_customer_counts as (
    select * from customer_counts
    where
        actual_value <> expected_value
        or actual_value is null
        or expected_value is null
),

final as (
    select * from broken_account_identity
    union all
    select * from broken_bridge_identity
    union all
    select * from broken_bridge_continuity
    union all
    select * from broken_mrr_totals
    union all
    select * from broken_customer_counts
)

select * from final
