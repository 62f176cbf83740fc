{#-
    The account-months of closed months that changed after the close: each
    account-month stored at close (fct_closed_account_months) against the
    same account-month today (fct_account_months), where its MRR, its
    constant-currency bases, its movement or its segments differ, or where
    it appeared or disappeared. These are the accounts that drove the
    figures listed in fct_restatements (a back-dated cancellation, a late
    invoice, a corrected price, a CRM fix).
-#}
{%- set money = cs_metrics.type_money() -%}

with

closed_account_months as (
    select * from {{ ref('fct_closed_account_months') }}
),

account_months as (
    select * from {{ ref('fct_account_months') }}
),

closed_months as (
    select
        month_start,
        min(closed_on) as closed_on
    from closed_account_months
    group by month_start
),

current_closed as (
    select account_months.*
    from account_months
    inner join closed_months
        on account_months.month_start = closed_months.month_start
),

compared as (
    select
        coalesce(
            closed_account_months.account_id, current_closed.account_id
        ) as account_id,
        coalesce(
            closed_account_months.month_start, current_closed.month_start
        ) as month_start,
        closed_account_months.account_id is not null as was_closed,
        current_closed.account_id is not null as is_current,
        closed_account_months.mrr as closed_mrr,
        current_closed.mrr as current_mrr,
        closed_account_months.movement_type as closed_movement_type,
        current_closed.movement_type as current_movement_type,
        closed_account_months.tier as closed_tier,
        current_closed.tier as current_tier,
        closed_account_months.prev_mrr_cc as closed_prev_mrr_cc,
        current_closed.prev_mrr_cc as current_prev_mrr_cc,
        closed_account_months.year_ago_mrr_cc as closed_year_ago_mrr_cc,
        current_closed.year_ago_mrr_cc as current_year_ago_mrr_cc
    from closed_account_months
    full outer join current_closed
        on
            closed_account_months.account_id = current_closed.account_id
            and closed_account_months.month_start = current_closed.month_start
),

flagged as (
    select
        *,
        coalesce(closed_mrr, 0) <> coalesce(current_mrr, 0) as mrr_changed,
        coalesce(closed_prev_mrr_cc, 0) <> coalesce(current_prev_mrr_cc, 0)
        or coalesce(closed_year_ago_mrr_cc, 0)
        <> coalesce(current_year_ago_mrr_cc, 0) as bases_changed,
        coalesce(closed_movement_type, '')
        <> coalesce(current_movement_type, '') as movement_changed,
        coalesce(closed_tier, '') <> coalesce(current_tier, '') as tier_changed
    from compared
),

final as (
    select
        ---------- keys
        flagged.account_id,
        flagged.month_start,

        ---------- strings
        case
            when not flagged.was_closed then 'appeared'
            when not flagged.is_current then 'disappeared'
            else trim({{ dbt.concat([
                "case when flagged.mrr_changed then 'mrr ' else '' end",
                "case when flagged.bases_changed then 'bases ' else '' end",
                "case when flagged.movement_changed then 'movement ' else ''"
                    ~ " end",
                "case when flagged.tier_changed then 'tier' else '' end",
            ]) }})
        end as changes,
        flagged.closed_movement_type,
        flagged.current_movement_type,
        flagged.closed_tier,
        flagged.current_tier,

        ---------- numerics
        cast(flagged.closed_mrr as {{ money }}) as closed_mrr,
        cast(flagged.current_mrr as {{ money }}) as current_mrr,
        cast(
            coalesce(flagged.current_mrr, 0) - coalesce(flagged.closed_mrr, 0)
            as {{ money }}
        ) as mrr_difference,

        ---------- dates
        closed_months.closed_on
    from flagged
    inner join closed_months
        on flagged.month_start = closed_months.month_start
    where
        not flagged.was_closed
        or not flagged.is_current
        or flagged.mrr_changed
        or flagged.bases_changed
        or flagged.movement_changed
        or flagged.tier_changed
)

select * from final
