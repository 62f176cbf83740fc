{#-
    How often renewals renewed, by the account's health status and tier
    just before them: the history fct_renewal_risk reads its expected
    renewal rate from. Every renewal of fct_renewals whose renewal month is
    complete counts once, with the account's health_status and tier at the
    end of the month before the renewal month (fct_account_months; 'unknown'
    when null or when the account has no row then). Rows: each
    (health_status, tier) cell, each health status over all tiers
    (tier 'all') and everything ('all', 'all', always present).
      renewal_rate     = renewals_renewed / renewals_due
      arr_renewal_rate = arr_renewed / arr_before (arr_renewed: arr_before
                         of the renewals that renewed)
    Ratios of sums, null when the denominator is 0.
-#}
{%- set money = cs_metrics.type_money() -%}
{%- set ratio = cs_metrics.type_ratio() -%}
{%- set min_renewals = cs_metrics.setting('renewal_rate_min_renewals') -%}
{#- the counts of every row level (cells, health statuses, overall) -#}
{%- set counted -%}
count(*) as renewals_due,
        count(case when is_renewed then 1 end) as renewals_renewed,
        sum(arr_before) as arr_before,
        sum(case when is_renewed then arr_before else 0 end) as arr_renewed,
        min(renewal_month) as first_renewal_month,
        max(renewal_month) as last_renewal_month
{%- endset %}

with

renewals as (
    select * from {{ ref('fct_renewals') }}
    where {{ cs_metrics.is_month_complete('renewal_month') }}
),

account_months as (
    select * from {{ ref('fct_account_months') }}
),

-- the account's state at the last snapshot before the renewal month
classified as (
    select
        coalesce(account_months.health_status, 'unknown') as health_status,
        coalesce(account_months.tier, 'unknown') as tier,
        renewals.renewal_month,
        renewals.arr_before,
        renewals.is_renewed
    from renewals
    left outer join account_months
        on
            renewals.account_id = account_months.account_id
            and {{ cs_metrics.add_months('renewals.renewal_month', -1) }}
            = account_months.month_start
),

cells as (
    select
        health_status,
        tier,
        'health_status_tier' as rate_level,
        {{ counted }}
    from classified
    group by
        health_status,
        tier
),

statuses as (
    select
        health_status,
        'all' as tier,
        'health_status' as rate_level,
        {{ counted }}
    from classified
    group by health_status
),

-- no group by: one row even without any renewal history
overall as (
    select
        'all' as health_status,
        'all' as tier,
        'overall' as rate_level,
        {{ counted }}
    from classified
),

unioned as (
    select * from cells
    union all
    select * from statuses
    union all
    select * from overall
),

final as (
    select
        ---------- keys
        health_status,
        tier,

        ---------- strings
        rate_level,

        ---------- numerics
        cast(renewals_due as {{ dbt.type_bigint() }}) as renewals_due,
        cast(renewals_renewed as {{ dbt.type_bigint() }}) as renewals_renewed,
        cast(coalesce(arr_before, 0) as {{ money }}) as arr_before,
        cast(coalesce(arr_renewed, 0) as {{ money }}) as arr_renewed,
        -- operands as money, as in fct_renewals_monthly: Spark keeps 10
        -- decimals of the quotient only for these precisions
        cast(
            cast(renewals_renewed as {{ money }})
            / nullif(cast(renewals_due as {{ money }}), 0)
            as {{ ratio }}
        ) as renewal_rate,
        cast(
            cast(arr_renewed as {{ money }})
            / nullif(cast(arr_before as {{ money }}), 0)
            as {{ ratio }}
        ) as arr_renewal_rate,

        ---------- booleans
        renewals_due >= {{ min_renewals }} as has_min_renewals,

        ---------- dates
        first_renewal_month,
        last_renewal_month
    from unioned
)

select * from final
