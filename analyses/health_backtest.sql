{#-
    Health backtest, pooled: for each health status, over every complete
    month whose outcome is known, the share of accounts that churned (MRR
    reached 0), or churned or contracted, within the next 3 and 6 months.
    Ratios of sums (account-months), so months with more accounts weigh
    more: Σ count ÷ Σ accounts_with_<k>m_outcome. Those denominators are
    null in months whose k-month outcome is not known yet, so every row can
    be summed without a filter, and the 3-month rates use the months whose
    6-month outcome is not known yet too. Red should churn measurably more
    often than green. Compile with `dbt compile --select health_backtest`
    and run the SQL in target/compiled/.../analyses/health_backtest.sql.
-#}
with

backtest as (
    select * from {{ ref('fct_health_backtest') }}
),

pooled as (
    select
        health_status,
        sum(accounts_with_3m_outcome) as account_months_3m,
        sum(accounts_with_6m_outcome) as account_months_6m,
        sum(churned_within_3m) as churned_within_3m,
        sum(churned_or_contracted_within_3m)
            as churned_or_contracted_within_3m,
        sum(churned_within_6m) as churned_within_6m,
        sum(churned_or_contracted_within_6m)
            as churned_or_contracted_within_6m
    from backtest
    group by health_status
),

final as (
    select
        health_status,
        account_months_3m,
        account_months_6m,
        cast(churned_within_3m as {{ dbt.type_numeric() }})
        / account_months_3m as churned_within_3m_rate,
        cast(churned_or_contracted_within_3m as {{ dbt.type_numeric() }})
        / account_months_3m as churned_or_contracted_within_3m_rate,
        cast(churned_within_6m as {{ dbt.type_numeric() }})
        / account_months_6m as churned_within_6m_rate,
        cast(churned_or_contracted_within_6m as {{ dbt.type_numeric() }})
        / account_months_6m as churned_or_contracted_within_6m_rate
    from pooled
)

select * from final
order by
    case health_status
        when 'red' then 1
        when 'yellow' then 2
        when 'green' then 3
        else 4
    end nulls last
