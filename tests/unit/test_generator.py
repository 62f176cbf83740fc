"""The demo data generator: determinism, contract conformance, realism and the messy cases.

Most tests read the session's small data set (`small_raw_dir`, 150 accounts, seed 7). The MRR
check below is an independent pure-Python reading of the metric rules (the dbt doc blocks), so a
generator change that loses a movement kind fails here before any dbt model is involved.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import ROOT, SMALL_ACCOUNTS, SMALL_END, SMALL_SEED, SMALL_START
from cs_metrics import cli
from cs_metrics.contract import TABLES, table
from cs_metrics.generate import catalog, writer
from cs_metrics.generate.core import MARKER, PARTIAL_MARKER, DemoDirectoryError, generate
from cs_metrics.generate.rows import CustomerRow

HORIZON = dt.datetime.combine(SMALL_END + dt.timedelta(days=1), dt.time())
NON_USD = ("EUR", "GBP", "JPY")


def rows(raw: Path, source: str, name: str) -> list[dict]:
    return pq.read_table(raw / source / f"{name}.parquet").to_pylist()


@pytest.fixture(scope="module")
def con(small_raw_dir: Path):
    """DuckDB views over every raw table of the small data set."""
    connection = duckdb.connect()
    for t in TABLES:
        path = small_raw_dir / t.source / f"{t.name}.parquet"
        connection.execute(f"create view {t.name} as select * from read_parquet('{path}')")
    yield connection
    connection.close()


def scalar(con, sql: str):
    return con.execute(sql).fetchone()[0]


# ---------------------------------------------------------------------------- layout, contract
def test_every_contract_table_is_written_with_the_exact_schema(small_raw_dir: Path) -> None:
    for t in TABLES:
        path = small_raw_dir / t.source / f"{t.name}.parquet"
        assert path.is_file(), f"{t.key} missing"
        schema = pq.read_schema(path)
        assert schema.names == [c.name for c in t.columns], t.key
        for column in t.columns:
            assert schema.field(column.name).type == column.type, f"{t.key}.{column.name}"
        data = pq.read_table(path)
        for column in t.columns:
            if not column.nullable:
                assert data.column(column.name).null_count == 0, f"{t.key}.{column.name} nulls"
    assert (small_raw_dir / MARKER).is_file()
    assert not list(small_raw_dir.rglob("*.tmp"))


def test_optional_loaded_at_columns_are_filled(con) -> None:
    assert scalar(con, "select count(*) from accounts where _loaded_at is null") == 0
    assert scalar(con, "select count(*) from events where _loaded_at is null") == 0
    assert scalar(con, "select count(*) from events where _loaded_at < occurred_at") == 0


def test_stats_match_the_files(tmp_path: Path) -> None:
    stats = generate(tmp_path / "d", 40, SMALL_START, SMALL_END, seed=3, progress=False)
    assert set(stats["rows"]) == {t.key for t in TABLES}
    for t in TABLES:
        path = tmp_path / "d" / t.source / f"{t.name}.parquet"
        assert pq.read_metadata(path).num_rows == stats["rows"][t.key], t.key
    assert stats["seconds"] > 0 and stats["peak_rss_mb"] > 0 and stats["bytes"] > 0


def test_named_rows_must_have_the_contract_columns() -> None:
    customers = table("billing", "customers")
    row = CustomerRow("cus_0000001", "acc_000001", "USD", 0)
    assert writer.rows_table(customers, [row]).column_names == list(row._fields)

    class Renamed(NamedTuple):
        customer_id: str
        account: str | None  # not the contract's account_id
        currency: str
        created_at: int

    with pytest.raises(ValueError, match="row fields"):
        writer.rows_table(customers, [Renamed(*row)])


# ---------------------------------------------------------------------------- determinism, safety
def test_same_seed_gives_byte_identical_files(small_raw_dir: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate(again, SMALL_ACCOUNTS, SMALL_START, SMALL_END, SMALL_SEED, progress=False)
    for t in TABLES:
        rel = Path(t.source) / f"{t.name}.parquet"
        assert (again / rel).read_bytes() == (small_raw_dir / rel).read_bytes(), t.key


def test_different_seed_gives_different_data(small_raw_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    generate(other, SMALL_ACCOUNTS, SMALL_START, SMALL_END, SMALL_SEED + 1, progress=False)
    for source, name in (("billing", "subscriptions"), ("product", "events"), ("crm", "accounts")):
        rel = Path(source) / f"{name}.parquet"
        assert pq.read_table(other / rel) != pq.read_table(small_raw_dir / rel), name


# Run in a subprocess: the time zone and locale of a process are fixed when it starts.
_GENERATE_IN_CHILD = """
import sys, time
from cs_metrics.cli import main
offset = int(sys.argv[1])
got = time.localtime(0).tm_gmtoff
if got != offset:
    sys.exit(f"TZ not in effect: UTC offset {got} s at the epoch, expected {offset} s")
