{#-
    The revenue recognition check: every account-month's recognised
    revenue equals mrr plus the differences its listed reasons explain
    (fct_revenue_recognition_check), up to var revrec_tolerance. Returns
    one row per account-month that is not reconciled, naming the account
    and the month: a line billed at another amount, a period nobody
    invoiced, an invoice without a subscription, or a missing rate.
    Warns rather than stopping the build (a billing discrepancy is a
    finding for finance, not a broken pipeline); the failing rows are
    stored in the audit schema (audit.assert_recognised_revenue_is_explained)
    and listed by `cs-metrics quality-report`.
-#}
{{ config(severity='warn', store_failures=true, schema='audit') }}

with

checks as (
    select * from {{ ref('fct_revenue_recognition_check') }}
),

final as (
    select
        account_id,
        month_start,
        mrr,
        recognised_revenue,
        expected_revenue,
        unexplained_difference,
        has_missing_fx_rate
    from checks
    where not is_reconciled
)

select * from final
