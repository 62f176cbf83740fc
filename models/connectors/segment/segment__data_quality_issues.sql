{#-
    The Segment rows the preset leaves out, in the shape of
    int_data_quality_issues_unioned (which lists them in
    fct_data_quality_issues): group calls that place nobody, without a
    user_id (anonymous calls, before a user logs in), without an account
    id (var segment_group_account_id_column blank) or without a timestamp,
    one row per call.
    Track calls are never left out here: one without a user or an account
    reaches staging, which flags it (missing user_id / account_id).
-#}

{{ config(enabled=cs_metrics.preset_selected('segment')) }}

{%- set anonymous = 'anonymous group call (no user_id): places no user' -%}
{%- set no_account = 'group call without an account id (var'
    ~ ' segment_group_account_id_column): places no user' -%}

with

calls as (
    select * from {{ ref('segment__group_calls') }}
),

left_out as (
    select
        'segment.groups' as source_table,
        group_call_id as record_id,
        'connector_row_left_out' as issue_type,
        case
            when user_id is null then '{{ anonymous }}'
            when account_id is null then '{{ no_account }}'
            else 'group call without a timestamp: places no user'
        end as issue_description,
        cast(null as {{ dbt.type_string() }}) as account_id,
        'usage' as affected_metric
    from calls
    where user_id is null or account_id is null or called_at is null
),

final as (
    {{ cs_metrics.connector_left_out_issues('left_out') }}
)

select * from final
