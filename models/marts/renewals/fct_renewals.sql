{#-
    One row per subscription renewal that fell due up to as_of_date
    (int_subscription_renewals_scheduled, is_due), with the subscription's ARR just
    before and just after it, in the reporting currency at each month's own
    rate:
      arr_before = 12 x mrr of the subscription at the end of the month
                   before the renewal month;
      arr_after  = 12 x mrr at the end of the renewal month, 0 when the
                   subscription did not renew.
-#}
{%- set money = cs_metrics.type_money() -%}

with

renewals as (
    select * from {{ ref('int_subscription_renewals_scheduled') }}
    where is_due
),

subscription_months as (
    select * from {{ ref('int_subscription_months_summed') }}
),

dated as (
    select
        *,
        {{ cs_metrics.add_months('renewal_month', -1) }} as month_before
    from renewals
),

final as (
    select
        ---------- ids
        dated.account_id,
        dated.subscription_id,

        ---------- numerics
        dated.renewal_number,
        dated.term_months,
        cast(
            {{ cs_metrics.mrr_to_arr('coalesce(before_renewal.mrr, 0)') }}
            as {{ money }}
        ) as arr_before,
        cast(
            case
                when dated.is_renewed then {{ cs_metrics.mrr_to_arr(
                    'coalesce(after_renewal.mrr, 0)'
                ) }}
                else 0
            end as {{ money }}
        ) as arr_after,

        ---------- booleans
        dated.is_renewed,

        ---------- dates
        dated.renewal_month,

        ---------- timestamps
        dated.renewal_at
    from dated
    left outer join subscription_months as before_renewal
        on
            dated.subscription_id = before_renewal.subscription_id
            and dated.month_before = before_renewal.month_start
    left outer join subscription_months as after_renewal
        on
            dated.subscription_id = after_renewal.subscription_id
            and dated.renewal_month = after_renewal.month_start
)

select * from final
