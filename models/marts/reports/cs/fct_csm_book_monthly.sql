{#-
    Each CSM's book of business per month: the accounts the CSM owns today
    (current CRM owner; 'unknown' for accounts without one) as they stood
    at the end of M.
      accounts                 active accounts (mrr > 0)
      arr / arr_red_health     ARR of all / of red-health accounts
      average_health_score     plain mean of the account scores (accounts
                               with a score; each account weighs the same)
      arr_weighted_health_score  sum(arr x score) / sum(arr), same accounts
      churned_arr              ARR lost to churn in M: -12 x churned_mrr
    Incremental by month (doc block month_window): a run writes the months
    of its window only.
-#}
{{ config(**cs_metrics.month_window_config('crm')) }}
{%- set window_start = cs_metrics.month_window('crm') -%}
{%- set money = cs_metrics.type_money() -%}
{%- set score = cs_metrics.type_score() -%}

with

account_months as (
    select * from {{ ref('fct_account_months') }}
    where {{ cs_metrics.in_month_window('month_start', window_start) }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

owned as (
    select
        coalesce(accounts.csm_owner_id, 'unknown') as csm_owner_id,
        accounts.csm_owner_name,
        account_months.month_start,
        account_months.is_month_complete,
        account_months.is_active,
        account_months.arr,
        account_months.churned_mrr,
        account_months.health_status,
        account_months.health_score
    from account_months
    left outer join accounts
        on account_months.account_id = accounts.account_id
),

summed as (
    select
        csm_owner_id,
        month_start,
        is_month_complete,
        max(csm_owner_name) as csm_owner_name,
        count(case when is_active then 1 end) as accounts, -- noqa: RF04
        sum(arr) as arr,
        count(
            case when is_active and health_status = 'red' then 1 end
        ) as accounts_red_health,
        sum(case when health_status = 'red' then arr else 0 end)
            as arr_red_health,
        count(
            case when is_active and health_score is not null then 1 end
        ) as accounts_with_health_score,
        avg(case when is_active then health_score end)
            as average_health_score,
        sum(case when is_active then arr * health_score end)
        / nullif(
            sum(
                case
                    when is_active and health_score is not null then arr
                end
            ),
            0
        ) as arr_weighted_health_score,
        count(case when churned_mrr < 0 then 1 end) as churned_accounts,
        -12 * sum(churned_mrr) as churned_arr
    from owned
    group by
        csm_owner_id,
        month_start,
        is_month_complete
),

final as (
    select
        ---------- keys
        csm_owner_id,
        month_start,

        ---------- strings
        csm_owner_name,

        ---------- numerics
        -- public column name; SQLFluff lists ACCOUNTS as a keyword
        cast(accounts as {{ dbt.type_bigint() }}) as accounts, -- noqa: RF04
        cast(arr as {{ money }}) as arr,
        cast(
            accounts_red_health as {{ dbt.type_bigint() }}
        ) as accounts_red_health,
        cast(arr_red_health as {{ money }}) as arr_red_health,
        cast(
            accounts_with_health_score as {{ dbt.type_bigint() }}
        ) as accounts_with_health_score,
        cast(average_health_score as {{ score }}) as average_health_score,
        cast(
            arr_weighted_health_score as {{ score }}
        ) as arr_weighted_health_score,
        cast(churned_accounts as {{ dbt.type_bigint() }}) as churned_accounts,
        cast(churned_arr as {{ money }}) as churned_arr,

        ---------- booleans
        is_month_complete
    from summed
)

select * from final
