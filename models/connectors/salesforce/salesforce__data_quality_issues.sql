{#-
    The Salesforce rows the preset leaves out, in the shape of
    int_data_quality_issues_unioned (which lists them in
    fct_data_quality_issues): deleted contacts, opportunities, tasks and
    events (recycle bin, deleted in Salesforce, or in history mode without
    an active version), one row per record. Deleted accounts are not left
    out (they stay, flagged is_deleted); open tasks are not yet touches
    and not listed.
-#}

{{ config(enabled=cs_metrics.preset_selected('salesforce')) }}

{#- (table, metric fed) -#}
{%- set tables = [
    ('contact', 'none'),
    ('opportunity', 'none'),
    ('task', 'cs_coverage'),
    ('event', 'cs_coverage'),
] -%}

with

{% for table, metric in tables %}
{{ table }}_left_out as (
    select
        'salesforce.{{ table }}' as source_table,
        cast(id as {{ dbt.type_string() }}) as record_id,
        'connector_row_left_out' as issue_type,
        left_out_reason as issue_description,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        '{{ metric }}' as affected_metric
    from ({{ cs_metrics.salesforce_current_rows(table) }}) as current_rows
    where left_out_reason is not null
),

{% endfor %}
unioned as (
    {% for table, metric in tables %}
    select * from {{ table }}_left_out
    {{ 'union all' if not loop.last }}
    {% endfor %}
),

final as (
    {{ cs_metrics.connector_left_out_issues('unioned') }}
)

select * from final
