{#-
    Logo and gross renewal rates are shares: between 0 and 1. The gross
    rate caps every renewal at its ARR before, so it never exceeds the net
    rate. Returns the months that break either rule.
-#}
with

renewal_months as (
    select * from {{ ref('fct_renewals_monthly') }}
)

select
    renewal_month,
    logo_renewal_rate,
    gross_renewal_rate,
    net_renewal_rate
from renewal_months
where
    logo_renewal_rate < 0
    or logo_renewal_rate > 1
    or gross_renewal_rate < 0
    or gross_renewal_rate > 1
    or gross_renewal_rate > net_renewal_rate
    or renewals_renewed > renewals_due
