{#-
    The health-change explanation is exact: the six component contributions
    add up to health_change, which is the stored health_change_3m of the
    account-month (fct_account_months). Returns the rows where either fails.
-#}
with

changes as (
    select * from {{ ref('fct_health_score_changes') }}
),

account_months as (
    select * from {{ ref('fct_account_months') }}
),

final as (
    select
        changes.account_id,
        changes.month_start,
        changes.health_change,
        account_months.health_change_3m,
        changes.utilization_contribution
        + changes.usage_trend_contribution
        + changes.feature_breadth_contribution
        + changes.payment_contribution
        + changes.nps_contribution
        + changes.support_contribution as contributions
    from changes
    left outer join account_months
        on
            changes.account_id = account_months.account_id
            and changes.month_start = account_months.month_start
)

select * from final
where
    contributions <> health_change
    or health_change_3m is null
    or health_change_3m <> health_change
