{#-
    Voluntary and involuntary churn split churned MRR and churned customers
    exactly, on every account-month and every bridge month: a row is
    returned for each place the parts do not add up.
-#}
with

account_months as (
    select * from {{ ref('fct_account_months') }}
),

bridge as (
    select * from {{ ref('fct_mrr_bridge_monthly') }}
),

account_month_gaps as (
    select
        'fct_account_months' as mart,
        account_id as record_key,
        month_start
    from account_months
    where
        voluntary_churned_mrr + involuntary_churned_mrr <> churned_mrr
        or (movement_type = 'churn') <> (churn_type is not null)
),

bridge_gaps as (
    select
        'fct_mrr_bridge_monthly' as mart,
        'all' as record_key,
        month_start
    from bridge
    where
        voluntary_churned_mrr + involuntary_churned_mrr <> churned_mrr
        or voluntary_churned_customers + involuntary_churned_customers
        <> churned_customers
),

final as (
    select * from account_month_gaps
    union all
    select * from bridge_gaps
)

select * from final
