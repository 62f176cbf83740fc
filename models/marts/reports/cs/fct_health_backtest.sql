{#-
    Does health predict churn? For every complete month M and health status
    (of the accounts active at the end of M; 'unknown' when the score is
    null), the share of accounts that within the next 3 and 6 months
      churned                 - mrr reached 0 in one of M+1 .. M+k;
      churned or contracted   - any contraction or churn movement in them.
    A horizon is known only when M + k is on or before the latest complete
    month; otherwise its columns are null, including its denominator
    accounts_with_<k>m_outcome, so sums over months never mix in accounts
    whose outcome is not known yet. Rates are counts / accounts.
-#}
{%- set ratio = cs_metrics.type_ratio() -%}

with

account_months as (
    select * from {{ ref('fct_account_months') }}
),

scored as (
    select
        account_months.account_id,
        account_months.month_start,
        coalesce(account_months.health_status, 'unknown') as health_status,
        {{ cs_metrics.add_months('account_months.month_start', 3) }}
            as horizon_3m_start,
        {{ cs_metrics.add_months('account_months.month_start', 6) }}
            as horizon_6m_start,
        {{ cs_metrics.add_months('account_months.month_start', 3) }}
        <= {{ cs_metrics.latest_complete_month() }} as has_3m_outcome,
        {{ cs_metrics.add_months('account_months.month_start', 6) }}
        <= {{ cs_metrics.latest_complete_month() }} as has_6m_outcome
    from account_months
    where
        account_months.is_month_complete
        and account_months.is_active
),

-- each scored account-month meets its next six months
outcomes as (
    select
        scored.account_id,
        scored.month_start,
        max(
            case
                when
                    later.month_start <= scored.horizon_3m_start
                    and later.mrr = 0
                    then 1
                else 0
            end
        ) as churned_3m_flag,
        max(
            case
                when
                    later.month_start <= scored.horizon_3m_start
                    and later.movement_type in ('churn', 'contraction')
                    then 1
                else 0
            end
        ) as lost_revenue_3m_flag,
        max(case when later.mrr = 0 then 1 else 0 end) as churned_6m_flag,
        max(
            case
                when later.movement_type in ('churn', 'contraction') then 1
                else 0
            end
        ) as lost_revenue_6m_flag
    from scored
    inner join account_months as later
        on
            scored.account_id = later.account_id
            and scored.month_start < later.month_start
            and scored.horizon_6m_start >= later.month_start
    group by
        scored.account_id,
        scored.month_start
),

summed as (
    select
        scored.month_start,
        scored.health_status,
        scored.has_3m_outcome,
        scored.has_6m_outcome,
        count(*) as accounts, -- noqa: RF04
        sum(coalesce(outcomes.churned_3m_flag, 0)) as churned_3m,
        sum(coalesce(outcomes.lost_revenue_3m_flag, 0)) as lost_revenue_3m,
        sum(coalesce(outcomes.churned_6m_flag, 0)) as churned_6m,
        sum(coalesce(outcomes.lost_revenue_6m_flag, 0)) as lost_revenue_6m
    from scored
    left outer join outcomes
        on
            scored.account_id = outcomes.account_id
            and scored.month_start = outcomes.month_start
    group by
        scored.month_start,
        scored.health_status,
        scored.has_3m_outcome,
        scored.has_6m_outcome
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
