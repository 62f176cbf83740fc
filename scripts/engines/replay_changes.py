"""Changes a real warehouse receives after a build, applied to a raw directory.

Shared by the DuckDB replay (tests/integration/test_replay_incremental.py, day by day) and
the engine suite (scripts/engines/run.sh: PostgreSQL and Spark build as of a first day, then
receive these changes and run as of a later day; their marts must equal DuckDB's, and a full
rebuild's). Not part of the runtime package.

    .venv/bin/python scripts/engines/replay_changes.py RAW_IN RAW_OUT --day 2025-06-15

copies RAW_IN to RAW_OUT and applies, loaded on --day: an event six days late (inside the
look-back), a second copy of an event already loaded, a back-dated cancellation (April 2025),
an NPS response and a support ticket loaded weeks late, and a price correction of an item
version that started in March 2025 (a closed month).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq


def read_table(raw: Path, table: str) -> pa.Table:
    return pq.read_table(raw / f"{table}.parquet")


def write_table(raw: Path, table: str, data: pa.Table) -> None:
    pq.write_table(data, raw / f"{table}.parquet")


def replace_rows(table: pa.Table, key: str, value: str, **changes: object) -> pa.Table:
    """The table with the row(s) where key == value changed."""
    rows = table.to_pylist()
    hit = 0
    for row in rows:
        if row[key] == value:
            row.update(changes)
            hit += 1
    assert hit, f"no row with {key} = {value}"
    return pa.Table.from_pylist(rows, schema=table.schema)


def pick_subscription(full: Path) -> str:
    """A subscription of a mapped customer, started before 2025 and running through June
    2025 with a single item version since April (its cancellation moves April's MRR)."""
    con = duckdb.connect()
    try:
        return con.execute(
            f"""
            select subscriptions.subscription_id
            from read_parquet('{full}/billing/subscriptions.parquet') as subscriptions
            inner join read_parquet('{full}/billing/subscription_items.parquet') as items
                on subscriptions.subscription_id = items.subscription_id
            where subscriptions.started_at < timestamp '2025-01-01'
                and subscriptions.ended_at is null and subscriptions.trial_end_at is null
                and subscriptions.canceled_at is null
            group by subscriptions.subscription_id
            having count(*) = 1 and max(items.valid_from) < timestamp '2025-04-01'
                and max(coalesce(items.valid_to, timestamp '9999-01-01'))
                    > timestamp '2025-07-04'
            order by subscriptions.subscription_id
            limit 1
            """
        ).fetchone()[0]
    finally:
        con.close()


def cancel_back_dated(subscription_id: str):
    canceled, ended = dt.datetime(2025, 4, 10, 9, 30), dt.datetime(2025, 4, 15)

    def change(raw: Path) -> None:
        billing = raw / "billing"
        subscriptions = replace_rows(
            read_table(billing, "subscriptions"),
            "subscription_id",
            subscription_id,
            status="canceled",
            canceled_at=canceled,
            ended_at=ended,
        )
        write_table(billing, "subscriptions", subscriptions)
        write_table(
            billing,
            "subscription_items",
            replace_rows(
                read_table(billing, "subscription_items"),
                "subscription_id",
                subscription_id,
                valid_to=ended,
            ),
        )

    return change


def correct_march_price(raw: Path) -> None:
    """The negotiated price of an item version that started in March 2025 is corrected
    (+10 %): every month from March on changes, the earlier ones do not."""
    billing = raw / "billing"
    items = read_table(billing, "subscription_items")
    rows = items.to_pylist()
    for row in sorted(rows, key=lambda row: (row["valid_from"], row["subscription_item_id"])):
        if (
            dt.datetime(2025, 3, 1) <= row["valid_from"] < dt.datetime(2025, 4, 1)
            and row["unit_amount"] is not None
        ):
            row["unit_amount"] = (row["unit_amount"] * Decimal("1.1")).quantize(Decimal("0.0001"))
            break
    else:
        raise AssertionError("no negotiated item version started in March 2025")
    write_table(billing, "subscription_items", pa.Table.from_pylist(rows, schema=items.schema))


def move_region(raw: Path) -> None:
    crm = raw / "crm"
    accounts = read_table(crm, "accounts")
    first = sorted(accounts.column("account_id").to_pylist())[0]
    rows = accounts.to_pylist()
    for row in rows:
        if row["account_id"] == first:
            row["region"] = "LATAM" if row["region"] != "LATAM" else "APAC"
    write_table(crm, "accounts", pa.Table.from_pylist(rows, schema=accounts.schema))


def correct_may_rate(raw: Path) -> None:
    finance = raw / "finance"
    rates = read_table(finance, "fx_rates")
    rows = rates.to_pylist()
    for row in rows:
        if row["rate_date"] == dt.date(2025, 5, 20) and row["currency"] != "USD":
            scale = rates.schema.field("rate_to_reporting").type.scale
            row["rate_to_reporting"] = (row["rate_to_reporting"] * Decimal("1.05")).quantize(
                Decimal(1).scaleb(-scale)
            )
    write_table(finance, "fx_rates", pa.Table.from_pylist(rows, schema=rates.schema))


def append_row(raw: Path, table: str, row: dict) -> None:
    source, name = table.split(".")
    data = read_table(raw / source, name)
    template = dict.fromkeys(data.column_names)
    template.update(row)
    write_table(
        raw / source,
        name,
        pa.concat_tables([data, pa.Table.from_pylist([template], schema=data.schema)]),
    )


def late_nps_and_ticket(raw: Path) -> None:
    account = sorted(read_table(raw / "crm", "accounts").column("account_id").to_pylist())[1]
    append_row(
        raw,
        "crm.nps_responses",
        {
            "response_id": "nps_replay_late",
            "account_id": account,
            "score": 3,
            "responded_at": dt.datetime(2025, 5, 20, 10, 0),
        },
    )
    append_row(
        raw,
        "support.tickets",
        {
            "ticket_id": "tkt_replay_late",
            "account_id": account,
            "opened_at": dt.datetime(2025, 6, 15, 8, 0),
            "first_response_at": dt.datetime(2025, 6, 16, 8, 0),
            "priority": "high",
            "status": "solved",
        },
    )


def add_events(raw: Path, rows: list[dict]) -> None:
    """Append event rows (contract layout) to RAW/product/events.parquet."""
    events = read_table(raw / "product", "events")
    write_table(
        raw / "product",
        "events",
        pa.concat_tables([events, pa.Table.from_pylist(rows, schema=events.schema)]),
    )


def engine_changes(raw: Path, day: dt.date) -> None:
    """The changes loaded on `day` (see the module's doc), applied to raw in place."""
    events = read_table(raw / "product", "events")
    loaded = events.column("_loaded_at").to_pylist()
    first_day = dt.datetime.combine(day, dt.time())
    template = events.slice(0, 1).to_pylist()[0]
    copied = next(
        row
        for row, loaded_at in zip(events.to_pylist(), loaded, strict=True)
        if loaded_at is not None and loaded_at < first_day - dt.timedelta(days=5)
    )
    # A warehouse's loads only move forward: the rows loaded now carry a later _loaded_at
    # than every row already there (the generated data holds loads up to the end of `day`,
    # after the first build's as-of date; an earlier stamp would be a load the first build
    # had already seen, and no incremental run looks for those).
    load = max([first_day, *(value for value in loaded if value is not None)])
    subscription = pick_subscription(raw)
    add_events(
        raw,
        [
            {
                **template,
                "event_id": "evt_replay_late_inside",
                "occurred_at": first_day - dt.timedelta(days=6) + dt.timedelta(hours=11),
                "_loaded_at": load + dt.timedelta(minutes=1),
            },
            {**copied, "_loaded_at": load + dt.timedelta(minutes=2)},
        ],
    )
    cancel_back_dated(subscription)(raw)
    late_nps_and_ticket(raw)
    correct_march_price(raw)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("raw_in", type=Path)
    parser.add_argument("raw_out", type=Path)
    parser.add_argument("--day", type=dt.date.fromisoformat, required=True)
    args = parser.parse_args(argv)
    if args.raw_out.exists():
        shutil.rmtree(args.raw_out)
    shutil.copytree(args.raw_in, args.raw_out)
    engine_changes(args.raw_out, args.day)
    print(f"{args.raw_out}: the changes loaded on {args.day} applied")
    return 0


if __name__ == "__main__":
    sys.exit(main())
