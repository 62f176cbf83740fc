"""Benchmark the project at the scale it promises, on DuckDB, against a floor nobody can beat.

    .venv/bin/python scripts/bench.py                    # make bench: 100,000 accounts, 3 years
    .venv/bin/python scripts/bench.py --accounts 2000    # a quick look at a small size
    .venv/bin/python scripts/bench.py --layout contract  # one input layout only (default: both)
    .venv/bin/python scripts/bench.py --reuse            # keep the generated data of a last run
    .venv/bin/python scripts/bench.py --engine spark --accounts 10000  # make bench ENGINE=spark

Steps, each in its own process so its wall time and peak memory (max RSS of the process
tree's largest process) are its own:

1. generate   - `cs-metrics generate` of N accounts over three years (about 50 million events
                at 100,000 accounts), ending on --end, in each layout measured: the raw
                contract's tables, and the same company as the connectors write it (`--layout
                fivetran`, read through the connector presets; docs/presets/README.md);
2. floor      - one DuckDB query that reads every raw contract table once and de-duplicates
                the events (first-loaded copy per event_id), with the same memory and thread
                limits as the dbt profile: what a hand-written script cannot do with less work;
then for each layout:
3. dbt build  - a full `dbt build` (models, seeds, every data and unit test) into a new file;
4. dbt run    - a full `dbt run` (models only) into another new file, as of the day before
                --end on the data loaded by then;
5. daily run  - `dbt run` as of --end after one more day of events was appended (the
                generator's last day, plus an event 20 days late and a second copy of an
                event already loaded): the account-month tables rewrite their month window.
                It runs as the daily job of the README's "Run it every day" does: that job
                passes `as_of_date: yesterday`, the same --vars every day, so dbt starts from
                the previous day's partial parse (an untimed `dbt parse` with the day's
                --vars stands for that previous day);
6. again      - the same run once more without new data;
7. parse      - `dbt parse --no-partial-parse`: what a daily run passing a new date in
                --vars every day spends parsing the whole project first (the summary gives
                the daily run with and without it).

With --engine spark the same company (contract layout) is loaded into a local Spark session
(`cs-metrics load --target spark`: tables over the Parquet files, Java 17 needed; the spark
target of profiles/profiles.yml with its driver memory and shuffle partitions) and the steps
are load, dbt seed, the full dbt run, the daily run and the run again; no floor (it is a
DuckDB query), the daily run is given as a share of the full run.

It prints a table with wall time, peak memory and the ratio to the floor, the targets of the
performance section of the README and, with both layouts, what the connector layout costs
over the contract layout. Work files go to --work (default target/bench, kept for --reuse).
Nothing here asserts a time: the numbers are for reading.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class EventsFile:
    """The product events of a raw layout, which the incremental step splits and appends to:
    the file, its id, load-time and event-time columns, and the literal type of its times."""

    path: Path
    id_column: str
    loaded_at: str
    occurred_at: tuple[str, ...]
    timestamp: str  # "timestamp" (UTC wall-clock) or "timestamptz" (instants)

    def at(self, moment: str) -> str:
        return f"{self.timestamp} '{moment}{'+00' if self.timestamp == 'timestamptz' else ''}'"


# The contract's events, and Segment's tracks in the connector layout (docs/presets/segment.md:
# uuid_ts is when the warehouse loaded the row; timestamp, sent_at, ... when it happened).
EVENTS_FILES = (
    EventsFile(Path("product") / "events.parquet", "event_id", "_loaded_at", ("occurred_at",),
               "timestamp"),
    EventsFile(Path("segment") / "tracks.parquet", "id", "uuid_ts",
               ("timestamp", "original_timestamp", "sent_at", "received_at"), "timestamptz"),
)  # fmt: skip


def _events_file(raw: Path) -> EventsFile:
    for events in EVENTS_FILES:
        if (raw / events.path).is_file():
            return events
    raise SystemExit(
        f"{raw} has none of {', '.join(str(e.path) for e in EVENTS_FILES)}: add its layout's"
        " events file to EVENTS_FILES in scripts/bench.py"
    )


TABLES = {
    "crm": ["accounts", "users", "contacts", "opportunities", "activities", "nps_responses"],
    "billing": [
        "customers",
        "plans",
        "subscriptions",
        "subscription_items",
        "invoices",
        "invoice_lines",
    ],
    "finance": ["fx_rates"],
    "product": ["events"],
    "support": ["tickets"],
}

# Runs a command and reports the peak RSS of the largest process it waited for, in KiB.
_MEASURE = textwrap.dedent(
    """
    import json, resource, subprocess, sys
    status = subprocess.call(sys.argv[1:])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print("BENCH_RESULT " + json.dumps({"status": status, "peak_kib": peak}), flush=True)
    """
)


@dataclass
class Step:
    name: str
    seconds: float
    peak_mib: float


def _run(name: str, command: list[str], env: dict[str, str] | None = None) -> Step:
    print(f"\n=== {name}: {' '.join(command)}", flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", _MEASURE, *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )
    result = None
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("BENCH_RESULT "):
            result = json.loads(line.split(" ", 1)[1])
        elif " of " in line and ("OK created" in line or "START" not in line):
            print("   " + line.rstrip()[-110:], flush=True)
        elif "Done." in line or "Error" in line or "error" in line.lower():
            print("   " + line.rstrip(), flush=True)
    process.wait()
    seconds = time.perf_counter() - started
    if result is None or result["status"] != 0:
        raise SystemExit(
            f"{name} failed (exit {result and result['status']}); see the output above"
        )
    step = Step(name, seconds, result["peak_kib"] / 1024)
    print(f"    {name}: {step.seconds:,.1f} s, peak {step.peak_mib:,.0f} MiB", flush=True)
    return step


def _dbt(
    command: str, target: Path, raw: Path, as_of: dt.date, layout: str, *extra: str
) -> list[str]:
    from cs_metrics.generate.fivetran.registry import layout_vars

    dbt_vars = {"raw_data_dir": str(raw), "as_of_date": as_of.isoformat(), **layout_vars(layout)}
    return [
        str(BIN / "dbt"),
        command,
        "--no-use-colors",
        "--profiles-dir",
        str(ROOT / "profiles"),
        "--target-path",
        str(target),
        "--log-path",
        str(target / "logs"),
        "--vars",
        json.dumps(dbt_vars),
        *extra,
    ]


def _floor_sql(raw: Path) -> str:
    reads = []
    for source, tables in TABLES.items():
        for table in tables:
            if (source, table) == ("product", "events"):
                continue
            path = raw / source / f"{table}.parquet"
            # every column of every row is read (not just counted from metadata)
            reads.append(f"select count(*) from (select * from read_parquet('{path}')) as t")
    events = raw / "product" / "events.parquet"
    return textwrap.dedent(
        f"""
        create table events as
        select event_id, account_id, user_id, event_name, occurred_at, _loaded_at
        from (
            select
                *,
                row_number() over (
                    partition by event_id
                    order by _loaded_at asc nulls last, account_id, user_id, event_name,
                        occurred_at
                ) as copy_rank
            from read_parquet('{events}')
        ) as ranked
        where copy_rank = 1;
        select {", ".join(f"({r})" for r in reads)}, (select count(*) from events);
        """
    )


def _floor(raw: Path, work: Path, memory_limit: str, threads: int) -> list[str]:
    script = work / "floor.sql"
    script.write_text(_floor_sql(raw))
    db = work / "floor.duckdb"
    db.unlink(missing_ok=True)
    code = textwrap.dedent(
        f"""
        import duckdb
        con = duckdb.connect({str(db)!r})
        con.execute("set memory_limit = '{memory_limit}'; set threads = {threads};"
                    " set preserve_insertion_order = false")
        for statement in open({str(script)!r}).read().split(";"):
            if statement.strip():
                rows = con.execute(statement).fetchall()
        print("floor: events kept", rows[0][-1])
        """
    )
    return [sys.executable, "-c", code]


def _split_last_day(full: Path, before: Path, last_day: dt.date) -> None:
    """`before` holds what the loader had written before last_day (every table of `full`,
    whatever its layout, and the events loaded before that day); the events of the last
    day go back in, with a late event and a duplicate, for the incremental step."""
    import duckdb

    if before.exists():
        shutil.rmtree(before)
    events = _events_file(full)
    for path in sorted(full.glob("*/*.parquet")):
        if path.relative_to(full) != events.path:
            (before / path.parent.name).mkdir(parents=True, exist_ok=True)
            (before / path.parent.name / path.name).symlink_to(path)
    (before / events.path).parent.mkdir(parents=True, exist_ok=True)
    cut = events.at(f"{last_day.isoformat()} 00:00:00")
    with duckdb.connect() as con:
        con.execute(
            f"copy (select * from read_parquet('{full / events.path}')"
            f" where {events.loaded_at} < {cut}) to '{before / events.path}' (format parquet)"
        )


def _append_last_day(full: Path, before: Path, last_day: dt.date) -> int:
    import duckdb

    events = _events_file(full)
    source = full / events.path
    staged = (before / events.path).with_name("events.next.parquet")
    late = ", ".join(f"{events.at(f'{last_day - dt.timedelta(days=20)} 12:00:00')} as {column}"
                     for column in events.occurred_at)  # fmt: skip
    with duckdb.connect() as con:
        con.execute(
            f"""
            copy (
                select * from read_parquet('{source}')
                union all
                -- an event 20 days late and a second copy of an event already loaded
                select * replace (
                    'bench_late_' || {events.id_column} as {events.id_column},
                    {late},
                    {events.at(f"{last_day} 09:00:00")} as {events.loaded_at}
                )
                from (select * from read_parquet('{source}') limit 1)
                union all
                select * replace ({events.at(f"{last_day} 09:30:00")} as {events.loaded_at})
                from (select * from read_parquet('{source}')
                      where {events.loaded_at} < {events.at(f"{last_day} 00:00:00")} limit 1)
            ) to '{staged}' (format parquet)
            """
        )
        appended = con.execute(
            f"select count(*) from read_parquet('{staged}')"
            f" where {events.loaded_at} >= {events.at(f'{last_day} 00:00:00')}"
        ).fetchone()[0]
    staged.replace(before / events.path)
    return int(appended)


def _generate(raw: Path, layout: str, args: argparse.Namespace, start: dt.date) -> Step:
    if raw.exists():
        shutil.rmtree(raw)
    return _run(
        f"generate ({layout})",
        [
            str(BIN / "cs-metrics"),
            "generate",
            "--accounts",
            str(args.accounts),
            "--start",
            f"{start:%Y-%m}",
            "--end",
            args.end.isoformat(),
            "--seed",
            str(args.seed),
            "--out",
            str(raw),
            "--layout",
            layout,
        ],
    )


def _layout_steps(
    layout: str, full: Path, work: Path, end: dt.date, with_build: bool = True
) -> list[Step]:
    """dbt build, dbt run and the incremental run of one layout's raw data (full)."""
    before = work / f"raw-before-last-day-{layout}"
    _split_last_day(full, before, end)
    db_build, db_run = work / f"build-{layout}.duckdb", work / f"run-{layout}.duckdb"
    for db in (db_build, db_run):
        for suffix in ("", ".wal"):
            db.with_name(db.name + suffix).unlink(missing_ok=True)
    env_build = {"CS_METRICS_DB": str(db_build), "CS_METRICS_TARGET": "duckdb"}
    env_run = {"CS_METRICS_DB": str(db_run), "CS_METRICS_TARGET": "duckdb"}
    target_build, target_run = work / f"t-build-{layout}", work / f"t-run-{layout}"
    steps: list[Step] = []
    if with_build:
        steps.append(
            _run(
                f"dbt build (full, {layout})",
                _dbt("build", target_build, full, end, layout),
                env_build,
            )
        )
        db_build.unlink(missing_ok=True)
    # the full run as of the day before --end, on the data loaded by then; the daily run
    # as of --end with that day's events (the account-month tables: their month window)
    day_before = end - dt.timedelta(days=1)
    steps.append(
        _run(f"dbt seed ({layout})", _dbt("seed", target_run, before, day_before, layout), env_run)
    )
    steps.append(
        _run(
            f"dbt run (full, {layout})",
            _dbt("run", target_run, before, day_before, layout),
            env_run,
        )
    )
    appended = _append_last_day(full, before, end)
    print(f"\nappended {appended:,} events loaded on {end} (incl. a late one and a copy)")
    # the daily job of "Run it every day" passes `as_of_date: yesterday`: its --vars are the
    # same every day, so dbt keeps yesterday's parse; an untimed parse with the day's --vars
    # (in the daily run's own target path) stands for yesterday's run of that job
    target_daily = work / f"t-daily-{layout}"
    shutil.rmtree(target_daily, ignore_errors=True)
    _run(  # not a step: untimed in the summary
        f"dbt parse (the previous day's, {layout})",
        _dbt("parse", target_daily, before, end, layout),
        env_run,
    )
    steps.append(
        _run(
            f"dbt run (daily: next day, {layout})",
            _dbt("run", target_daily, before, end, layout),
            env_run,
        )
    )
    steps.append(
        _run(
            f"dbt run (again, no new data, {layout})",
            _dbt("run", target_daily, before, end, layout),
            env_run,
        )
    )
    # what the daily run spends re-parsing the project because --vars changed (as_of_date);
    # a job passing `as_of_date: yesterday` keeps the same --vars and dbt's partial parse
    steps.append(
        _run(
            f"dbt parse (whole project, {layout})",
            _dbt("parse", work / f"t-parse-{layout}", before, end, layout, "--no-partial-parse"),
            env_run,
        )
    )
    db_run.unlink(missing_ok=True)
    return steps


