"""`cs-metrics quality-report`: the build's tests, the Great Expectations results, the
data-quality issues and the reconciliations in one offline HTML file."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cs_metrics.warehouse import Warehouse

DEFAULT_OUT = Path("target/quality_report.html")
DEFAULT_ARTIFACTS = Path("target")
DEFAULT_VALIDATION = Path("target/validation")
TOLERANCE_VARS = ("reconciliation_tolerance", "revrec_tolerance", "revrec_relative_tolerance")


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register `quality-report`."""
    quality = sub.add_parser(
        "quality-report",
        help="write the data-quality and reconciliation report: one self-contained HTML file",
        description=(
            "Write one self-contained HTML page for a finance review: every dbt test and unit"
            " test of the last build (dbt's run_results.json and manifest.json), the Great"
            " Expectations results of `cs-metrics validate`, the data-quality issues (those that"
            " changed a figure, with the MRR they touch, apart from those handled without"
            " effect), and the reconciliations (MRR bridge identity and continuity, MRR totals"
            " per account-month and per currency, recognised revenue against MRR with the"
            " difference explained by reason and the unexplained rest within revrec_tolerance)."
            " It opens offline (no request to any host)."
        ),
    )
    quality.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"HTML file to write (default: {DEFAULT_OUT} in the project directory)",
    )
    quality.add_argument(
        "--target",
        default=None,
        help="dbt target to read (duckdb, postgres, spark; default: CS_METRICS_TARGET or duckdb)",
    )
    quality.add_argument(
        "--db",
        type=Path,
        default=None,
        help="DuckDB database file (duckdb target; default: CS_METRICS_DB or the profile's)",
    )
    quality.add_argument(
        "--artifacts",
        type=Path,
        default=None,
        help=(
            "folder with the build's run_results.json and manifest.json (default:"
            f" {DEFAULT_ARTIFACTS}; its last_build/ copy when run_results.json is from another"
            " dbt command such as `dbt docs generate`)"
        ),
    )
    quality.add_argument(
        "--validation",
        type=Path,
        default=None,
        help=(
            "folder with raw.json and marts.json of cs-metrics validate (default:"
            f" {DEFAULT_VALIDATION})"
        ),
    )


@dataclass
class QualityResult:
    path: Path
    size_bytes: int
    seconds: float
    failing_checks: list[str]
    tests_not_passed: int


def _file(path: Path) -> str:
    """A file's path, size and modification time for the provenance table."""
    from cs_metrics.console import shown_path as _shown

    if not path.exists():
        return f"{_shown(path)} (not found)"
    stat = path.stat()
    modified = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC)
    return (
        f"{_shown(path)} ({stat.st_size / 1e6:.2f} MB, modified {modified:%Y-%m-%d %H:%M:%S} UTC)"
    )


def _where(wh: Warehouse) -> Path | str:
    """The DuckDB file read, or what a server or Spark target reads."""
    if wh.engine == "duckdb":
        path = wh.scalar(
            "select path from duckdb_databases() where database_name = current_database()"
        )
        return Path(path) if path else "an in-memory DuckDB database"
    if wh.engine == "spark":
        return f"Parquet files of the Spark warehouse {wh.spark_warehouse}"
    return f"PostgreSQL server of the profile's {wh.target} output"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cs-metrics")
    except PackageNotFoundError:
        return "(not installed)"


