{#-
    The account-months of each closed month as they were when it closed (the
    same close rule and life cycle as fct_closed_month_figures): the
    account-level values behind the closed figures, so fct_restatement_drivers
    can name the accounts whose history changed afterwards. Append-only,
    kept through --full-refresh.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=false,
        on_schema_change='fail',
    )
}}

with

account_months as (
    select * from {{ ref('fct_account_months') }}
    -- closed months not stored by an earlier run (they stay as closed)
    where {{ cs_metrics.is_month_to_store('month_start') }}
),

final as (
    select
        ---------- keys
        account_id,
        month_start,

        ---------- strings
        movement_type,
        churn_type,
        tier,
        movement_tier,
        year_ago_tier,

        ---------- numerics
        mrr,
        prev_mrr_cc,
        year_ago_mrr_cc,
        new_mrr,
        reactivation_mrr,
        expansion_mrr,
        contraction_mrr,
        churned_mrr,
        fx_impact_mrr,

        ---------- dates
        {{ as_of_date() }} as closed_on
    from account_months
)

select * from final
