"""The demo company's support tickets as Fivetran's Zendesk connector writes them.

`convert` turns the contract's support.tickets into the Zendesk tables the dbt Zendesk preset
reads (models/connectors/zendesk/_zendesk__sources.yml), as Zendesk records the same tickets:

- `ticket`: the ticket number as id (tkt_0000123 is ticket 123: Zendesk ids are numbers), the
  current status (an open ticket nobody answered yet is `new`, every fifth pending one `hold`),
  the priority (Zendesk knows only urgent, high, normal and low: a contract spelling in another
  case or with spaces is that priority, an unknown one such as p2 is no priority), and the
  requester's organization;
- `organization`: one per account, the CRM account id in `external_id` (the default of var
  zendesk_organization_account_id_column); `user`: nine agents and an admin who answer, one
  end-user per organization who asks;
- `ticket_metric`: Zendesk's first reply time of each ticket, the calendar minutes from its
  creation to first_response_at rounded up to a whole minute (Zendesk counts whole minutes;
  rounding up keeps every SLA verdict, whose targets are whole hours, exactly the contract's),
  null while nobody has replied; every METRICLESS-th ticket has no row (Zendesk had not
  computed it when Fivetran synced), so the preset falls back to its comments;
- `ticket_comment`: the request at the ticket's creation, the first public agent reply at
  first_response_at, and around them what a help desk also records and is not a first reply:
  internal notes, the requester's follow-ups, a deleted reply (`_fivetran_deleted`), later
  replies;
- `ticket_field_history`: status changes (new at creation, open or pending at the first reply,
  solved at solved_at, closed four days later; every fourth solved ticket solved once before,
  then reopened) and satisfaction_score changes: offered when solved, then the rating - a
  contract csat_score of 4 or 5 is `good` (satisfied), 1 to 3 is `bad` (every sixth good rating
  was bad first).

Zendesk has tickets the contract layout has no counterpart for, added here and listed by the
preset in fct_data_quality_issues (`extra_rows`): a ticket deleted in Zendesk (status deleted),
one deleted as Fivetran saw it (_fivetran_deleted), one without an organization and one whose
organization has no CRM account id.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from cs_metrics.generate.fivetran.arrow import utc_instants
from cs_metrics.generate.fivetran.common import LEFT_OUT

READS = ("tickets",)
PRIORITIES = ("urgent", "high", "normal", "low")
SATISFIED_FROM = 4  # a contract csat_score from 4 up is a good rating, below it bad
AGENTS = 10  # users 1-10 answer: 1-9 agents, 10 an admin
END_USER_BASE = 1_000_000  # end-user ids: one per organization, from here
ORGANIZATION_BASE = 1_000  # organization ids, from here
EXTRA_BASE = 1_000_000_000  # ids of the extra tickets, above any ticket number
METRICLESS = 13  # every 13th ticket has no ticket_metric row: its first reply from comments

WITHOUT_ACCOUNT = "ticket_without_account"
# Tickets with no contract counterpart (see the module docstring), as the preset lists them in
# fct_data_quality_issues: (source_table, record_id, issue_type).
EXTRA_ROWS: tuple[tuple[str, str, str], ...] = (
    ("zendesk.ticket", str(EXTRA_BASE + 1), LEFT_OUT),
    ("zendesk.ticket", str(EXTRA_BASE + 2), LEFT_OUT),
    ("zendesk.ticket", str(EXTRA_BASE + 3), WITHOUT_ACCOUNT),
    ("zendesk.ticket", str(EXTRA_BASE + 4), WITHOUT_ACCOUNT),
)


def extra_rows() -> tuple[tuple[str, str, str], ...]:
    """Zendesk tickets the converter adds that the preset leaves out or cannot place, listed."""
    return EXTRA_ROWS


def ticket_numbers(ticket_ids: pa.Array) -> pa.Array:
    """The Zendesk ticket id (a number) of each contract ticket id: tkt_0000123 is 123."""
    digits = pc.extract_regex(ticket_ids, r"^tkt_(?P<number>[0-9]+)$")
    if digits.null_count > ticket_ids.null_count:
        bad = pc.filter(ticket_ids, pc.is_null(digits)).to_pylist()[:3]
        raise ValueError(f"ticket ids the generator does not make: {bad}")
    return pc.cast(pc.struct_field(digits, [0]), pa.int64())


def record_id(source_table: str, contract_record_id: str) -> str:
    """How the preset names a contract record in fct_data_quality_issues (tickets by number)."""
    if source_table == "support.tickets":
        return str(ticket_numbers(pa.array([contract_record_id])).to_pylist()[0])
    return contract_record_id


_SQL = """
create temp table t as
select
    tickets.*,
    o.organization_id,
    o.requester_id,
    1 + number % {agents} as agent_id,
    -- halfway between the request and the first reply
    opened_at + (first_response_at - opened_at) * 0.5 as half_wait_at,
    case
        when status = 'open' and first_response_at is null then 'new'
        when status = 'pending' and number % 5 = 0 then 'hold'
        else status
    end as zendesk_status,
    status in ('solved', 'closed') and first_response_at is not null
        and number % 4 = 0 as was_reopened
