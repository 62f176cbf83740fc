{#-
    The MRR bridge identity per month of fct_mrr_bridge_monthly, as the
    quality report shows it and the test assert_mrr_bridge_identity_holds
    lists the months that break it:
      movements_mrr       = new + reactivation + expansion + contraction
                            + churned + fx_impact
      computed_ending_mrr = starting_mrr + movements_mrr
      difference          = ending_mrr - computed_ending_mrr
      is_reconciled       = abs(difference) <= reconciliation_tolerance
-#}
{%- set money = cs_metrics.type_money() -%}
{%- set tolerance = cs_metrics.setting_sql('reconciliation_tolerance') -%}

with

bridge as (
    select * from {{ ref('fct_mrr_bridge_monthly') }}
),

summed as (
    select
        month_start,
        coalesce(starting_mrr, 0) as starting_mrr,
        coalesce(new_mrr, 0)
        + coalesce(reactivation_mrr, 0)
        + coalesce(expansion_mrr, 0)
        + coalesce(contraction_mrr, 0)
        + coalesce(churned_mrr, 0)
        + coalesce(fx_impact_mrr, 0) as movements_mrr,
        coalesce(ending_mrr, 0) as ending_mrr
    from bridge
),

computed as (
    select
        month_start,
        starting_mrr,
        movements_mrr,
        starting_mrr + movements_mrr as computed_ending_mrr,
        ending_mrr
    from summed
),

final as (
    select
        ---------- keys
        month_start,

        ---------- numerics
        cast(starting_mrr as {{ money }}) as starting_mrr,
        cast(movements_mrr as {{ money }}) as movements_mrr,
        cast(computed_ending_mrr as {{ money }}) as computed_ending_mrr,
        cast(ending_mrr as {{ money }}) as ending_mrr,
        cast(ending_mrr - computed_ending_mrr as {{ money }}) as difference,

        ---------- booleans: the verdict
        abs(ending_mrr - computed_ending_mrr)
        <= {{ tolerance }} as is_reconciled
    from computed
)

select * from final