def write_quality_report(
    out: Path | None = None,
    *,
    target: str | None = None,
    duckdb_path: Path | None = None,
    artifacts: Path | None = None,
    validation: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> QualityResult:
    """Read the artifacts, the validation results and the warehouse; write the HTML report.

    Raises ArtifactsError, WarehouseError or QualityDataError with a message saying what to run.
    """
    from cs_metrics.console import shown_path as _shown
    from cs_metrics.project import INTERMEDIATE_SCHEMA, MARTS_SCHEMA, find_project_dir, project_vars
    from cs_metrics.quality import reconcile
    from cs_metrics.quality.artifacts import load_build_results
    from cs_metrics.quality.data import REQUIRED_MARTS, load_quality_data
    from cs_metrics.quality.expectations import VALIDATION_FILES, load_validation
    from cs_metrics.quality.html import QualityReport, render_html
    from cs_metrics.warehouse import open_warehouse

    say = progress or (lambda _message: None)
    started = time.perf_counter()
    project_dir = find_project_dir()
    out = out or project_dir / DEFAULT_OUT
    artifacts = artifacts or project_dir / DEFAULT_ARTIFACTS
    validation = validation or project_dir / DEFAULT_VALIDATION

    say(f"Reading dbt's artifacts from {_shown(artifacts)} ...")
    build = load_build_results(artifacts)
    if build.note:
        say(f"  {build.note}")
    dbt_vars = project_vars(project_dir, build.vars)
    currency = str(dbt_vars.get("reporting_currency") or "USD")
    relative = Decimal(str(dbt_vars.get("revrec_relative_tolerance", "0.01")))
    absolute = Decimal(str(dbt_vars.get("revrec_tolerance", "0.05")))
    money_tolerance = Decimal(str(dbt_vars.get("reconciliation_tolerance", "0.01")))
    validations = [load_validation(validation, kind) for kind in VALIDATION_FILES]

    wh = open_warehouse(
        target,
        duckdb_path=duckdb_path,
        schemas=(MARTS_SCHEMA, INTERMEDIATE_SCHEMA),
        required=REQUIRED_MARTS,
    )
    try:
        say(f"Reading the marts of target {wh.target} ({wh.engine}) ...")
        data = load_quality_data(wh)
        database = _where(wh)
    finally:
        wh.close()

    checks = [
        reconcile.bridge_identity(data.bridge_identity, money_tolerance),
        reconcile.bridge_continuity(data.bridge_continuity, money_tolerance),
        reconcile.mrr_totals(data.mrr_totals, money_tolerance),
        reconcile.mrr_by_currency(
            data.counted_items, data.currency_items, currency, money_tolerance, data.currency_note
        ),
        reconcile.revenue_recognition(
            data.revrec_months, data.revrec_reasons, absolute, relative, currency
        ),
    ]
    generated_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    latest = f"{data.latest_complete_month:%Y-%m}" if data.latest_complete_month else "none"
    finished = (
        f"{build.generated_at:%Y-%m-%d %H:%M:%S} UTC"
        if build.generated_at
        else "at an unknown time"
    )
    provenance = [
        ("generated at", f"{generated_at:%Y-%m-%d %H:%M:%S} UTC"),
        (
            "as-of date",
            f"{data.as_of_date or 'n/a'} (as-of month {data.as_of_month:%Y-%m}; latest complete"
            f" month {latest}; data from {data.first_month:%Y-%m})",
        ),
        ("target", f"{data.target} ({data.engine})"),
        ("database", _file(database) if isinstance(database, Path) else database),
        (
            "dbt build",
            f"`{build.invocation_command or 'dbt ' + build.command}` — dbt {build.dbt_version},"
            f" invocation {build.invocation_id}, finished {finished}"
            f" ({build.elapsed_seconds:.0f} s)",
        ),
        ("run_results.json", _file(build.run_results)),
        ("manifest.json", _file(build.manifest)),
        *((("artifacts note", build.note),) if build.note else ()),
        *((f"GX {v.kind} results", _file(v.path)) for v in validations),
        (
            "tolerances",
            f"money {money_tolerance} {currency} (the bridge test); revrec_tolerance"
            f" {absolute:.2f} {currency}; revrec_relative_tolerance {relative}"
            + (
                " (from the build's --vars)"
                if set(TOLERANCE_VARS) & set(build.vars)
                else " (dbt_project.yml defaults)"
            ),
        ),
        ("report", f"cs-metrics {_version()} quality-report; marts schema {MARTS_SCHEMA}"),
    ]
    report = QualityReport(
        data=data,
        build=build,
        validations=validations,
        checks=checks,
        currency=currency,
        relative_tolerance=relative,
        absolute_tolerance=absolute,
        generated_at=generated_at,
        provenance=provenance,
        money_tolerance=money_tolerance,
    )
    say("Rendering the quality report ...")
    html = render_html(report)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return QualityResult(
        path=out,
        size_bytes=out.stat().st_size,
        seconds=time.perf_counter() - started,
        failing_checks=[c.title for c in checks if c.passed is False],
        tests_not_passed=sum(1 for t in build.tests if t.status != "pass"),
    )


def run(args: argparse.Namespace) -> int:
    """The `quality-report` command; returns a process exit code."""
    from cs_metrics.console import fail
    from cs_metrics.console import shown_path as _shown
    from cs_metrics.project import ProjectError
    from cs_metrics.quality.artifacts import ArtifactsError
    from cs_metrics.quality.data import QualityDataError
    from cs_metrics.warehouse import WarehouseError

    def say(message: str) -> None:
        print(message, flush=True)

    try:
        result = write_quality_report(
            args.out,
            target=args.target,
            duckdb_path=args.db,
            artifacts=args.artifacts,
            validation=args.validation,
            progress=say,
        )
    except (ArtifactsError, WarehouseError, QualityDataError, ProjectError) as exc:
        return fail("quality-report", exc)
    failing = ", ".join(result.failing_checks) or "none"
    print(
        f"Quality report ({result.size_bytes / 1e6:.2f} MB, {result.seconds:.1f} s; failing"
        f" reconciliations: {failing}; tests not passed: {result.tests_not_passed}):"
        f" {_shown(result.path)}"
    )
    return 0
