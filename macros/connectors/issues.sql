{#-
    The body of a preset's <connector>__data_quality_issues final CTE: the
    connector rows it leaves out, from the CTE `rows` (source_table,
    record_id, issue_type, issue_description, account_id, affected_metric),
    in the shape of int_data_quality_issues_unioned: one record each, no
    amount at stake (the row never counted), excluded from its metric.
-#}
{% macro connector_left_out_issues(rows) -%}
    select
        source_table,
        record_id,
        issue_type,
        issue_description,
        account_id,
        affected_metric,
        1 as affected_rows,
        cast(null as {{ cs_metrics.type_money() }}) as affected_amount,
        cast(null as {{ dbt.type_string() }}) as affected_currency,
        true as is_excluded_from_metric
    from {{ rows }}
{%- endmacro %}
