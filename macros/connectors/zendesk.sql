{#-
    Helpers of the Zendesk support preset (models/connectors/zendesk/,
    docs/presets/zendesk.md).
-#}

{#-
    Why a Zendesk ticket is left out, or null when the preset uses it:
    deleted in Zendesk (status deleted: Zendesk keeps deleted tickets in
    its exports), then deleted as Fivetran saw it (_fivetran_deleted, an
    optional column). zendesk__support_tickets keeps the tickets where this
    is null and zendesk__data_quality_issues lists the others with it.
-#}
{% macro zendesk_ticket_left_out_reason(tickets_relation) -%}
    case
        when lower(trim(cast(status as {{ dbt.type_string() }}))) = 'deleted'
            then 'deleted in Zendesk (status = deleted)'
        when coalesce({{ cs_metrics.source_column_or_null(
            tickets_relation, '_fivetran_deleted', dbt.type_boolean()
        ) }}, false)
            then 'deleted (_fivetran_deleted = true)'
    end
{%- endmacro %}
