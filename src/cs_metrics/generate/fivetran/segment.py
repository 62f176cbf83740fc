"""The demo company's product events as Segment's warehouse destination writes them.

`convert` turns the contract's product.events into the Segment tables the dbt Segment preset
reads (models/connectors/segment/_segment__sources.yml), as Segment records the same events:

- `tracks`: one row per delivered event, duplicates included: id (the messageId, the event's
  event_id), user_id, event (the snake_case slug, the contract's event_name) and event_text
  (its display name), timestamp, sent_at and received_at (when it happened: Segment received
  it at once) and uuid_ts (when the warehouse loaded it: the contract's _loaded_at);
- `groups`: the group calls tying each user to their account, group_id being the CRM account id
  (the default of var segment_group_account_id_column): one call per user, a minute before
  their first event (the app calls group at login). A user of the demo belongs to one account
  for good; the converter stops if one does not.

Events are the largest table (tens of millions of rows at scale): tracks is converted one row
group at a time (registry.Chunks), never held whole, after a first pass over the user and
account columns that finds each user's group call.

Segment has a row the contract layout has no counterpart for, added here and listed by the
preset in fct_data_quality_issues (`extra_rows`): an anonymous group call (no user_id).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cs_metrics.generate.fivetran.arrow import Chunks, utc_instants, utc_instants_schema
from cs_metrics.generate.fivetran.common import LEFT_OUT
from cs_metrics.generate.timeutil import US_PER_S

READS = ("events",)
GROUP_CALL_LEAD_US = 60 * US_PER_S  # a user's group call comes a minute before their first event
ANONYMOUS_GROUP_CALL = "grp_anonymous_0001"

# Rows with no contract counterpart (see the module docstring), as the preset lists them in
# fct_data_quality_issues: (source_table, record_id, issue_type).
EXTRA_ROWS: tuple[tuple[str, str, str], ...] = (("segment.groups", ANONYMOUS_GROUP_CALL, LEFT_OUT),)

TRACKS_SCHEMA = utc_instants_schema(
    pa.schema(
        [
            ("id", pa.string()),
            ("anonymous_id", pa.string()),
            ("user_id", pa.string()),
            ("event", pa.string()),
            ("event_text", pa.string()),
            ("timestamp", pa.timestamp("us")),
            ("original_timestamp", pa.timestamp("us")),
            ("sent_at", pa.timestamp("us")),
            ("received_at", pa.timestamp("us")),
            ("uuid_ts", pa.timestamp("us")),
        ]
    )
)


def extra_rows() -> tuple[tuple[str, str, str], ...]:
    """Segment rows the converter adds that the preset leaves out and lists."""
    return EXTRA_ROWS


def convert(tables: Mapping[str, pq.ParquetFile]) -> dict[str, pa.Table | Chunks]:
    """The Segment tables of the contract's product.events (key "product.events", streamed)."""
    events = tables["product.events"]
    return {
        "groups": _groups(events),
        "tracks": Chunks(TRACKS_SCHEMA, _tracks(events)),
    }


def _groups(events: pq.ParquetFile) -> pa.Table:
    """One group call per user, a minute before their first event, naming their account."""
    firsts: list[pa.Table] = []
    for index in range(events.num_row_groups):
        chunk = events.read_row_group(index, columns=["user_id", "account_id", "occurred_at"])
        firsts.append(chunk.group_by(["user_id", "account_id"]).aggregate([("occurred_at", "min")]))
    members = (
        pa.concat_tables(firsts)
        .group_by(["user_id", "account_id"])
        .aggregate([("occurred_at_min", "min")])
        .sort_by([("user_id", "ascending"), ("account_id", "ascending")])
    )
    users = members.column("user_id")
    if len(pc.unique(users)) != members.num_rows:
        raise ValueError("a demo user has events in two accounts: one group call cannot say it")
    first = members.column("occurred_at_min_min").cast(pa.int64())
    called = pc.subtract(first, GROUP_CALL_LEAD_US).cast(pa.timestamp("us"))
    ids = pc.binary_join_element_wise(pa.scalar("grp_"), users, "")
    calls = pa.table(
        {
            "id": ids,
            "anonymous_id": pa.nulls(members.num_rows, pa.string()),
            "user_id": users,
            "group_id": members.column("account_id"),
            "timestamp": called,
            "sent_at": called,
            "received_at": called,
            "uuid_ts": called,
        }
    )
    # an anonymous call (before a login): it names an account but no user
    first_call = called[0].as_py() if members.num_rows else dt.datetime(2000, 1, 1)
    first_account = members.column("account_id")[0].as_py() if members.num_rows else None
    anonymous = pa.table(
        {
            "id": [ANONYMOUS_GROUP_CALL],
            "anonymous_id": ["anon_0001"],
            "user_id": [None],
            "group_id": [first_account],
            **{name: [first_call] for name in ("timestamp", "sent_at", "received_at", "uuid_ts")},
        },
        schema=calls.schema,
    )
    return utc_instants(pa.concat_tables([calls, anonymous]))


def _event_text(names: pa.Array) -> pa.Array:
    """Segment's display name of an event slug: report_created is Report Created."""
    return pc.utf8_title(pc.replace_substring(names, "_", " "))


def _tracks(events: pq.ParquetFile) -> Iterator[pa.Table]:
    """tracks, one table per row group of the contract's events."""
    for index in range(events.num_row_groups):
        chunk = events.read_row_group(index)
        occurred = chunk.column("occurred_at")
        loaded = chunk.column("_loaded_at")
        names = chunk.column("event_name")
        table = pa.table(
            {
                "id": chunk.column("event_id"),
                "anonymous_id": pa.nulls(chunk.num_rows, pa.string()),
                "user_id": chunk.column("user_id"),
                "event": names,
                "event_text": _event_text(names),
                "timestamp": occurred,
                "original_timestamp": occurred,
                "sent_at": occurred,
                "received_at": occurred,
                "uuid_ts": loaded,
            }
        )
        yield table.cast(TRACKS_SCHEMA)
