{#-
    Renewal rates per renewal month (months with at least one renewal due):
      logo_renewal_rate  = renewals_renewed / renewals_due
      gross_renewal_rate = sum(min(arr_after, arr_before)) / sum(arr_before)
      net_renewal_rate   = sum(arr_after) / sum(arr_before)
    Ratios of sums, null when the denominator is 0.
-#}
{%- set money = cs_metrics.type_money() -%}
{%- set ratio = cs_metrics.type_ratio() -%}

with

renewals as (
    select * from {{ ref('fct_renewals') }}
),

summed as (
    select
        renewal_month,
        count(*) as renewals_due,
        count(case when is_renewed then 1 end) as renewals_renewed,
        sum(arr_before) as arr_before,
        sum(arr_after) as arr_after,
        sum(
            case when arr_after < arr_before then arr_after else arr_before end
        ) as arr_retained
    from renewals
    group by renewal_month
),

final as (
    select
        ---------- keys
        summed.renewal_month,

        ---------- numerics
        cast(summed.renewals_due as {{ dbt.type_bigint() }}) as renewals_due,
        cast(
            summed.renewals_renewed as {{ dbt.type_bigint() }}
        ) as renewals_renewed,
        cast(summed.arr_before as {{ money }}) as arr_before,
        cast(summed.arr_after as {{ money }}) as arr_after,
        cast(summed.arr_retained as {{ money }}) as arr_retained,
        cast(
            cast(summed.renewals_renewed as {{ money }})
            / nullif(cast(summed.renewals_due as {{ money }}), 0)
            as {{ ratio }}
        ) as logo_renewal_rate,
        cast(
            summed.arr_retained / nullif(summed.arr_before, 0) as {{ ratio }}
        ) as gross_renewal_rate,
        cast(
            summed.arr_after / nullif(summed.arr_before, 0) as {{ ratio }}
        ) as net_renewal_rate,

        ---------- booleans
        {{ cs_metrics.is_month_complete('summed.renewal_month') }}
            as is_month_complete
    from summed
)

select * from final
