{#-
    The month spine of the revenue models: one row per calendar month from
    the first month any billing item version is valid through the as-of
    month, with its snapshot instant t(M) = the first instant of M + 1.
-#}
with

items as (
    select * from {{ ref('stg_billing__subscription_items') }}
),

first_months as (
    select
        {{ cs_metrics.month_start_of('min(valid_from_at)') }}
            as first_item_month_start
    from items
    where not is_contract_violation
),

-- Never later than the as-of month, so the spine always holds that month.
bounds as (
    select
        case
            when first_item_month_start < {{ as_of_month() }}
                then first_item_month_start
            else {{ as_of_month() }}
        end as first_month_start
    from first_months
),

digits as (
    select 0 as digit
    union all
    select 1 as digit
    union all
    select 2 as digit
    union all
    select 3 as digit
    union all
    select 4 as digit
    union all
    select 5 as digit
    union all
    select 6 as digit
    union all
    select 7 as digit
    union all
    select 8 as digit
    union all
    select 9 as digit
),

-- 0 .. 9,999 months (over 800 years): no recursive CTE or series function.
month_offsets as (
    select
        thousands.digit * 1000
        + hundreds.digit * 100
        + tens.digit * 10
        + ones.digit as month_offset
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands
),

months as (
    select
        {{ cs_metrics.add_months(
            'bounds.first_month_start', 'month_offsets.month_offset'
        ) }} as month_start
    from bounds
    cross join month_offsets
    where
        month_offsets.month_offset <= {{ dbt.datediff(
            'bounds.first_month_start', as_of_month(), 'month'
        ) }}
),

final as (
    select
        month_start,
        cast(
            {{ dbt.last_day('month_start', 'month') }} as date
        ) < {{ as_of_date() }} as is_month_complete,
        cast({{ dbt.last_day('month_start', 'month') }} as date)
            as month_end_date,
        cast(
            {{ cs_metrics.add_months('month_start', 1) }}
            as {{ dbt.type_timestamp() }}
        ) as snapshot_at
    from months
)

select * from final
