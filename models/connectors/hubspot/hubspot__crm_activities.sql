{#-
    crm.activities from HubSpot engagements (docs/presets/hubspot.md): the
    engagements hubspot__engagements keeps, as CS touches.
-#}

{{ config(enabled=cs_metrics.preset_selected('hubspot')) }}

with

engagements as (
    select * from {{ ref('hubspot__engagements') }}
    where left_out_reason is null
),

final as (
    select
        engagement_id as activity_id,
        account_id,
        owner_id,
        activity_type,
        occurred_at
    from engagements
)

select * from final
