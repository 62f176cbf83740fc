"""`cs-metrics load --target postgres|spark RAW_DIR`: argument parsing and the run."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from cs_metrics.presets import preset_option
from cs_metrics.project import schema_override


def add_parser(sub: argparse._SubParsersAction) -> None:
    load = sub.add_parser(
        "load",
        help="load raw data (<source>/<table>.parquet or .csv) into a PostgreSQL or Spark target",
        description=(
            "Check RAW_DIR against the raw input contract, then load every table into the "
            "schema of its source (dbt vars <source>_schema: crm, billing, finance, product, "
            "support). A connector layout (e.g. stripe/, salesforce/ folders; "
            "docs/presets/README.md) loads each connector's tables into its schema "
            "(<connector>_schema). Connection settings come from the dbt target in "
            "profiles/profiles.yml and its environment variables."
        ),
    )
    load.add_argument(
        "raw_dir", type=Path, help="directory holding <source>/<table>.parquet (or .csv)"
    )
    load.add_argument(
        "--target",
        required=True,
        help="dbt target of the cs_metrics profile (a postgres or spark output), e.g. postgres",
    )
    load.add_argument(
        "--schema",
        type=schema_override,
        action="append",
        default=[],
        metavar="SOURCE=SCHEMA",
        help="load a source into another schema (repeatable; set the dbt var too)",
    )
    load.add_argument(
        "--preset",
        type=preset_option,
        action="append",
        default=[],
        metavar="DOMAIN=PRESET",
        help="the input a domain reads, e.g. billing=stripe: load the connector's tables"
        " (RAW_DIR/stripe/) instead of the contract's (repeatable; default: detected from"
        " RAW_DIR's folders, e.g. stripe/ without billing/; docs/presets/README.md)",
    )
    load.add_argument(
        "--project-dir", type=Path, default=None, help="dbt project (default: current directory)"
    )
    load.add_argument(
        "--profiles-dir",
        type=Path,
        default=None,
        help="directory of profiles.yml (default: <project-dir>/profiles)",
    )
    load.add_argument(
        "--batch-rows", type=int, default=100_000, help="rows per COPY batch (PostgreSQL)"
    )
    load.add_argument(
        "--spark-copy",
        action="store_true",
        help="Spark: copy the rows into warehouse tables instead of tables over the files",
    )


def _refuse_csv_under_spark_tables(raw_dir: Path, tables: tuple) -> None:
    """Spark tables over the files need Parquet files: name the CSV ones in one line."""
    from cs_metrics.load.plan import LoadError
    from cs_metrics.rawfiles import is_csv, table_file

    csv = [table_file(raw_dir, table) for table in tables if is_csv(table_file(raw_dir, table))]
    if csv:
        more = f" and {len(csv) - 1} more" if len(csv) > 1 else ""
        raise LoadError(
            f"{csv[0]}{more} are CSV, but Spark tables over the files need Parquet files: pass"
            " --spark-copy to copy their rows (read with the contract's types) into warehouse"
            " tables instead."
        )


def run(args: argparse.Namespace) -> int:
    from cs_metrics.load.plan import LoadError, plan_load
    from cs_metrics.presets import PresetError, choose_presets, raw_tables
    from cs_metrics.project import ProjectError, find_project_dir, read_target, source_schemas

    try:
        project_dir = find_project_dir(args.project_dir)
        settings = read_target(args.profiles_dir or project_dir / "profiles", args.target)
        kind = settings.get("type")
        if kind not in ("postgres", "spark"):
            raise LoadError(
                f"target {args.target!r} is of type {kind!r}; `load` supports postgres and "
                "spark (DuckDB reads the Parquet files directly: set var raw_data_dir)."
            )
        try:
            presets = choose_presets(project_dir, args.raw_dir, dict(args.preset))
        except PresetError as exc:
            raise LoadError(f"{exc} (--preset).") from exc
        connectors = [preset for preset in presets.values() if preset != "contract"]
        tables = raw_tables(project_dir, presets)
        schemas = source_schemas(project_dir, dict(args.schema), extra_sources=connectors)
        if kind == "spark" and not args.spark_copy:
            _refuse_csv_under_spark_tables(args.raw_dir, tables)
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="cs-metrics-load-") as work:
            plan = plan_load(
                args.raw_dir, schemas, workdir=Path(work), tables=raw_tables(project_dir, presets)
            )
            if kind == "postgres":
                from cs_metrics.load.postgres import load_postgres

                loaded = load_postgres(plan, settings, batch_rows=args.batch_rows)
            else:
                from cs_metrics.load.spark import load_spark

                loaded = load_spark(plan, settings, copy=args.spark_copy)
    except ProjectError as exc:
        from cs_metrics.console import fail

        return fail("load", exc)
    used = sorted({item.schema for item in plan})
    print(
        f"loaded {sum(loaded.values()):,} rows into {len(loaded)} tables "
        f"({', '.join(used)}) on target {args.target} "
        f"in {time.monotonic() - started:.1f}s"
    )
    if connectors:
        chosen = ", ".join(f"{d}_source: {p}" for d, p in presets.items() if p != "contract")
        print(f"Build it with --vars '{{{chosen}}}'")
    return 0
