"""`cs-metrics validate`: argument parsing and the run.

    cs-metrics validate DIR [--as-of YYYY-MM-DD] [--out PATH]     raw Parquet files
    cs-metrics validate --target postgres [--schema SOURCE=SCHEMA]   raw schemas on PostgreSQL
    cs-metrics validate --marts [--target T] [--db PATH]            the built marts

Prints the failed expectations (all of them with --show-passed), writes every result as JSON
(`cs_metrics.validate.results` documents the format) and exits 1 when an error-level
expectation fails or a table cannot be read; warnings never fail the run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_RAW_OUT = Path("target/validation/raw.json")
DEFAULT_MARTS_OUT = Path("target/validation/marts.json")


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {value!r}") from exc


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value!r}")
    return number


def add_parser(sub: argparse._SubParsersAction) -> None:
    from cs_metrics.presets import preset_option
    from cs_metrics.project import schema_override

    val = sub.add_parser(
        "validate",
        help="check raw data (or the built marts) with Great Expectations suites",
        description=(
            "Check raw data against the raw input contract: tables, columns and types, then "
            "the Great Expectations suite of every table (keys, enumerations, ranges, "
            "intervals, ISO codes, timestamps not after the as-of date, references). "
            "DIR holds <source>/<table>.parquet or .csv; --target postgres checks the raw "
            "schemas of a PostgreSQL target instead (on Spark the raw tables are your files: "
            "check them with DIR). --marts checks the built marts of a target. Exits 1 when "
            "an error-level expectation fails; warnings never fail."
        ),
    )
    val.add_argument(
        "raw_dir",
        type=Path,
        nargs="?",
        help="directory holding <source>/<table>.parquet (or <table>.csv, read with the"
        " contract's types)",
    )
    val.add_argument(
        "--target",
        default=None,
        help="dbt target of the cs_metrics profile: raw schemas of a postgres target, or with"
        " --marts the target to read (default: CS_METRICS_TARGET, else duckdb)",
    )
    val.add_argument("--marts", action="store_true", help="check the built marts instead")
    val.add_argument(
        "--as-of",
        type=_day,
        default=None,
        help="timestamps of past events must not be after this date (default: today, UTC)",
    )
    val.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"results JSON (default: {DEFAULT_RAW_OUT}, or {DEFAULT_MARTS_OUT} with --marts)",
    )
    val.add_argument(
        "--schema",
        type=schema_override,
        action="append",
        default=[],
        metavar="SOURCE=SCHEMA",
        help="PostgreSQL: read a source from another schema (repeatable)",
    )
    val.add_argument(
        "--table",
        action="append",
        default=[],
        metavar="SOURCE.TABLE",
        help="check only these raw tables (repeatable; references to others are skipped)",
    )
    val.add_argument(
        "--preset",
        type=preset_option,
        action="append",
        default=[],
        metavar="DOMAIN=PRESET",
        help="the input a domain reads, e.g. billing=stripe: check the connector's tables"
        " instead of the contract's (repeatable; default for DIR: detected from its folders,"
        " e.g. stripe/ without billing/; docs/presets/README.md)",
    )
    val.add_argument("--db", type=Path, default=None, help="--marts: DuckDB file to read")
    val.add_argument(
        "--artifacts",
        type=Path,
        default=None,
        help="--marts: folder of the build's run_results.json and manifest.json (default:"
        " target/ of the project, or its last_build/ copy)",
    )
    val.add_argument("--project-dir", type=Path, default=None, help="dbt project directory")
    val.add_argument("--profiles-dir", type=Path, default=None, help="directory of profiles.yml")
    val.add_argument(
        "--chunk-rows", type=_positive, default=200_000, help="rows per validated batch"
    )
    val.add_argument(
        "--memory-limit",
        default="1GB",
        help="DuckDB memory limit when reading Parquet (it spills to disk beyond it)",
    )
    val.add_argument("--show-passed", action="store_true", help="list passed expectations too")


def _fail(message: object) -> int:
    from cs_metrics.console import fail

    return fail("validate", message)


def _raw_source(args: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
    """The source to check and its description for the results file."""
    from cs_metrics.project import ProjectError, find_project_dir, read_target, source_schemas
    from cs_metrics.validate.contract import missing_dir_problem

    if args.raw_dir is not None:
        if args.target:
            raise ProjectError("give either DIR (Parquet files) or --target, not both")
        if not args.raw_dir.is_dir():
            raise ProjectError(missing_dir_problem(args.raw_dir))
        from cs_metrics.rawfiles import no_table_problem

        nothing = no_table_problem(args.raw_dir, args.raw_tables)
        if nothing:  # a wrong folder or layout: one line, not one per table
            raise ProjectError(nothing)
        from cs_metrics.validate.sources import ParquetSource

        source = ParquetSource(args.raw_dir, memory_limit=args.memory_limit)
        return source, {"kind": "parquet", "path": str(args.raw_dir)}
    if not args.target:
        raise ProjectError(
            "give DIR (a directory of <source>/<table>.parquet files), --target postgres"
            " (raw schemas on PostgreSQL) or --marts (the built marts)."
        )
    project_dir = find_project_dir(args.project_dir)
    settings = read_target(args.profiles_dir or project_dir / "profiles", args.target)
    kind = settings.get("type")
    if kind != "postgres":
        hint = {
            "duckdb": "the duckdb target reads your Parquet files: run `cs-metrics validate"
            " DIR` on the directory of var raw_data_dir",
            "spark": "on Spark the raw tables are tables over your Parquet files: run"
            " `cs-metrics validate DIR` on those files",
        }.get(str(kind), "only postgres targets hold raw schemas to check")
        raise ProjectError(f"target {args.target!r} is of type {kind!r}; {hint}.")
    connectors = [p for p in args.presets.values() if p != "contract"]
    schemas = source_schemas(project_dir, dict(args.schema), extra_sources=connectors)
    from cs_metrics.validate.sources import PostgresSource

    return PostgresSource(settings, schemas), {
        "kind": "postgres",
        "target": args.target,
        "schemas": schemas,
    }


def run(args: argparse.Namespace) -> int:
    from cs_metrics.project import ProjectError
    from cs_metrics.quality import ArtifactsError
    from cs_metrics.warehouse import WarehouseError

    if args.marts and args.raw_dir is not None:
        return _fail("give either DIR (raw data) or --marts, not both")
    started_clock = time.monotonic()
    from cs_metrics.validate.results import utc_now, write_results

    started = utc_now()
    as_of = args.as_of or started.date()
    try:
        tables = _tables(args)
    except (ValueError, ProjectError) as exc:
        return _fail(str(exc))
    try:
        if args.marts:
            from cs_metrics.project import find_project_dir
            from cs_metrics.validate.marts import read_build_tests
            from cs_metrics.warehouse import default_target, open_warehouse

            target = args.target or default_target()
            build = read_build_tests(
                args.artifacts or find_project_dir(args.project_dir) / "target"
            )
            # a database without any mart was never built: one line; a mart missing is
            # reported with the others
            source: Any = open_warehouse(
                target,
                profiles_dir=args.profiles_dir,
                duckdb_path=args.db,
                schemas=build.schemas,
                required=list(build.marts),
                every=False,
            )
            described = {"kind": "warehouse", "target": target, "engine": source.engine}
        else:
            source, described = _raw_source(args)
            described["presets"] = args.presets
    except (ProjectError, WarehouseError, ArtifactsError) as exc:
        return _fail(str(exc))
    except ImportError as exc:
        return _fail(f"{exc}; install the project with `make install` (pinned dependencies).")

    try:
        if args.marts:
            from cs_metrics.validate.marts import validate_marts

            report = validate_marts(source, build)
        else:
            from cs_metrics.validate.raw import validate_raw

            report = validate_raw(source, as_of=as_of, chunk_rows=args.chunk_rows, tables=tables)
    finally:
        source.close()

    out = args.out or (DEFAULT_MARTS_OUT if args.marts else DEFAULT_RAW_OUT)
    write_results(
        out,
        report,
        {
            "as_of_date": None if args.marts else as_of.isoformat(),
            "source": described,
            "cs_metrics_version": _version("cs-metrics"),
            "great_expectations_version": _version("great_expectations"),
            "chunk_rows": args.chunk_rows,
        },
        started,
    )
    return _report(report, args, out, time.monotonic() - started_clock)


def _report(report: Any, args: argparse.Namespace, out: Path, seconds: float) -> int:
    """Print what to fix first, the summary table and the verdict; the exit code."""
    from cs_metrics.console import echo
    from cs_metrics.validate.results import print_summary

    structure = [r.message for r in report.failed_errors if r.element_count is None]
    first = [m for m in dict.fromkeys([*report.problems, *structure]) if m]
    for message in first:
        echo(message, err=True)
    if first:
        print(
            "Fix the marts (rebuild them) first: their rows were not checked."
            if args.marts
            else "Fix these tables first: their rows were not checked (docs/raw-contract.md"
            " lists every column and type).",
            file=sys.stderr,
        )
    print_summary(report, show_passed=args.show_passed)
    if report.success:
        print(f"validation passed in {seconds:.1f}s; results: {out}")
        return 0
    failed = f"{len(report.failed_errors)} error-level expectation(s) failed"
    if report.problems:
        failed += " and some tables could not be checked"
    if args.marts:
        advice = f"the figures cannot be trusted; failing rows: the examples in {out}."
    else:
        advice = (
            "fix the data (each rule: docs/raw-contract.md; failing rows: the examples in"
            f" {out}) and run it again."
        )
    print(f"validation FAILED in {seconds:.1f}s: {failed}; {advice}")
    return 1


def _tables(args: argparse.Namespace) -> tuple[Any, ...]:
    """The raw tables to check: those of the chosen inputs (the named ones, or all).

    Sets args.presets ({domain: preset}): the contract, a detected connector folder of DIR,
    or --preset.
    """
    from cs_metrics.presets import choose_presets, raw_tables
    from cs_metrics.project import find_project_dir

    args.presets, args.raw_tables = {}, ()
    if args.marts:
        return ()
    project_dir = find_project_dir(args.project_dir)
    args.presets = choose_presets(project_dir, args.raw_dir, dict(args.preset))
    tables = args.raw_tables = raw_tables(project_dir, args.presets)
    by_key = {t.key: t for t in tables}
    unknown = [name for name in args.table if name not in by_key]
    if unknown:
        raise ValueError(f"unknown table(s) {', '.join(unknown)}; tables: {', '.join(by_key)}")
    return tuple(t for t in tables if t.key in args.table) if args.table else tables


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:  # pragma: no cover - running from a checkout
        return "unknown"