from tickets
join (
    select
        account_id,
        {organization_base} + row_number() over (order by account_id) as organization_id,
        {end_user_base} + row_number() over (order by account_id) as requester_id
    from (select distinct account_id from tickets)
) as o using (account_id);
"""


def _connection(tables: Mapping[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    tickets = tables["support.tickets"]
    con = duckdb.connect(":memory:")
    con.execute("set TimeZone = 'UTC'")
    numbers = ticket_numbers(tickets.column("ticket_id").combine_chunks())
    con.register("tickets", tickets.append_column("number", numbers))
    con.execute(
        _SQL.format(agents=AGENTS, organization_base=ORGANIZATION_BASE, end_user_base=END_USER_BASE)
    )
    if con.execute("select count(*) from t").fetchall()[0][0] != tickets.num_rows:
        raise ValueError("tickets without an account_id: Zendesk would need an organization")
    return con


def convert(tables: Mapping[str, pa.Table]) -> dict[str, pa.Table]:
    """The Zendesk tables of the contract's support.tickets (key "support.tickets")."""
    con = _connection(tables)
    out = {
        "ticket": _tickets(con),
        "organization": _organizations(con),
        "user": _users(con),
        "ticket_metric": _ticket_metrics(con),
        "ticket_comment": _comments(con),
        "ticket_field_history": _field_history(con),
    }
    con.close()
    return {name: utc_instants(table) for name, table in out.items()}


def _tickets(con: duckdb.DuckDBPyConnection) -> pa.Table:
    priorities = ", ".join(f"'{p}'" for p in PRIORITIES)
    return con.sql(
        f"""
        with
        first_opened as (select min(opened_at) as first_at from t),
        any_organization as (select min(organization_id) as id from t)
        select
            number as id,
            opened_at as created_at,
            greatest(opened_at, coalesce(first_response_at, opened_at),
                coalesce(solved_at, opened_at)) as updated_at,
            'Question ' || cast(number as varchar) as subject,
            'question' as type,
            case when lower(trim(priority)) in ({priorities}) then lower(trim(priority))
                end as priority,
            zendesk_status as status,
            requester_id,
            requester_id as submitter_id,
            organization_id,
            case when first_response_at is not null then agent_id end as assignee_id,
            'email' as via_channel,
            true as is_public,
            false as _fivetran_deleted
        from t
        union all
        select {EXTRA_BASE + 1}, first_at, first_at, 'Spam', 'question', 'low', 'deleted',
            {END_USER_BASE}, {END_USER_BASE}, (select id from any_organization), null,
            'email', true, false
        from first_opened
        union all
        select {EXTRA_BASE + 2}, first_at, first_at, 'Removed', 'question', 'normal', 'solved',
            {END_USER_BASE}, {END_USER_BASE}, (select id from any_organization), null,
            'email', true, true
        from first_opened
        union all
        select {EXTRA_BASE + 3}, first_at, first_at, 'A prospect asks', 'question', 'normal', 'new',
            {END_USER_BASE}, {END_USER_BASE}, null, null, 'web', true, false
        from first_opened
        union all
        select {EXTRA_BASE + 4}, first_at, first_at, 'A partner asks', 'question', 'high', 'open',
            {END_USER_BASE}, {END_USER_BASE}, {ORGANIZATION_BASE}, null, 'web', true, false
        from first_opened
        order by id
        """
    ).to_arrow_table()


def _organizations(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        f"""
        select distinct
            organization_id as id,
            'Organization ' || account_id as name,
            account_id as external_id,
            false as shared_tickets
        from t
        union all
        -- a partner without a CRM account: blank external_id
        select {ORGANIZATION_BASE}, 'Partner without a CRM account', '', false
        order by id
        """
    ).to_arrow_table()