def _spark_steps(full: Path, work: Path, end: dt.date) -> list[Step]:
    """Load into a local Spark session, the full run as of the day before --end, the daily
    run as of --end with that day's events, and the run again: the account-month tables
    overwrite their month partitions (insert_overwrite)."""
    before = work / "raw-before-last-day-spark"
    _split_last_day(full, before, end)
    spark = work / "spark"
    if spark.exists():
        shutil.rmtree(spark)
    env = {
        "CS_METRICS_TARGET": "spark",
        "CS_METRICS_SPARK_WAREHOUSE": str(spark / "warehouse"),
        "CS_METRICS_SPARK_METASTORE": str(spark / "metastore"),
    }
    if "JAVA_HOME" not in os.environ:
        java = sorted(Path("/usr/lib/jvm").glob("java-17-openjdk-*"))
        if not java:
            raise SystemExit("Spark needs Java 17: apt-get install openjdk-17-jre-headless")
        env["JAVA_HOME"] = str(java[0])
    target = work / "t-run-spark"
    day_before = end - dt.timedelta(days=1)
    load = [str(BIN / "cs-metrics"), "load", "--target", "spark", str(before)]
    steps = [
        _run("load (spark)", load, env),
        _run("dbt seed (spark)", _dbt("seed", target, before, day_before, "contract"), env),
        _run(
            "dbt run (full, spark)",
            _dbt("run", target, before, day_before, "contract"),
            env,
        ),
    ]
    appended = _append_last_day(full, before, end)
    print(f"\nappended {appended:,} events loaded on {end} (incl. a late one and a copy)")
    steps.append(
        _run(
            "dbt run (daily: next day, spark)",
            _dbt("run", target, before, end, "contract"),
            env,
        )
    )
    steps.append(
        _run(
            "dbt run (again, no new data, spark)",
            _dbt("run", target, before, end, "contract"),
            env,
        )
    )
    return steps


