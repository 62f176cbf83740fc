"""Render the quality report: one self-contained HTML page (tiles, tables, a text filter).

The page is the template cs_metrics/pages/templates/quality.html.j2 (autoescaped) with the
visual report's stylesheet and number formats (cs_metrics.pages): nothing is loaded from
anywhere — no script or style sheet by URL, no image, no font, no link to another host; the
only script is inline and small (the table filters, pages/static/quality.js). Numbers the tests
compare are written into data-* attributes with their exact values. This module gathers what
the page shows; the markup is the template's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cs_metrics.pages.formats import count, money, month, percent, plural, when
from cs_metrics.pages.render import render_page
from cs_metrics.quality.artifacts import KINDS, BuildResults, command_label
from cs_metrics.quality.data import DETAIL_ROWS, REVREC_ACCOUNT_ROWS, QualityData
from cs_metrics.quality.expectations import Validation, format_examples
from cs_metrics.quality.reconcile import Check, Column

SECTIONS = (
    ("summary", "Summary"),
    ("tests", "dbt tests"),
    ("expectations", "Great Expectations"),
    ("issues", "Data-quality issues"),
    ("reconciliations", "Reconciliations"),
    ("provenance", "Provenance"),
)
TEST_STATUSES = ("pass", "warn", "fail", "error", "skipped")
STATUS_LABEL = {
    "pass": "passed",
    "warn": "warned",
    "fail": "failed",
    "error": "errored",
    "skipped": "skipped",
}


@dataclass
class QualityReport:
    """Everything the page shows."""

    data: QualityData
    build: BuildResults
    validations: list[Validation]
    checks: list[Check]
    currency: str
    relative_tolerance: Decimal
    absolute_tolerance: Decimal
    generated_at: dt.datetime
    provenance: list[tuple[str, str]] = field(default_factory=list)
    money_tolerance: Decimal = Decimal("0.01")  # var reconciliation_tolerance


# ------------------------------------------------------------------------------ small parts
def status_state(status: str) -> str:
    """A test status as a badge state: ok, warn, fail or missing."""
    return {"pass": "ok", "warn": "warn", "skipped": "missing"}.get(status, "fail")


def cell(value: Any, kind: str, decimals: int = 2, *, blank: bool = False) -> str:
    """A number formatted by kind (money, ratio, count, month, text); None is 'n/a' or ''."""
    if value is None:
        return "" if blank else "n/a"
    if kind == "money":
        return money(value, decimals)
    if kind == "ratio":
        return percent(value, 2)
    if kind == "count":
        return count(value)
    if kind == "month":
        return month(value)
    return str(value)


# ------------------------------------------------------------------------------------ tiles
@dataclass
class TileLine:
    metric: str
    value: Any
    text: str


@dataclass
class StatusTile:
    key: str
    title: str
    state: str  # ok, warn, fail, missing
    headline: str
    lines: list[TileLine]
    note: str = ""


def _build_tile(build: BuildResults) -> StatusTile:
    data = build.counts("data test")
    singular = build.counts("singular test")
    tests = {s: data.get(s, 0) + singular.get(s, 0) for s in set(data) | set(singular)}
    units = build.counts("unit test")
    bad = sum(tests.get(s, 0) + units.get(s, 0) for s in ("fail", "error"))
    warned = tests.get("warn", 0)
    model_errors = sum(
        count_
        for kind, statuses in build.nodes.items()
        for status, count_ in statuses.items()
        if status in ("error", "skipped") and kind != "operation"
    )
    state = "fail" if bad or model_errors else "warn" if warned else "ok"
    headline = (
        f"{plural(bad, 'failure')}"
        if bad
        else f"{plural(warned, 'warning')}"
        if warned
        else "all passed"
    )
    lines = [
        TileLine(
            f"tests_{status}",
            tests.get(status, 0),
            f"data tests {STATUS_LABEL[status]}: {tests.get(status, 0):,}",
        )
        for status in TEST_STATUSES
        if status in ("pass", "warn", "fail") or tests.get(status)
    ]
    lines += [
        TileLine(
            f"unit_tests_{status}",
            units.get(status, 0),
            f"unit tests {STATUS_LABEL[status]}: {units.get(status, 0):,}",
        )
        for status in TEST_STATUSES
        if status in ("pass", "fail") or units.get(status)
    ]
    if model_errors:
        lines.append(
            TileLine("nodes_not_built", model_errors, f"models/seeds not built: {model_errors}")
        )
    return StatusTile(
        "build",
        "dbt build",
        state,
        headline,
        lines,
        f"dbt {command_label(build.command)} at {when(build.generated_at)}; data tests include"
        " singular tests",
    )


def _gx_tile(validation: Validation) -> StatusTile:
    title = f"Great Expectations, {validation.kind}"
    if not validation.present:
        return StatusTile(
            f"gx_{validation.kind}",
            title,
            "missing",
            "not run",
            [
                TileLine(f"gx_{validation.kind}_errors", None, "errors: n/a"),
                TileLine(f"gx_{validation.kind}_warnings", None, "warnings: n/a"),
            ],
            f"run: {validation.command.split('  ')[0]}",
        )
    summary = validation.summary
    errors = int(summary.get("failed_errors", 0))
    warnings = int(summary.get("failed_warnings", 0))
    problems = len((validation.document or {}).get("problems") or [])
    state = "fail" if errors or problems else "warn" if warnings else "ok"
    headline = (
        plural(errors + problems, "error")
        if errors or problems
        else plural(warnings, "warning")
        if warnings
        else "all passed"
    )
    return StatusTile(
        f"gx_{validation.kind}",
        title,
        state,
        headline,
        [
            TileLine(f"gx_{validation.kind}_errors", errors, f"errors failed: {errors:,}"),
            TileLine(f"gx_{validation.kind}_warnings", warnings, f"warnings failed: {warnings:,}"),
            TileLine(
                f"gx_{validation.kind}_expectations",
                summary.get("expectations"),
                f"expectations: {int(summary.get('expectations', 0)):,} on"
                f" {plural(int(summary.get('tables', 0)), 'table')}",
            ),
        ],
        f"run {validation.run.get('started_at', '?')}"
        + (f"; {problems} unreadable table(s)" if problems else ""),
    )


def _issues_tile(report: QualityReport) -> StatusTile:
    total = report.data.issue_total
    rows = int(total.get("issue_rows") or 0)
    excluded = int(total.get("excluded_rows") or 0)
    effect = int(total.get("effect_rows") or 0)
    no_effect = int(total.get("no_effect_rows") or 0)
    latest = report.data.latest_complete_month
    stake = total.get("mrr_latest")
    return StatusTile(
        "issues",
        "Data-quality issues",
        "warn" if effect else "ok",
        plural(rows, "row"),
        [
            TileLine("dq_rows", rows, f"issue rows: {rows:,}"),
            TileLine(
                "dq_excluded_rows", excluded, f"of which excluded from a metric: {excluded:,}"
            ),
            TileLine("dq_effect_rows", effect, f"changing a figure: {effect:,}"),
            TileLine("dq_no_effect_rows", no_effect, f"handled without effect: {no_effect:,}"),
            TileLine(
                "dq_affected_rows",
                total.get("affected_rows") or 0,
                f"raw rows behind them: {int(total.get('affected_rows') or 0):,}",
            ),
            TileLine(
                "dq_mrr_at_stake",
                stake,
                f"MRR at stake{f' ({latest:%Y-%m})' if latest else ''}:"
                f" {money(stake or 0)} {report.currency}",
            ),
        ],
        "fct_data_quality_issues; MRR of the accounts whose figures an issue changed, each"
        " counted once",
    )


def _recon_tile(checks: list[Check]) -> StatusTile:
    passing = [c for c in checks if c.passed is True]
    failing = [c for c in checks if c.passed is False]
    skipped = [c for c in checks if c.passed is None]
    state = "fail" if failing else "warn" if skipped else "ok"
    lines = [
        TileLine("recon_pass", len(passing), f"passing: {len(passing)}"),
        TileLine("recon_fail", len(failing), f"failing: {len(failing)}"),
    ]
    if skipped:
        lines.append(TileLine("recon_skipped", len(skipped), f"not checked: {len(skipped)}"))
    return StatusTile(
        "reconciliations",
        "Reconciliations",
        state,
        f"{len(passing)} of {len(checks)} pass",
        lines,
        "failing: " + ", ".join(c.title for c in failing) if failing else "",
    )


def tiles(report: QualityReport) -> list[StatusTile]:
    return [
        _build_tile(report.build),
        *(_gx_tile(v) for v in report.validations),
        _issues_tile(report),
        _recon_tile(report.checks),
    ]


# -------------------------------------------------------------------------------- sections
def tests_summary(build: BuildResults) -> str:
    """The build's tests by kind: '812 data tests (810 passed, 2 warned); …'."""
    by_kind = []
    for kind in KINDS:
        counts = build.counts(kind)
        if counts:
            parts = ", ".join(
                f"{counts[s]:,} {STATUS_LABEL.get(s, s)}" for s in TEST_STATUSES if counts.get(s)
            )
            by_kind.append(f"{plural(sum(counts.values()), kind)} ({parts})")
    return "; ".join(by_kind) or "no tests"


