{#-
    Segment's group calls (table groups) with the CRM account each names:
    the text of the groups column named by var
    segment_group_account_id_column (blank: none). Read by the memberships
    (segment__user_groups) and by the listing of the calls that place
    nobody (segment__data_quality_issues).
-#}

{{ config(enabled=cs_metrics.preset_selected('segment')) }}

{%- set groups_relation = source('segment', 'groups') -%}

with

group_calls as (
    select * from {{ groups_relation }}
),

final as (
    select
        cast(id as {{ dbt.type_string() }}) as group_call_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        {{ cs_metrics.var_named_column_text(
            groups_relation,
            'segment_group_account_id_column',
            'Segment table groups',
            'docs/presets/segment.md',
        ) }} as account_id,
        {{ cs_metrics.utc_timestamp(
            groups_relation, adapter.quote('timestamp')
        ) }} as called_at
    from group_calls
)

select * from final
