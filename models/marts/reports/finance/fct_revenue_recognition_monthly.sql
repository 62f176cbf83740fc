{#-
    The revenue recognition check per month in total: recognised revenue
    against MRR over all accounts (fct_revenue_recognition_check), with the
    number of account-months whose own difference exceeds revrec_tolerance
    (and revrec_relative_tolerance of their MRR), and the month's relative
    difference = difference / mrr (null when mrr is 0 or the difference is
    unknown).
-#}
{%- set money = cs_metrics.type_money() -%}
{%- set ratio = cs_metrics.type_ratio() -%}

with

checks as (
    select * from {{ ref('fct_revenue_recognition_check') }}
),

summed as (
    select
        month_start,
        is_month_complete,
        count(*) as accounts, -- noqa: RF04
        count(
            case when is_over_tolerance then 1 end
        ) as accounts_over_tolerance,
        count(
            case when is_over_relative_tolerance then 1 end
        ) as accounts_over_relative_tolerance,
        count(
            case when has_missing_fx_rate then 1 end
        ) as accounts_with_missing_fx_rate,
        sum(recognised_revenue) as recognised_revenue,
        sum(mrr) as mrr,
        sum(abs(difference)) as absolute_difference
    from checks
    group by
        month_start,
        is_month_complete
),

final as (
    select
        ---------- keys
        month_start,

        ---------- numerics
        -- public column name; SQLFluff lists ACCOUNTS as a keyword
        cast(accounts as {{ dbt.type_bigint() }}) as accounts, -- noqa: RF04
        cast(
            accounts_over_tolerance as {{ dbt.type_bigint() }}
        ) as accounts_over_tolerance,
        cast(
            accounts_with_missing_fx_rate as {{ dbt.type_bigint() }}
        ) as accounts_with_missing_fx_rate,
        -- unknown, not under-stated, while a rate is missing
        case
            when accounts_with_missing_fx_rate = 0
                then cast(recognised_revenue as {{ money }})
        end as recognised_revenue,
        cast(mrr as {{ money }}) as mrr,
        case
            when accounts_with_missing_fx_rate = 0
                then cast(recognised_revenue - mrr as {{ money }})
        end as difference,
        cast(absolute_difference as {{ money }}) as absolute_difference,
        cast(
            accounts_over_relative_tolerance as {{ dbt.type_bigint() }}
        ) as accounts_over_relative_tolerance,
        -- cast before dividing; nullif turns a zero MRR into a null ratio
        case
            when accounts_with_missing_fx_rate = 0
                then cast(
                    cast(recognised_revenue - mrr as {{ ratio }})
                    / nullif(cast(mrr as {{ ratio }}), 0) as {{ ratio }}
                )
        end as relative_difference,

        ---------- booleans
        is_month_complete
    from summed
)

select * from final
