with

issues as (
    select * from {{ ref('int_data_quality_issues_unioned') }}
),

final as (
    select
        ---------- ids
        cast(source_table as {{ dbt.type_string() }}) as source_table,
        cast(record_id as {{ dbt.type_string() }}) as record_id,
        cast(issue_type as {{ dbt.type_string() }}) as issue_type,
        cast(account_id as {{ dbt.type_string() }}) as account_id,

        ---------- strings
        cast(
            issue_description as {{ dbt.type_string() }}
        ) as issue_description,
        cast(affected_metric as {{ dbt.type_string() }}) as affected_metric,

        ---------- numerics
        cast(affected_rows as {{ dbt.type_bigint() }}) as affected_rows,
        cast(
            affected_amount as {{ cs_metrics.type_money() }}
        ) as affected_amount,
        cast(affected_currency as {{ dbt.type_string() }}) as affected_currency,

        ---------- booleans
        cast(
            is_excluded_from_metric as {{ dbt.type_boolean() }}
        ) as is_excluded_from_metric,

        ---------- dates
        {{ as_of_date() }} as as_of_date,

        ---------- strings
        cast(metric_effect as {{ dbt.type_string() }}) as metric_effect
    from issues
)

select * from final
