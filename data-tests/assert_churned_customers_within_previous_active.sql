-- Churned customers of month M are attributed to their segment at the end
-- of M-1, where they were active: a segment cannot lose more customers in M
-- than it had active at the end of M-1 (0 when it has no row for M-1).
-- Returns the offending rows.

with

retention as (
    select * from {{ ref('fct_retention_monthly') }}
),

final as (
    select
        this_month.month_start,
        this_month.segment_type,
        this_month.segment_value,
        this_month.churned_customers,
        coalesce(
            previous_month.active_customers, 0
        ) as previous_active_customers
    from retention as this_month
    left outer join retention as previous_month
        on
            this_month.segment_type = previous_month.segment_type
            and this_month.segment_value = previous_month.segment_value
            and previous_month.month_start
            = {{ cs_metrics.add_months('this_month.month_start', -1) }}
    where
        this_month.churned_customers
        > coalesce(previous_month.active_customers, 0)
)

select * from final
