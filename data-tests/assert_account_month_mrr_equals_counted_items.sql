{#-
    Nothing is lost between the counted items and the public marts: per
    month, the MRR of every counted subscription item version (converted
    at the month's rate) equals the MRR bridge's ending MRR, within var
    reconciliation_tolerance; fct_mrr_totals_monthly ties that ending MRR
    to Σ mrr of fct_account_months. The rule lives in
    fct_mrr_counted_items_monthly (the quality report shows every month);
    this returns the months it does not reconcile.
-#}
with

counted_items as (
    select * from {{ ref('fct_mrr_counted_items_monthly') }}
),

final as (
    select
        month_start,
        item_versions,
        converted_mrr,
        ending_mrr,
        difference
    from counted_items
    where not is_reconciled
)

select * from final