def _users(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        f"""
        select
            id,
            case when id = {AGENTS} then 'Admin' else 'Agent ' || cast(id as varchar) end
                as name,
            case when id = {AGENTS} then 'admin' else 'agent' end as role,
            null::bigint as organization_id,
            true as active
        from range(1, {AGENTS + 1}) as r(id)
        union all
        select distinct
            requester_id, 'Requester of ' || account_id, 'end-user', organization_id, true
        from t
        union all
        select {END_USER_BASE}, 'Visitor', 'end-user', null, true
        order by id
        """
    ).to_arrow_table()


def reply_minutes(opened_at: str, first_response_at: str) -> str:
    """SQL: Zendesk's first reply time, whole calendar minutes rounded up (null: no reply)."""
    return (
        f"cast(ceil(date_diff('microsecond', {opened_at}, {first_response_at}) / 60e6) as bigint)"
    )


def _ticket_metrics(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        f"""
        select
            row_number() over (order by number) as id,
            number as ticket_id,
            opened_at as created_at,
            {reply_minutes("opened_at", "first_response_at")}
                as reply_time_in_minutes_calendar
        from t
        where number % {METRICLESS} <> 0
        order by ticket_id
        """
    ).to_arrow_table()


def _comments(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        """
        with
        comments as (
            -- the request
            select number as ticket_id, requester_id as user_id, opened_at as created,
                true as public, false as _fivetran_deleted, 1 as kind
            from t
            union all
            -- the first reply
            select number, agent_id, first_response_at, true, false, 5
            from t where first_response_at is not null
            -- what is not a first reply: an internal note before it ...
            union all
            select number, agent_id, half_wait_at, false, false, 3
            from t where first_response_at is not null and number % 7 = 0
            -- ... a follow-up of the requester ...
            union all
            select number, requester_id, opened_at + (first_response_at - opened_at) * 0.25,
                true, false, 2
            from t where first_response_at is not null and number % 5 = 0
            -- ... a reply deleted since ...
            union all
            select number, agent_id, opened_at + (first_response_at - opened_at) * 0.75,
                true, true, 4
            from t where first_response_at is not null and number % 11 = 0
            -- ... and a later reply
            union all
            select number, agent_id, first_response_at + interval 1 hour, true, false, 6
            from t where first_response_at is not null and number % 3 = 0
        )
        select
            row_number() over (order by ticket_id, created, kind) as id,
            ticket_id,
            user_id,
            created,
            public,
            'Comment' as body,
            _fivetran_deleted
        from comments
        order by id
        """
    ).to_arrow_table()


def _field_history(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        f"""
        with
        changes as (
            select number as ticket_id, 'status' as field_name, opened_at as updated,
                'new' as value, requester_id as user_id
            from t
            union all
            -- answered: open, or the state it waits in since
            select number, 'status', first_response_at,
                case when zendesk_status in ('pending', 'hold') then zendesk_status
                    else 'open' end,
                agent_id
            from t where first_response_at is not null
            union all
            -- solved once before, then reopened by the requester
            select number, 'status', first_response_at + (solved_at - first_response_at) * 0.33,
                'solved', agent_id
            from t where was_reopened
            union all
            select number, 'status', first_response_at + (solved_at - first_response_at) * 0.66,
                'open', requester_id
            from t where was_reopened
            union all
            select number, 'status', solved_at, 'solved', agent_id
            from t where solved_at is not null
            union all
            select number, 'status', solved_at + interval 4 day, 'closed', null
            from t where zendesk_status = 'closed'
            union all
            select number, 'satisfaction_score', solved_at + interval 1 minute, 'offered',
                null
            from t where csat_score is not null
            union all
            -- changed their mind: bad first, good in the end
            select number, 'satisfaction_score', solved_at + interval 30 minute, 'bad',
                requester_id
            from t where csat_score >= {SATISFIED_FROM} and number % 6 = 0
            union all
            select number, 'satisfaction_score', solved_at + interval 1 hour,
                case when csat_score >= {SATISFIED_FROM} then 'good' else 'bad' end,
                requester_id
            from t where csat_score is not null
        )
        select * from changes
        order by ticket_id, updated, field_name, value
        """
    ).to_arrow_table()
