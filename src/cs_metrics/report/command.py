"""`cs-metrics report`: write the visual report (one offline HTML file, optionally a PDF)."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DEFAULT_OUT = Path("target/report.html")


def _month(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM, got {value!r}") from exc


def add_parser(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser(
        "report",
        help="write the visual report: one self-contained HTML file (optionally a PDF)",
        description=(
            "Write one self-contained HTML page with the month's headline numbers, the north"
            " star, the MRR bridge, retention and why NRR moved, cohorts, health and the largest"
            " health drops, CS touches, renewal risk ahead and top accounts, read from the"
            " marts of a dbt target. It opens offline (no request to any host)."
        ),
    )
    report.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"HTML file to write (default: {DEFAULT_OUT} in the project directory)",
    )
    report.add_argument(
        "--month",
        type=_month,
        default=None,
        help="report month YYYY-MM, a complete month (default: the latest complete month)",
    )
    report.add_argument(
        "--target",
        default=None,
        help="dbt target to read (duckdb, postgres, spark; default: CS_METRICS_TARGET or duckdb)",
    )
    report.add_argument(
        "--db",
        type=Path,
        default=None,
        help="DuckDB database file (duckdb target; default: CS_METRICS_DB or the profile's)",
    )
    report.add_argument(
        "--pdf",
        action="store_true",
        help="also print the report to PDF (same name, .pdf) with headless Chromium",
    )


@dataclass
class ReportResult:
    path: Path
    month: dt.date
    size_bytes: int
    seconds: float
    charts: int


def write_report(
    out: Path | None = None,
    *,
    month: dt.date | None = None,
    target: str | None = None,
    duckdb_path: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> ReportResult:
    """Read the marts and write the HTML report; raises WarehouseError or ReportError."""
    from cs_metrics.project import find_project_dir
    from cs_metrics.report.data import REQUIRED_MARTS, load_report_data, read_settings
    from cs_metrics.report.html import build_charts, render_html
    from cs_metrics.warehouse import open_warehouse

    say = progress or (lambda _message: None)
    started = time.perf_counter()
    project_dir = find_project_dir()
    out = out or project_dir / DEFAULT_OUT
    settings = read_settings(project_dir)
    wh = open_warehouse(target, duckdb_path=duckdb_path, required=REQUIRED_MARTS)
    try:
        say(f"Reading the marts of target {wh.target} ({wh.engine}) ...")
        data = load_report_data(wh, month)
    finally:
        wh.close()
    say(f"Rendering the report for {data.month:%Y-%m} ...")
    sections = build_charts(data, settings)
    html = render_html(data, settings, dt.datetime.now(dt.UTC), sections)
    charts = sum(1 for _, group in sections for chart in group if chart.figure is not None)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return ReportResult(
        path=out,
        month=data.month,
        size_bytes=out.stat().st_size,
        seconds=time.perf_counter() - started,
        charts=charts,
    )


def run(args: argparse.Namespace) -> int:
    """The `report` command; returns a process exit code."""
    from cs_metrics.console import fail, shown_path
    from cs_metrics.project import ProjectError
    from cs_metrics.report.data import ReportError
    from cs_metrics.report.pdf import PdfError, print_pdf
    from cs_metrics.warehouse import WarehouseError

    def say(message: str) -> None:
        print(message, flush=True)

    try:
        result = write_report(
            args.out, month=args.month, target=args.target, duckdb_path=args.db, progress=say
        )
    except (WarehouseError, ReportError, ProjectError) as exc:
        return fail("report", exc)
    print(
        f"Report for {result.month:%Y-%m} ({result.charts} charts, "
        f"{result.size_bytes / 1e6:.1f} MB, {result.seconds:.1f} s): {shown_path(result.path)}"
    )
    if args.pdf:
        say("Printing the PDF with headless Chromium ...")
        started = time.perf_counter()
        try:
            pdf = print_pdf(result.path, result.path.with_suffix(".pdf"))
        except PdfError as exc:
            return fail("report", exc)
        print(
            f"PDF ({pdf.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - started:.1f} s):"
            f" {shown_path(pdf)}"
        )
    return 0