def gx_row(record: dict[str, Any]) -> dict[str, Any]:
    """One expectation result as the table shows it."""
    success = bool(record.get("success"))
    level = str(record.get("level", ""))
    unexpected = record.get("unexpected_count")
    percent_ = record.get("unexpected_percent")
    unexpected_text = "" if unexpected is None else count(unexpected)
    if unexpected and percent_ is not None:
        unexpected_text += f" ({float(percent_):.3g}%)"
    return {
        "record": record,
        "success": success,
        "level": level,
        "state": "ok" if success else "fail" if level == "error" else "warn",
        "unexpected": unexpected_text,
        "rows": cell(record.get("element_count"), "count", blank=True),
        "examples": "" if success else format_examples(record),
    }


def gx_block(validation: Validation) -> dict[str, Any]:
    """A results file's heading figures, notes and rows."""
    title = {"raw": "Raw data", "marts": "Built marts"}.get(validation.kind, validation.kind)
    summary = validation.summary
    source = validation.run.get("source") or {}
    document = validation.document or {}
    return {
        "v": validation,
        "title": title,
        "figures": {
            key: int(summary.get(key, 0))
            for key in ("expectations", "tables", "passed", "failed_errors", "failed_warnings")
        },
        "source": ", ".join(f"{k} {v}" for k, v in source.items() if not isinstance(v, dict)),
        "problems": "; ".join(document.get("problems") or []),
        "skipped": "; ".join(
            f"{s.get('table')}: {s.get('reason')}" for s in document.get("skipped") or []
        ),
        "rows": [gx_row(record) for record in validation.results],
    }


