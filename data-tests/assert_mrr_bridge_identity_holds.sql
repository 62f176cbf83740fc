{#-
    The MRR identity (doc block revenue_movements), on every account-month and every bridge
    row, within 0.01:
      mrr(M) = mrr(M - 1) + new + reactivation + expansion + contraction
               + churned + fx_impact
    plus, for the bridge: starting_mrr(M) = ending_mrr(M - 1), ending_mrr =
    the sum of the account-months, and the customer counts add up.
    Returns one row per broken check.
-#}
with

account_months as (
    select * from {{ ref('fct_account_months') }}
),

bridge as (
    select * from {{ ref('fct_mrr_bridge_monthly') }}
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

bridge_identity as (
    select
        'bridge identity' as check_name,
        'all accounts' as subject,
        month_start,
        ending_mrr as actual_value,
        starting_mrr
        + new_mrr
        + reactivation_mrr
        + expansion_mrr
        + contraction_mrr
        + churned_mrr
        + fx_impact_mrr as expected_value
    from bridge
),

bridge_continuity as (
    select
        'bridge starting_mrr = previous ending_mrr' as check_name,
        'all accounts' as subject,
        month_start,
        starting_mrr as actual_value,
        coalesce(
            lag(ending_mrr) over (order by month_start), 0
        ) as expected_value
    from bridge
),

account_totals as (
    select
        month_start,
        sum(mrr) as mrr
    from account_months
    group by month_start
),

bridge_totals as (
    select
        'bridge ending_mrr = sum of account mrr' as check_name,
        'all accounts' as subject,
        bridge.month_start,
        bridge.ending_mrr as actual_value,
        coalesce(account_totals.mrr, 0) as expected_value
    from bridge
    left outer join account_totals
        on bridge.month_start = account_totals.month_start
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

all_checks as (
    select * from account_identity
    union all
    select * from bridge_identity
    union all
    select * from bridge_continuity
    union all
    select * from bridge_totals
    union all
    select * from customer_counts
),

final as (
    select * from all_checks
    where
        abs(actual_value - expected_value) > 0.01
        or actual_value is null
        or expected_value is null
)

select * from final
