{#-
    The revenue recognition check per month in total: recognised revenue
    against MRR and against the expected revenue over all accounts
    (fct_revenue_recognition_check), with the difference explained by
    reason, what is left unexplained, and the number of account-months
    whose own unexplained difference exceeds revrec_tolerance (and
    revrec_relative_tolerance of their expected revenue). The month is
    reconciled when no account-month is over revrec_tolerance and no rate
    is missing: the quality report shows this verdict and these amounts
    (explained_difference = expected_revenue - mrr, what the reasons
    explain in total). relative_difference = difference / mrr (null when
    mrr is 0 or the difference is unknown).
-#}
{%- set money = cs_metrics.type_money() -%}
{%- set ratio = cs_metrics.type_ratio() -%}
{%- set reasons = cs_metrics.revenue_recognition_reasons() -%}

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
        sum(abs(difference)) as absolute_difference,
        sum(expected_revenue) as expected_revenue,
        {%- for reason in reasons %}
        sum(explained_{{ reason }}) as explained_{{ reason }},
        {%- endfor %}
        sum(unexplained_difference) as unexplained_difference,
        sum(abs(unexplained_difference)) as absolute_unexplained_difference
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
        is_month_complete,

        ---------- numerics: the difference explained by reason
        case
            when accounts_with_missing_fx_rate = 0
                then cast(expected_revenue as {{ money }})
        end as expected_revenue,
        -- what the reasons explain in total (expected_revenue - mrr)
        case
            when accounts_with_missing_fx_rate = 0
                then cast(expected_revenue - mrr as {{ money }})
        end as explained_difference,
        {%- for reason in reasons %}
        case
            when accounts_with_missing_fx_rate = 0
                then cast(explained_{{ reason }} as {{ money }})
        end as explained_{{ reason }},
        {%- endfor %}
        case
            when accounts_with_missing_fx_rate = 0
                then cast(unexplained_difference as {{ money }})
        end as unexplained_difference,
        case
            when accounts_with_missing_fx_rate = 0
                then cast(absolute_unexplained_difference as {{ money }})
        end as absolute_unexplained_difference,

        ---------- booleans: the verdict
        accounts_over_tolerance = 0
        and accounts_with_missing_fx_rate = 0 as is_reconciled
    from summed
)

select * from final