EFFECT_LABEL = {
    "left_out": ("warn", "left out"),
    "assumed": ("warn", "assumed"),
    "none": ("ok", "no effect"),
}


def effect(value: str) -> tuple[str, str]:
    """A metric_effect as (badge state, text)."""
    return EFFECT_LABEL.get(value, ("missing", value))


def stake(value: Any, currency: str) -> str:
    return "—" if value is None else f"{money(value)} {currency}"


def issue_groups(report: QualityReport) -> list[dict[str, Any]]:
    """The issue rows by source table and issue type, with how many of the type are shown."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in report.data.issue_details:
        groups.setdefault((row["source_table"], row["issue_type"]), []).append(row)
    out = []
    for (source, issue_type), rows in groups.items():
        total = int(rows[0]["rows_in_type"])
        shown = f"{len(rows)} of {total:,}" if total > len(rows) else f"all {total:,}"
        out.append({"source": source, "issue_type": issue_type, "rows": rows, "shown": shown})
    return out


SIX_DECIMALS = ("difference", "unexplained_difference")  # shown to the 6 decimals stored
CHECK_STATE = {True: "ok", False: "fail", None: "missing"}
CHECK_VERDICT = {True: "pass", False: "FAIL", None: "not checked"}


def column_cell(column: Column, values: dict[str, Any]) -> str:
    """A check table's cell: the value of the column formatted by its kind."""
    decimals = 6 if column.key in SIX_DECIMALS else 2
    return cell(values.get(column.key), column.kind, decimals)


def numeric_columns(columns: list[Column]) -> list[bool]:
    """Which of a check table's columns hold numbers (right-aligned)."""
    return [column.kind not in ("text", "month") for column in columns]


# ------------------------------------------------------------------------------------ page
def render_html(report: QualityReport) -> str:
    """The complete quality report page."""
    data = report.data
    as_of = data.as_of_date.isoformat() if data.as_of_date else f"{data.as_of_month:%Y-%m}"
    latest = f"{data.latest_complete_month:%Y-%m}" if data.latest_complete_month else "none"
    meta = (
        f"As of {as_of} (latest complete month {latest}) · target {data.target}"
        f" ({data.engine}) · reporting currency {report.currency} · generated"
        f" {report.generated_at:%Y-%m-%d %H:%M} UTC"
    )
    total = data.issue_total
    share = (
        percent(Decimal(total["mrr_latest"]) / data.mrr_latest, 2)
        if total.get("mrr_latest") is not None and data.mrr_latest
        else "n/a"
    )
    return render_page(
        "quality.html.j2",
        r=report,
        data=data,
        cur=report.currency,
        as_of=as_of,
        meta=meta,
        sections=SECTIONS,
        tiles=tiles(report),
        build=report.build,
        command=command_label(report.build.command),
        tests_summary=tests_summary(report.build),
        gx_blocks=[gx_block(v) for v in report.validations],
        latest_label=f"{data.latest_complete_month:%Y-%m}" if data.latest_complete_month else "n/a",
        as_of_label=f"{data.as_of_month:%Y-%m}",
        issue_total=total,
        share=share,
        issue_groups=issue_groups(report),
        detail_rows=DETAIL_ROWS,
        revrec_rows=REVREC_ACCOUNT_ROWS,
        check_state=CHECK_STATE,
        check_verdict=CHECK_VERDICT,
        status_state=status_state,
        effect=effect,
        stake=stake,
        cell=cell,
        column_cell=column_cell,
        numeric_columns=numeric_columns,
        payload={
            "as_of_date": as_of,
            "target": data.target,
            "generated_at": report.generated_at.isoformat(),
        },
    )