def _print_spark(steps: list[Step]) -> None:
    print("\nstep                                        wall s   peak MiB")
    for step in steps:
        print(f"{step.name:<42} {step.seconds:>7.1f}  {step.peak_mib:>9,.0f}")
    by_name = {step.name: step for step in steps}
    full = by_name["dbt run (full, spark)"].seconds
    daily = by_name["dbt run (daily: next day, spark)"].seconds
    again = by_name["dbt run (again, no new data, spark)"].seconds
    print(
        f"\nspark: daily run {100 * daily / full:.0f}% of the full run;"
        f" again without new data {100 * again / full:.0f}%"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2026, 6, 30))
    parser.add_argument("--seed", type=int, default=11)
    from cs_metrics.generate.fivetran.registry import LAYOUTS

    parser.add_argument(
        "--layout",
        choices=(*LAYOUTS, "both"),
        default="both",
        help="the raw layout built: the contract's tables, the connectors' (fivetran), or both",
    )
    parser.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="duckdb (the embedded default, with the floor) or spark (a local session)",
    )
    parser.add_argument("--work", type=Path, default=ROOT / "target" / "bench")
    parser.add_argument("--reuse", action="store_true", help="keep generated data if present")
    parser.add_argument(
        "--no-build",
        action="store_true",
        help="skip the full dbt build (the data and unit tests): runs only, e.g. at 300,000",
    )
    args = parser.parse_args(argv)

    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    start = dt.date(args.end.year - 3, args.end.month, 1)
    if args.engine == "spark":
        raw = work / f"raw-{args.accounts}-{args.end}"
        spark_steps: list[Step] = []
        if not (args.reuse and (raw / ".cs_metrics_demo").exists()):
            spark_steps.append(_generate(raw, "contract", args, start))
        spark_steps.extend(_spark_steps(raw, work, args.end))
        _print_spark(spark_steps)
        return 0
    layouts = tuple(LAYOUTS) if args.layout == "both" else (args.layout,)
    raws = {
        layout: work
        / f"raw-{args.accounts}-{args.end}{'' if layout == 'contract' else '-' + layout}"
        for layout in ("contract", *layouts)
    }
    memory_limit = os.environ.get("CS_METRICS_DUCKDB_MEMORY_LIMIT", "4GB")
    threads = int(os.environ.get("CS_METRICS_DUCKDB_THREADS", "2"))
    steps: list[Step] = []

    for layout, raw in raws.items():
        if not (args.reuse and (raw / ".cs_metrics_demo").exists()):
            steps.append(_generate(raw, layout, args, start))

    floor = _run("floor (one DuckDB query)", _floor(raws["contract"], work, memory_limit, threads))
    steps.append(floor)
    (work / "floor.duckdb").unlink(missing_ok=True)

    for layout in layouts:
        steps.extend(_layout_steps(layout, raws[layout], work, args.end, not args.no_build))

    print("\nstep                                        wall s   peak MiB   x floor")
    for step in steps:
        ratio = step.seconds / floor.seconds
        print(f"{step.name:<42} {step.seconds:>7.1f}  {step.peak_mib:>9,.0f}   {ratio:>6.2f}")
    by_name = {step.name: step for step in steps}
    for layout in layouts:
        build = by_name.get(f"dbt build (full, {layout})")
        run_full = by_name[f"dbt run (full, {layout})"]
        incremental = by_name[f"dbt run (daily: next day, {layout})"]
        parse = by_name[f"dbt parse (whole project, {layout})"]
        peak = max(s.peak_mib for s in steps if s.name.startswith("dbt") and layout in s.name)
        build_ratio = f"{build.seconds / floor.seconds:.2f}x" if build else "not run"
        print(
            f"\n{layout}: dbt run <= 3x floor: "
            f"{run_full.seconds / floor.seconds:.2f}x; dbt build <= 6x floor: "
            f"{build_ratio}; daily run <= 15% of dbt run: "
            f"{100 * incremental.seconds / run_full.seconds:.0f}%"
            f" ({100 * (incremental.seconds + parse.seconds) / run_full.seconds:.0f}% with"
            " the whole-project parse of changed --vars); peak memory <= 6 GiB: "
            f"{peak / 1024:.1f} GiB"
        )
    if len(layouts) == 2 and not args.no_build:
        costs = []
        for kind in ("dbt build (full", "dbt run (full", "dbt run (daily: next day"):
            ratio = by_name[f"{kind}, fivetran)"].seconds / by_name[f"{kind}, contract)"].seconds
            costs.append(f"{kind.replace(' (', ', ')} {100 * (ratio - 1):+.1f}%")
        print("\nfivetran layout over contract (target <= +10%): " + "; ".join(costs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