sys.exit(main(sys.argv[2:]))
"""
# A small window with a leap day and both DST switches of the zones tested.
_MACHINE_ARGS = ("--accounts", "40", "--start", "2024-01", "--end", "2025-03-31", "--seed", "11")
# IANA zone, the same rules as a POSIX TZ string (no tzdata needed), UTC offset at the epoch.
_ZONES = {
    "America/Los_Angeles": ("PST8PDT,M3.2.0,M11.1.0", -8 * 3600),
    "Asia/Kolkata": ("IST-5:30", 19_800),
}
# Non-English locales the generator is checked under when the machine has one.
_LOCALES = ("de_DE.UTF-8", "de_DE.utf8", "tr_TR.UTF-8", "tr_TR.utf8", "fr_FR.UTF-8", "ja_JP.UTF-8")


def _child_env(**overrides: str) -> dict[str, str]:
    """This environment without time zone and locale settings, plus `overrides`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("TZ", "LANG", "LANGUAGE") and not k.startswith("LC_")
    }
    return {**env, **overrides}


def _generate_in_child(out: Path, env: dict[str, str], utc_offset: int = 0) -> dict[str, bytes]:
    """Run `cs-metrics generate` in a child process; every file it wrote, by relative path."""
    args = ["generate", *_MACHINE_ARGS, "--out", str(out)]
    cmd = [sys.executable, "-c", _GENERATE_IN_CHILD, str(utc_offset), *args]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return {str(f.relative_to(out)): f.read_bytes() for f in sorted(out.rglob("*")) if f.is_file()}


def _tz(zone: str) -> str:
    """The IANA name when the C library can read it, else the equivalent POSIX rule."""
    tzdir = Path(os.environ.get("TZDIR", "/usr/share/zoneinfo"))
    return zone if (tzdir / zone).is_file() else _ZONES[zone][0]


def _available_locale() -> str | None:
    """The first non-English locale this machine has (None when there is none)."""
    probe = "import locale; locale.setlocale(locale.LC_ALL, '')"
    for name in _LOCALES:
        env = _child_env(LC_ALL=name)
        if subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True).returncode:
            continue
        return name
    return None


@pytest.fixture(scope="module")
def utc_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The small machine-independence data set generated under TZ=UTC and LC_ALL=C."""
    out = tmp_path_factory.mktemp("machine") / "utc"
    return _generate_in_child(out, _child_env(TZ="UTC", LC_ALL="C"))


def _assert_same_files(got: dict[str, bytes], want: dict[str, bytes]) -> None:
    assert sorted(got) == sorted(want)
    assert len(want) == len(TABLES) + 1  # every table and the marker
    different = [name for name in want if got[name] != want[name]]
    assert not different, f"not byte-identical to the UTC run: {different}"


@pytest.mark.parametrize("zone", sorted(_ZONES))
def test_output_does_not_depend_on_the_time_zone(
    zone: str, utc_files: dict[str, bytes], tmp_path: Path
) -> None:
    env = _child_env(TZ=_tz(zone), LC_ALL="C")
    _assert_same_files(_generate_in_child(tmp_path / "out", env, _ZONES[zone][1]), utc_files)


def test_output_does_not_depend_on_the_locale(utc_files: dict[str, bytes], tmp_path: Path) -> None:
    name = _available_locale()
    if name is None:
        pytest.skip(f"none of the locales {', '.join(_LOCALES)} is installed")
    zone = "America/Los_Angeles"
    env = _child_env(TZ=_tz(zone), LC_ALL=name, LANG=name)
    _assert_same_files(_generate_in_child(tmp_path / "out", env, _ZONES[zone][1]), utc_files)


@pytest.mark.parametrize("posix_tz", ["<-12>+12", "<+14>-14"])
def test_default_end_is_today_in_utc(
    posix_tz: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Far from UTC the local date differs from the UTC date for at least half of every day."""
    monkeypatch.setenv("TZ", posix_tz)
    time.tzset()
    try:
        before = dt.datetime.now(dt.UTC).date()
        assert cli.main(["generate", "--accounts", "1", "--out", str(tmp_path / "d")]) == 0
        after = dt.datetime.now(dt.UTC).date()
    finally:
        monkeypatch.undo()
        time.tzset()
    end = dt.date.fromisoformat(json.loads((tmp_path / "d" / MARKER).read_text())["end"])
    assert end in (before, after)


