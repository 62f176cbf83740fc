{#-
    support.tickets from Zendesk (docs/presets/zendesk.md): every ticket
    not deleted, its account from its organization (the column named by var
    zendesk_organization_account_id_column), the first reply from its
    ticket metrics, solved_at from its status changes and csat_score from
    its satisfaction rating.
      first_response_at  created_at + the ticket_metric row's
                         reply_time_in_minutes_calendar (null: no reply
                         yet); a ticket without a ticket_metric row: the
                         first public comment by an agent or admin after
                         the ticket's first comment (the request itself is
                         never a reply; internal notes and deleted comments
                         are not replies);
      solved_at          for a solved or closed ticket, the last time its
                         status became solved (a ticket closed without
                         being solved, e.g. merged: when it was closed);
                         null otherwise;
      status             new is open, hold is pending (waiting on someone
                         else, like pending); others as they are;
      csat_score         the ticket's latest good or bad rating as vars
                         zendesk_csat_good_score / zendesk_csat_bad_score
                         (5 and 1); offered or unoffered: not rated.
-#}

{{ config(enabled=cs_metrics.preset_selected('zendesk')) }}

{%- set tickets_relation = source('zendesk', 'ticket') -%}
{%- set organizations_relation = source('zendesk', 'organization') -%}
{%- set comments_relation = source('zendesk', 'ticket_comment') -%}
{%- set history_relation = source('zendesk', 'ticket_field_history') -%}
{%- set metrics_relation = source('zendesk', 'ticket_metric') -%}

with

tickets as (
    select * from {{ tickets_relation }}
    where
        ({{ cs_metrics.zendesk_ticket_left_out_reason(tickets_relation) }})
        is null
),

organizations as (
    select * from {{ organizations_relation }}
),

comments as (
    select * from {{ comments_relation }}
    where not coalesce({{ cs_metrics.source_column_or_null(
        comments_relation, '_fivetran_deleted', dbt.type_boolean()
    ) }}, false)
),

users as (
    select * from {{ source('zendesk', 'user') }}
),

ticket_metrics as (
    select * from {{ metrics_relation }}
),

field_history as (
    select * from {{ history_relation }}
    where field_name in ('status', 'satisfaction_score')
),

organization_accounts as (
    select
        organizations.id as organization_id,
        {{ cs_metrics.var_named_column_text(
            organizations_relation,
            'zendesk_organization_account_id_column',
            'Zendesk table organization',
            'docs/presets/zendesk.md',
        ) }} as account_id
    from organizations
),

-- Zendesk's first reply time: one row per ticket (should a ticket have
-- several, the shortest reply time)
metric_replies as (
    select
        ticket_id,
        min(cast(
            reply_time_in_minutes_calendar as {{ dbt.type_bigint() }}
        )) as reply_minutes
    from ticket_metrics
    group by ticket_id
),

-- the fallback for a ticket without a ticket_metric row: its comments.
-- The first comment of a ticket is its request, never a reply
comments_numbered as (
    select
        ticket_id,
        user_id,
        public as is_public,
        {{ cs_metrics.utc_timestamp(comments_relation, 'created') }}
            as created_at,
        row_number() over (
            partition by ticket_id
            order by
                {{ cs_metrics.utc_timestamp(comments_relation, 'created') }},
                id
        ) as comment_number
    from comments
),

first_replies as (
    select
        comments_numbered.ticket_id,
        min(comments_numbered.created_at) as first_response_at
    from comments_numbered
    inner join users
        on comments_numbered.user_id = users.id
    where
        comments_numbered.comment_number > 1
        and comments_numbered.is_public
        and lower(trim(users.role)) in ('agent', 'admin')
    group by comments_numbered.ticket_id
),

changes as (
    select
        ticket_id,
        field_name,
        lower(trim(value)) as field_value,
        {{ cs_metrics.utc_timestamp(history_relation, 'updated') }}
            as changed_at
    from field_history
),

status_dates as (
    select
        ticket_id,
        max(case when field_value = 'solved' then changed_at end)
            as last_solved_at,
        min(case when field_value = 'closed' then changed_at end)
            as first_closed_at
    from changes
    where field_name = 'status'
    group by ticket_id
),

-- the latest rating; at the same instant, bad before good (the lower
-- score wins a tie)
ratings_ranked as (
    select
        ticket_id,
        case
            when field_value like 'good%'
                then {{ var('zendesk_csat_good_score') | int }}
            else {{ var('zendesk_csat_bad_score') | int }}
        end as csat_score,
        row_number() over (
            partition by ticket_id
            order by changed_at desc, field_value asc
        ) as rating_rank
    from changes
    where
        field_name = 'satisfaction_score'
        and (field_value like 'good%' or field_value like 'bad%')
),

renamed as (
    select
        cast(tickets.id as {{ dbt.type_string() }}) as ticket_id,
        organization_accounts.account_id,
        {{ cs_metrics.utc_timestamp(tickets_relation, 'created_at') }}
            as opened_at,
        lower(trim(cast(tickets.priority as {{ dbt.type_string() }})))
            as priority,
        lower(trim(cast(tickets.status as {{ dbt.type_string() }})))
            as zendesk_status,
        case
            when metric_replies.ticket_id is not null
                then {{ dbt.dateadd(
                    'minute',
                    'metric_replies.reply_minutes',
                    cs_metrics.utc_timestamp(tickets_relation, 'created_at'),
                ) }}
            else first_replies.first_response_at
        end as first_response_at,
        status_dates.last_solved_at,
        status_dates.first_closed_at,
        ratings_ranked.csat_score
    from tickets
    left outer join organization_accounts
        on tickets.organization_id = organization_accounts.organization_id
    left outer join metric_replies
        on tickets.id = metric_replies.ticket_id
    left outer join first_replies
        on tickets.id = first_replies.ticket_id
    left outer join status_dates
        on tickets.id = status_dates.ticket_id
    left outer join ratings_ranked
        on
            tickets.id = ratings_ranked.ticket_id
            and ratings_ranked.rating_rank = 1
),

final as (
    select
        ticket_id,
        account_id,
        opened_at,
        first_response_at,
        case
            when zendesk_status in ('solved', 'closed')
                then coalesce(last_solved_at, first_closed_at)
        end as solved_at,
        priority,
        case zendesk_status
            when 'new' then 'open'
            when 'hold' then 'pending'
            else zendesk_status
        end as status,
        cast(csat_score as {{ dbt.type_bigint() }}) as csat_score
    from renamed
)

select * from final
