{#-
    Does health predict churn? For every complete month M and health status
    (of the accounts active at the end of M; 'unknown' when the score is
    null), the share of accounts that within the next 3 and 6 months
      churned                 - mrr reached 0 in one of M+1 .. M+k;
      churned or contracted   - any contraction or churn movement in them
    (the outcomes of int_account_months_outcomes_flagged, which the health
    calibration reads too).
    A horizon is known only when M + k is on or before the latest complete
    month; otherwise its columns are null, including its denominator
    accounts_with_<k>m_outcome, so sums over months never mix in accounts
    whose outcome is not known yet. Rates are counts / accounts.
-#}
{%- set ratio = cs_metrics.type_ratio() -%}

with

account_months as (
    select * from {{ ref('fct_account_months') }}
    where
        is_month_complete
        and is_active
),

outcomes as (
    select * from {{ ref('int_account_months_outcomes_flagged') }}
),

-- each tested account-month (int_account_months_outcomes_flagged: the
-- active account-months of complete months) with its health status
scored as (
    select
        outcomes.*,
        coalesce(account_months.health_status, 'unknown') as health_status
    from outcomes
    inner join account_months
        on
            outcomes.account_id = account_months.account_id
            and outcomes.month_start = account_months.month_start
),

summed as (
    select
        month_start,
        health_status,
        has_3m_outcome,
        has_6m_outcome,
        count(*) as accounts, -- noqa: RF04
        sum(case when is_churned_within_3m then 1 else 0 end) as churned_3m,
        sum(
            case when is_churned_or_contracted_within_3m then 1 else 0 end
        ) as lost_revenue_3m,
        sum(case when is_churned_within_6m then 1 else 0 end) as churned_6m,
        sum(
            case when is_churned_or_contracted_within_6m then 1 else 0 end
        ) as lost_revenue_6m
    from scored
    group by
        month_start,
        health_status,
        has_3m_outcome,
        has_6m_outcome
),

final as (
    select
        ---------- keys
        month_start,
        health_status,

        ---------- numerics
        -- public column name; SQLFluff lists ACCOUNTS as a keyword
        cast(accounts as {{ dbt.type_bigint() }}) as accounts, -- noqa: RF04
        -- the denominators of the outcome columns: null while unknown
        case
            when has_3m_outcome then cast(accounts as {{ dbt.type_bigint() }})
        end as accounts_with_3m_outcome,
        case
            when has_6m_outcome then cast(accounts as {{ dbt.type_bigint() }})
        end as accounts_with_6m_outcome,
        case
            when has_3m_outcome
                then cast(churned_3m as {{ dbt.type_bigint() }})
        end as churned_within_3m,
        case
            when has_3m_outcome
                then cast(lost_revenue_3m as {{ dbt.type_bigint() }})
        end as churned_or_contracted_within_3m,
        case
            when has_6m_outcome
                then cast(churned_6m as {{ dbt.type_bigint() }})
        end as churned_within_6m,
        case
            when has_6m_outcome
                then cast(lost_revenue_6m as {{ dbt.type_bigint() }})
        end as churned_or_contracted_within_6m,
        case
            when has_3m_outcome
                then cast(
                    cast(churned_3m as {{ ratio }}) / accounts
                    as {{ ratio }}
                )
        end as churned_within_3m_rate,
        case
            when has_3m_outcome
                then cast(
                    cast(lost_revenue_3m as {{ ratio }})
                    / accounts as {{ ratio }}
                )
        end as churned_or_contracted_within_3m_rate,
        case
            when has_6m_outcome
                then cast(
                    cast(churned_6m as {{ ratio }}) / accounts
                    as {{ ratio }}
                )
        end as churned_within_6m_rate,
        case
            when has_6m_outcome
                then cast(
                    cast(lost_revenue_6m as {{ ratio }})
                    / accounts as {{ ratio }}
                )
        end as churned_or_contracted_within_6m_rate,

        ---------- booleans
        has_3m_outcome,
        has_6m_outcome
    from summed
)

select * from final