def test_refuses_to_write_over_a_directory_it_did_not_make(tmp_path: Path) -> None:
    user_dir = tmp_path / "raw"
    (user_dir / "billing").mkdir(parents=True)
    precious = user_dir / "billing" / "subscriptions.parquet"
    precious.write_bytes(b"the user's real data")
    with pytest.raises(DemoDirectoryError, match="--force"):
        generate(user_dir, 20, SMALL_START, SMALL_END, seed=1, progress=False)
    assert precious.read_bytes() == b"the user's real data"
    assert not (user_dir / MARKER).exists()
    # Forced: written. Afterwards the marker makes re-generation safe without force.
    generate(user_dir, 20, SMALL_START, SMALL_END, seed=1, force=True, progress=False)
    assert (user_dir / MARKER).is_file()
    generate(user_dir, 20, SMALL_START, SMALL_END, seed=2, progress=False)


def test_an_interrupted_demo_run_can_be_redone(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    (demo / "product").mkdir(parents=True)
    (demo / PARTIAL_MARKER).write_text("{}")
    (demo / "product" / "events.parquet.tmp").write_bytes(b"half written")
    generate(demo, 20, SMALL_START, SMALL_END, seed=1, progress=False)
    assert (demo / MARKER).is_file() and not (demo / PARTIAL_MARKER).exists()
    assert not list(demo.rglob("*.tmp"))


def test_empty_or_missing_directory_is_fine(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    empty, nested = tmp_path / "empty", tmp_path / "new" / "nested"
    written = [
        generate(out, 10, SMALL_START, SMALL_END, seed=1, progress=False) for out in (empty, nested)
    ]
    for out, stats in zip((empty, nested), written, strict=True):
        # a complete data set: every contract table, the rows it reports, the marker last
        assert (out / MARKER).is_file() and not (out / PARTIAL_MARKER).exists()
        for definition in TABLES:
            path = out / definition.source / f"{definition.name}.parquet"
            assert pq.read_metadata(path).num_rows == stats["rows"][definition.key]
        assert stats["rows"]["crm.accounts"] > 0
    # the same seed into either directory: the same data
    for definition in TABLES:
        relative = Path(definition.source) / f"{definition.name}.parquet"
        assert pq.read_table(empty / relative).equals(pq.read_table(nested / relative))


def test_rejects_a_start_that_is_not_a_month_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="first day"):
        generate(tmp_path / "x", 10, dt.date(2023, 1, 5), SMALL_END, seed=1, progress=False)


# ---------------------------------------------------------------------------- seeds
def test_seeds_match_the_generator_catalog(con) -> None:
    with (ROOT / "seeds" / "feature_catalog.csv").open() as f:
        seed = [(r["event_name"], r["feature"], r["is_core"] == "true") for r in csv.DictReader(f)]
    assert seed == list(catalog.FEATURE_CATALOG)
    assert 15 <= len(seed) <= 25
    features = {feature for _, feature, _ in seed}
    core = {feature for _, feature, is_core in seed if is_core}
    assert len(features) == 8 and len(core) == 5
    with (ROOT / "seeds" / "support_sla_hours.csv").open() as f:
        sla = {r["priority"]: int(r["sla_hours"]) for r in csv.DictReader(f)}
    assert sla == {"urgent": 1, "high": 4, "normal": 24, "low": 48}
    used = {r[0] for r in con.execute("select distinct event_name from events").fetchall()}
    assert used == {name for name, _, _ in seed}


# ---------------------------------------------------------------------------- billing shape
def test_every_currency_and_whole_yen(con) -> None:
    currencies = {r[0] for r in con.execute("select distinct currency from customers").fetchall()}
    assert currencies == {"USD", "EUR", "GBP", "JPY"}
    # Every plan exists in every currency.
    per_currency = con.execute(
        "select currency, count(*) from plans group by 1 order by 1"
    ).fetchall()
    assert len({n for _, n in per_currency}) == 1 and len(per_currency) == 4
    assert scalar(con, "select count(*) from plans where currency = 'JPY'") > 0
    for sql in (
        "select count(*) from plans where currency = 'JPY' and unit_amount <> round(unit_amount)",
        """select count(*) from subscription_items i join plans p using (plan_id)
           where p.currency = 'JPY' and i.unit_amount <> round(i.unit_amount)""",
        """select count(*) from invoices where currency = 'JPY'
           and (subtotal <> round(subtotal) or tax <> round(tax) or total <> round(total))""",
        """select count(*) from invoice_lines l join invoices i using (invoice_id)
           where i.currency = 'JPY' and l.amount <> round(l.amount)""",
    ):
        assert scalar(con, sql) == 0, sql
    # Non-JPY prices have cents at most.
    assert scalar(con, "select count(*) from plans where unit_amount <> round(unit_amount, 2)") == 0


def test_fx_rates_cover_every_day_and_drift(con) -> None:
    days = (SMALL_END - SMALL_START).days + 1
    for currency in NON_USD:
        n, distinct_days, lo, hi, first, last = con.execute(
            f"""select count(*), count(distinct rate_date), min(rate_to_reporting),
                max(rate_to_reporting), min(rate_date), max(rate_date)
                from fx_rates where currency = '{currency}'"""
        ).fetchone()
        assert n == distinct_days == days, currency
        assert (first, last) == (SMALL_START, SMALL_END)
        assert hi / lo > Decimal("1.01"), f"{currency} rates do not move"
    assert (
        scalar(con, "select count(*) from fx_rates where currency not in ('EUR','GBP','JPY')") == 0
    )


def test_customers_use_plans_in_their_currency_except_one_deliberate_case(con) -> None:
    mismatches = scalar(
        con,
        """select count(*) from subscription_items i
           join subscriptions s using (subscription_id) join customers c using (customer_id)
           join plans p using (plan_id) where p.currency <> c.currency""",
    )
    assert mismatches == 1


def test_intervals_terms_and_plan_kinds(con) -> None:
    kinds = set(
        con.execute(
            """select distinct s.term_months, p.billing_interval, p.interval_count
               from subscription_items i join subscriptions s using (subscription_id)
               join plans p using (plan_id)"""
        ).fetchall()
    )
    allowed = {
        (1, "month", 1),
        (12, "month", 1),
        (12, "quarter", 1),
        (12, "year", 1),
        (24, "year", 2),
        (36, "year", 3),
    }
    assert kinds <= allowed
    assert {(k[1], k[2]) for k in kinds} >= {
        ("month", 1),
        ("quarter", 1),
        ("year", 1),
        ("year", 2),
        ("year", 3),
    }
    flags = {
        r[0]
        for r in con.execute(
            "select distinct p.is_per_seat from subscription_items i join plans p using (plan_id)"
        ).fetchall()
    }
    assert flags == {True, False}
    assert scalar(con, "select count(*) from subscription_items where unit_amount is not null") > 0
    assert scalar(con, "select count(*) from subscription_items where discount_percent = 100") > 0
    assert (
        scalar(
            con, "select count(*) from subscription_items where discount_percent between 1 and 99"
        )
        > 0
    )
    assert scalar(con, "select count(*) from subscription_items where quantity = 0") > 0


def test_item_versions_never_overlap(con) -> None:
    broken = scalar(
        con,
        """select count(*) from (
               select valid_from, valid_to,
                      lead(valid_from) over (partition by subscription_item_id
                                             order by valid_from) as next_from
               from subscription_items)
           where (next_from is not null and valid_to is distinct from next_from)
              or valid_to <= valid_from""",
    )
    assert broken == 0
    assert scalar(con, "select count(*) from subscription_items where quantity < 0") == 0


def test_every_subscription_status(con) -> None:
    statuses = {r[0] for r in con.execute("select distinct status from subscriptions").fetchall()}
    assert statuses == {"trialing", "active", "past_due", "paused", "canceled", "incomplete"}


def test_trials_convert_or_end_at_trial_end(con) -> None:
    outcome = dict(
        con.execute(
            f"""select case when ended_at = trial_end_at then 'lost'
                            when trial_end_at >= '{HORIZON}' then 'running'
                            else 'converted' end, count(*)
                from subscriptions where trial_end_at is not null group by 1"""
        ).fetchall()
    )
    assert outcome.get("lost", 0) > 0 and outcome.get("converted", 0) > 0
    assert outcome.get("running", 0) > 0
    open_items = scalar(
        con,
        """select count(*) from subscriptions s join subscription_items i using (subscription_id)
           where s.ended_at = s.trial_end_at and (i.valid_to is null or i.valid_to > s.ended_at)""",
    )
    assert open_items == 0


def test_nothing_happens_after_end_except_the_future_dated(con) -> None:
    historical = {
        "accounts": ["created_at", "updated_at", "_loaded_at"],
        "contacts": ["created_at"],
        "opportunities": ["created_at"],
        "activities": ["occurred_at"],
        "nps_responses": ["responded_at"],
        "customers": ["created_at"],
        "subscriptions": ["created_at", "canceled_at"],
        "invoices": ["issued_at", "paid_at"],
        "events": ["occurred_at", "_loaded_at"],
        "tickets": ["opened_at", "first_response_at", "solved_at"],
    }
    for name, columns in historical.items():
        for column in columns:
            late = scalar(con, f"select count(*) from {name} where {column} >= '{HORIZON}'")
            assert late == 0, f"{name}.{column}"
    assert scalar(con, "select max(rate_date) from fx_rates") == SMALL_END
    # The genuinely future-dated things exist: scheduled ends and contracts starting later.
    scheduled = scalar(
        con,
        f"""select count(*) from subscriptions where canceled_at < '{HORIZON}'
            and cancel_at >= '{HORIZON}' and (ended_at is null or ended_at >= '{HORIZON}')""",
    )
    signed_not_started = scalar(
        con,
        f"""select count(*) from subscriptions
            where created_at < '{HORIZON}' and started_at >= '{HORIZON}'""",
    )
    assert scheduled >= 2 and signed_not_started >= 2
    future_close = scalar(
        con,
        f"select count(*) from opportunities where close_date > '{SMALL_END}'"
        " and stage in ('closed_won', 'closed_lost')",
    )
    assert future_close == 0


def test_invoices_have_every_status_and_line_type(con) -> None:
    statuses = {r[0] for r in con.execute("select distinct status from invoices").fetchall()}
    assert {"paid", "open", "void", "uncollectible"} <= statuses
    assert scalar(con, "select count(*) from invoices where paid_at > due_at") > 0
    overdue = scalar(
        con,
        f"""select count(*) from invoices where status not in ('void', 'draft')
            and due_at < '{HORIZON}' and paid_at is null""",
    )
    assert overdue > 0
    # a void carries the instant it took effect, after the issue and before the horizon
    # (the re-issue of a mistaken invoice, or the expiry of an incomplete first attempt)
    voids, dated, in_order = con.execute(
        f"""select count(*), count(voided_at),
                   count(*) filter (where voided_at >= issued_at and voided_at < '{HORIZON}')
            from invoices where status = 'void'"""
    ).fetchone()
    assert voids > 0 and voids == dated == in_order
    assert scalar(con, "select count(voided_at) from invoices where status <> 'void'") == 0
    types = {r[0] for r in con.execute("select distinct line_type from invoice_lines").fetchall()}
    assert types == {"subscription", "proration", "one_time", "usage"}
    unbalanced = scalar(
        con,
        """select count(*) from invoices i
           where subtotal <> (select sum(amount) from invoice_lines l
                              where l.invoice_id = i.invoice_id)
              or total <> subtotal + tax
              or amount_paid > total""",
    )
    assert unbalanced == 0
    assert scalar(con, "select count(*) from invoice_lines where period_end <= period_start") == 0


def test_crm_people_and_pipeline(con) -> None:
    roles = {r[0] for r in con.execute("select distinct role from users").fetchall()}
    assert {"csm", "ae", "manager"} <= roles
    stages = set(
        con.execute("select distinct opportunity_type, stage from opportunities").fetchall()
    )
    for kind in ("new_business", "expansion", "renewal"):
        assert (kind, "closed_won") in stages, kind
    assert any(stage == "closed_lost" for _, stage in stages)
    activity = {
        r[0] for r in con.execute("select distinct activity_type from activities").fetchall()
    }
    assert {"call", "email", "meeting", "qbr", "onboarding", "escalation"} <= activity
    # Hierarchies point at real accounts and contain no cycles.
    parents = dict(
        con.execute(
            "select distinct account_id, parent_account_id from accounts"
            " where parent_account_id is not null"
        ).fetchall()
    )
    ids = {r[0] for r in con.execute("select account_id from accounts").fetchall()}
    assert len(parents) >= 2 and set(parents.values()) <= ids
    for child in parents:
        seen, node = set(), child
        while node in parents:
            assert node not in seen
            seen.add(node)
            node = parents[node]
    # CSM owners are CRM users with role csm.
    owners = scalar(
        con,
        """select count(*) from accounts a left join users u on u.user_id = a.csm_owner_id
           where a.csm_owner_id is not null and (u.role is distinct from 'csm')""",
    )
    assert owners == 0


def test_support_tickets_hit_and_miss_their_sla(con) -> None:
    met, missed, pending = con.execute(
        """select count(*) filter (where first_response_at <= opened_at + to_hours(s.h)),
                  count(*) filter (where first_response_at > opened_at + to_hours(s.h)),
                  count(*) filter (where status in ('open', 'pending'))
           from tickets t
           join (values ('urgent', 1), ('high', 4), ('normal', 24), ('low', 48)) s(p, h)
             on s.p = lower(trim(t.priority))"""
    ).fetchone()
    assert met > missed > 0 and pending > 0
    assert scalar(con, "select count(*) from tickets where csat_score not between 1 and 5") == 0
    assert scalar(con, "select count(*) from tickets where csat_score is not null") > 0


# ---------------------------------------------------------------------------- messy cases
def test_cdc_account_versions_and_a_tie_broken_by_loaded_at(con) -> None:
    multi = scalar(
        con, "select count(*) from (select account_id from accounts group by 1 having count(*) > 1)"
    )
    assert multi >= 3
    tie = con.execute(
        """select account_id, updated_at, count(*), count(distinct _loaded_at),
                  count(distinct (account_name, industry, csm_owner_id, employee_count, is_deleted))
           from accounts group by 1, 2 having count(*) > 1"""
    ).fetchall()
    assert tie, "no two versions share updated_at"
    assert all(n == loads for _, _, n, loads, _ in tie)


def test_duplicate_and_late_events(con) -> None:
    dupes = con.execute(
        """select event_id, count(*),
                  count(distinct (account_id, user_id, event_name, occurred_at)),
                  count(distinct _loaded_at)
           from events group by 1 having count(*) > 1"""
    ).fetchall()
    assert dupes
    assert all(n == 2 and content == 1 and loads == 2 for _, n, content, loads in dupes)
    late = scalar(
        con, "select count(*) from events where _loaded_at >= occurred_at + interval 1 day"
    )
    assert late > 0


def test_events_are_in_load_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a loader appends them: a daily run's look-back reads the last row groups only."""
    monkeypatch.setattr(writer, "SORTED_ROW_GROUP_ROWS", 2_000)
    generate(tmp_path / "d", 40, SMALL_START, SMALL_END, seed=3, progress=False)
    path = tmp_path / "d" / "product" / "events.parquet"
    loaded = pq.read_table(path, columns=["_loaded_at"]).column("_loaded_at").to_pylist()
    assert loaded == sorted(loaded)
    metadata = pq.ParquetFile(path).metadata
    assert metadata.num_row_groups > 2
    index = metadata.schema.names.index("occurred_at")
    # the first row group ends before the last one starts: its statistics rule it out
    first, last = (
        metadata.row_group(i).column(index).statistics for i in (0, metadata.num_row_groups - 1)
    )
    assert first.max < last.min
    assert not list((tmp_path / "d").rglob("*.sorting"))


def test_events_for_unknown_accounts(con) -> None:
    unknown = scalar(
        con,
        """select count(distinct account_id) from events
           where account_id not in (select account_id from accounts)""",
    )
    assert unknown >= 2


def test_unmapped_customers_still_pay(con) -> None:
    paying = scalar(
        con,
        f"""select count(distinct c.customer_id) from customers c
            join subscriptions s using (customer_id)
            join subscription_items i using (subscription_id)
            join invoices v on v.customer_id = c.customer_id and v.status = 'paid'
            where c.account_id is null and i.quantity > 0
              and i.valid_from < '{HORIZON}' and i.valid_to is null""",
    )
    assert paying >= 1


def test_soft_deleted_account_still_pays(con) -> None:
    deleted_paying = scalar(
        con,
        """with latest as (
               select *, row_number() over (partition by account_id
                                            order by updated_at desc, _loaded_at desc) as rn
               from accounts)
           select count(distinct l.account_id) from latest l
           join customers c using (account_id) join subscriptions s using (customer_id)
           join invoices v on v.customer_id = c.customer_id and v.status = 'paid'
           where l.rn = 1 and l.is_deleted and s.ended_at is null""",
    )
    assert deleted_paying >= 1


def test_nps_has_anonymous_repeat_out_of_range_and_comments(con) -> None:
    scores = {r[0] for r in con.execute("select distinct score from nps_responses").fetchall()}
    assert {11, -1} <= scores
    assert scalar(con, "select count(*) from nps_responses where contact_id is null") > 0
    assert scalar(con, "select count(*) from nps_responses where comment is not null") > 0
    repeat = scalar(
        con,
        """select count(*) from (select contact_id from nps_responses
           where contact_id is not null group by 1 having count(*) > 1)""",
    )
    assert repeat > 0


def test_ticket_priorities_need_normalising(con) -> None:
    raw = {r[0] for r in con.execute("select distinct priority from tickets").fetchall()}
    assert {"p2", "High "} <= raw
    assert {"low", "normal", "high", "urgent"} <= raw


# ---------------------------------------------------------------------------- trajectories
def _month_grid() -> list[tuple[dt.date, dt.datetime]]:
    """(first day of M, t(M)) for every month from start to end."""
    grid, first = [], SMALL_START
    while first <= SMALL_END:
        nxt = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
        grid.append((first, dt.datetime.combine(nxt, dt.time())))
        first = nxt
    return grid


def _mrr_by_month(raw: Path) -> tuple[list, dict, dict]:
    """Pure-Python MRR per account, month and currency plus the subscriptions counted.

    Returns (grid, mrr_local[(account, m)][currency], subs_counted[(account, m)]).
    """
    grid = _month_grid()
    plans = {p["plan_id"]: p for p in rows(raw, "billing", "plans")}
    customers = {c["customer_id"]: c for c in rows(raw, "billing", "customers")}
    subs = {s["subscription_id"]: s for s in rows(raw, "billing", "subscriptions")}
    months_per = {"month": 1, "quarter": 3, "year": 12}
    mrr: dict = defaultdict(lambda: defaultdict(float))
    counted: dict = defaultdict(set)
    for item in rows(raw, "billing", "subscription_items"):
        sub = subs[item["subscription_id"]]
        plan = plans[item["plan_id"]]
        customer = customers[sub["customer_id"]]
        account = customer["account_id"] or f"billing:{customer['customer_id']}"
        price = item["unit_amount"] if item["unit_amount"] is not None else plan["unit_amount"]
        discount = item["discount_percent"] or Decimal(0)
        amount = float(item["quantity"] * price * (1 - discount / 100))
        amount /= plan["interval_count"] * months_per[plan["billing_interval"]]
        for m, (_, t) in enumerate(grid):
            active = item["valid_from"] < t and (item["valid_to"] is None or item["valid_to"] >= t)
            live = (
                sub["started_at"] < t
                and (sub["trial_end_at"] is None or sub["trial_end_at"] < t)
                and (sub["ended_at"] is None or sub["ended_at"] >= t)
            )
            if active and live:
                mrr[(account, m)][plan["currency"]] += amount
                if amount > 0:
                    counted[(account, m)].add(sub["subscription_id"])
    return grid, mrr, counted


def _rates(raw: Path, grid: list) -> list[dict[str, float]]:
    by_currency: dict = defaultdict(dict)
    for r in rows(raw, "finance", "fx_rates"):
        by_currency[r["currency"]][r["rate_date"]] = float(r["rate_to_reporting"])
    out = []
    for _, t in grid:
        last_day = (t - dt.timedelta(days=1)).date()
        rates = {"USD": 1.0}
        for currency, series in by_currency.items():
            rates[currency] = series[max(d for d in series if d <= last_day)]
        out.append(rates)
    return out


def test_trajectories_contain_every_movement_kind(small_raw_dir: Path) -> None:
    grid, mrr_local, counted = _mrr_by_month(small_raw_dir)
    rates = _rates(small_raw_dir, grid)
    ended = {
        s["subscription_id"]: s["ended_at"] for s in rows(small_raw_dir, "billing", "subscriptions")
    }
    accounts = sorted({a for a, _ in mrr_local})
    kinds: dict[str, set] = defaultdict(set)
    tiers: dict[str, int] = defaultdict(int)
    partial_cancellations = set()
    eps = 1e-9
    for account in accounts:
        seen_revenue = False
        for m in range(len(grid)):
            local = mrr_local.get((account, m), {})
            mrr = sum(v * rates[m][c] for c, v in local.items())
            prev_local = mrr_local.get((account, m - 1), {}) if m else {}
            prev_cc = sum(v * rates[m][c] for c, v in prev_local.items())
            if prev_cc <= eps and mrr > eps:
                kinds["reactivation" if seen_revenue else "new"].add(account)
            elif prev_cc > eps and mrr <= eps:
                kinds["churn"].add(account)
            elif prev_cc > eps and mrr > prev_cc + eps:
                kinds["expansion"].add(account)
            elif prev_cc > eps and mrr < prev_cc - eps:
                kinds["contraction"].add(account)
                before, now = counted[(account, m - 1)], counted[(account, m)]
                gone = [s for s in before - now if ended[s] is not None and ended[s] < grid[m][1]]
                if len(before) >= 2 and gone and now:
                    partial_cancellations.add(account)
            seen_revenue = seen_revenue or mrr > eps
            if m == len(grid) - 2 and mrr > eps:  # the last complete month
                arr = 12 * mrr
                tier = "enterprise" if arr >= 100_000 else "mid" if arr >= 10_000 else "smb"
                tiers[tier] += 1
    for kind in ("new", "expansion", "contraction", "churn", "reactivation"):
        assert kinds[kind], f"no account with a {kind} movement"
    assert len(kinds["churn"]) >= 5 and len(kinds["expansion"]) >= 5
    assert partial_cancellations, "no partial cancellation of one of several subscriptions"
    # A realistic mix: many SMB, fewer mid-market, a few large enterprises.
    assert tiers["smb"] > tiers["mid"] > tiers["enterprise"] >= 2


def test_engagement_falls_before_churn(con, small_raw_dir: Path) -> None:
    """Churning accounts use the product less in the months right before they leave."""
    grid, mrr_local, _ = _mrr_by_month(small_raw_dir)
    paying = {key for key, local in mrr_local.items() if any(v > 0 for v in local.values())}
    churn_month = {}
    for account in sorted({a for a, _ in mrr_local}):
        for m in range(7, len(grid)):
            # Paying for the seven months before m, nothing at the end of m.
            if (account, m) not in paying and all((account, k) in paying for k in range(m - 7, m)):
                churn_month[account] = m
                break
    usage: dict = defaultdict(lambda: (0, 0))
    for account, month, users, events in con.execute(
        """select account_id, date_trunc('month', occurred_at)::date,
                  count(distinct user_id), count(distinct event_id)
           from events group by 1, 2"""
    ).fetchall():
        usage[(account, month)] = (users, events)
    index = {first: m for m, (first, _) in enumerate(grid)}
    user_ratios, event_ratios = [], []
    for account, cm in churn_month.items():
        months = {index[first]: usage[(account, first)] for first, _ in grid}
        for i, ratios in ((0, user_ratios), (1, event_ratios)):
            early = sum(months[m][i] for m in range(cm - 7, cm - 4)) / 3
            late = sum(months[m][i] for m in range(cm - 2, cm)) / 2
            ratios.append(late / max(early, 1))
    assert len(user_ratios) >= 5
    # The typical churner lost much of its activity, and more churners lost users than gained.
    assert sorted(event_ratios)[len(event_ratios) // 2] < 0.8
    assert sum(r < 1 for r in user_ratios) > sum(r > 1 for r in user_ratios)
