-- Gross revenue retention caps every account at its starting (monthly) or
-- base (TTM) MRR, so neither ratio can exceed 1 on any month or segment.
-- Returns the offending rows.

with

retention as (
    select * from {{ ref('fct_retention_monthly') }}
),

final as (
    select
        month_start,
        segment_type,
        segment_value,
        monthly_grr,
        grr_ttm
    from retention
    where
        monthly_grr > 1.000000001
        or grr_ttm > 1.000000001
)

select * from final
