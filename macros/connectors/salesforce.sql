{#-
    Helpers of the Salesforce CRM preset (models/connectors/salesforce/,
    docs/presets/salesforce.md).
-#}

{#-
    The body of a CTE: the current row of each record (`id`) of the
    Salesforce table `table_name`, with `left_out_reason` (null for a live
    record). Fivetran writes a table in history mode (several rows per id;
    the latest by _fivetran_start is current, and a record whose rows are
    all inactive, _fivetran_active = false, was deleted) or not (one row per
    id; _fivetran_deleted = true when deleted in Salesforce); Salesforce's
    own is_deleted marks records in the recycle bin. The optional Fivetran
    columns read as null when absent.
-#}
{% macro salesforce_current_rows(table_name, has_is_deleted=true) -%}
    {%- set relation = source('salesforce', table_name) -%}
    select *
    from (
        select
            source_rows.*,
            case
                {%- if has_is_deleted %}
                when coalesce(source_rows.is_deleted, false)
                    then 'deleted in Salesforce (is_deleted = true)'
                {%- endif %}
                when coalesce({{ cs_metrics.source_column_or_null(
                    relation, '_fivetran_deleted', dbt.type_boolean()
                ) }}, false)
                    then 'deleted in Salesforce (_fivetran_deleted = true)'
                when not coalesce({{ cs_metrics.source_column_or_null(
                    relation, '_fivetran_active', dbt.type_boolean()
                ) }}, true)
                    then 'deleted in Salesforce (history mode: no active version)'
            end as left_out_reason,
            row_number() over (
                partition by source_rows.id
                order by {{ cs_metrics.source_column_or_null(
                    relation, '_fivetran_start', dbt.type_timestamp()
                ) }} desc nulls last
            ) as version_from_last
        from {{ relation }} as source_rows
    ) as versions
    where version_from_last = 1
{%- endmacro %}
