{#-
    A renewal that did not happen keeps no ARR (arr_after = 0), and no
    renewal falls after the as-of date. Returns the renewals that break it.
-#}
with

renewals as (
    select * from {{ ref('fct_renewals') }}
)

select
    subscription_id,
    renewal_number,
    renewal_at,
    is_renewed,
    arr_after
from renewals
where
    (not is_renewed and arr_after <> 0)
    or arr_before < 0
    or arr_after < 0
    or cast(renewal_at as date) > {{ as_of_date() }}
