{#-
    CS touches per month, lifecycle stage and service model, over the
    account-months of fct_cs_coverage_monthly: are lifecycle plays
    front-loaded (onboarding), or is the middle of the lifecycle
    (adoption, mature) left alone? A stage or service model not known
    (yet) is 'unknown'. Ratios are ratios of sums.
-#}
{%- set ratio = cs_metrics.type_ratio() -%}

with

coverage as (
    select * from {{ ref('fct_cs_coverage_monthly') }}
),

summed as (
    select
        month_start,
        coalesce(lifecycle_stage, 'unknown') as lifecycle_stage,
        coalesce(service_model, 'unknown') as service_model,
        is_month_complete,
        count(*) as accounts, -- noqa: RF04
        sum(touches) as touches,
        count(case when touches = 0 then 1 end) as accounts_without_touch,
        count(
            case when has_qbr_last_90_days then 1 end
        ) as accounts_with_recent_qbr
    from coverage
    group by
        month_start,
        coalesce(lifecycle_stage, 'unknown'),
        coalesce(service_model, 'unknown'),
        is_month_complete
),

final as (
    select
        ---------- keys
        month_start,
        lifecycle_stage,
        service_model,

        ---------- numerics
        -- public column name; SQLFluff lists ACCOUNTS as a keyword
        cast(accounts as {{ dbt.type_bigint() }}) as accounts, -- noqa: RF04
        cast(touches as {{ dbt.type_bigint() }}) as touches,
        cast(
            cast(touches as {{ ratio }})
            / nullif(accounts, 0) as {{ ratio }}
        ) as touches_per_account,
        cast(
            accounts_without_touch as {{ dbt.type_bigint() }}
        ) as accounts_without_touch,
        cast(
            accounts_with_recent_qbr as {{ dbt.type_bigint() }}
        ) as accounts_with_recent_qbr,
        cast(
            cast(accounts_with_recent_qbr as {{ ratio }})
            / nullif(accounts, 0) as {{ ratio }}
        ) as share_with_recent_qbr,

        ---------- booleans
        is_month_complete
    from summed
)

select * from final
