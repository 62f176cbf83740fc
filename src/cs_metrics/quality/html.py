"""Render the quality report: one self-contained HTML page (tiles, tables, a text filter).

Same conventions as the visual report (`cs_metrics.report.html`, whose stylesheet and number
formats are reused): nothing is loaded from anywhere — no script or style sheet by URL, no
image, no font, no link to another host; the only script is inline and small (the table
filters). Numbers the tests compare are written into data-* attributes with their exact values.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape
from typing import Any

from cs_metrics.quality.artifacts import KINDS, BuildResults, TestResult, command_label
from cs_metrics.quality.data import DETAIL_ROWS, REVREC_ACCOUNT_ROWS, QualityData
from cs_metrics.quality.expectations import Validation, format_examples
from cs_metrics.quality.reconcile import Check, CheckRow, Column
from cs_metrics.report.html import CSS as REPORT_CSS
from cs_metrics.report.html import count, money, percent

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


# ------------------------------------------------------------------------------ small parts
def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


def _attr(value: Any) -> str:
    return "" if value is None else escape(str(value), quote=True)


def badge(state: str, text: str | None = None) -> str:
    """A coloured status label: ok, warn, fail or missing."""
    return f'<span class="badge {state}">{_e(text or state)}</span>'


def _status_state(status: str) -> str:
    return {"pass": "ok", "warn": "warn", "skipped": "missing"}.get(status, "fail")


def _month(value: Any) -> str:
    return f"{value:%Y-%m}" if isinstance(value, dt.date) else _e(value)


def _cell(value: Any, kind: str, decimals: int = 2, *, blank: bool = False) -> str:
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
        return _month(value)
    return str(value)


def _table(
    headers: Sequence[str],
    rows: Iterable[str],
    *,
    table_id: str | None = None,
    numeric: Sequence[bool] = (),
    css: str = "numbers",
    empty: str = "none",
) -> str:
    """A table from already rendered <tr> rows; `numeric` right-aligns header cells."""
    heads = "".join(
        f'<th class="{"num" if i < len(numeric) and numeric[i] else "txt"}">{_e(h)}</th>'
        for i, h in enumerate(headers)
    )
    body = (
        "".join(rows) or f'<tr><td colspan="{len(headers)}" class="txt empty">{_e(empty)}</td></tr>'
    )
    ident = f' id="{table_id}"' if table_id else ""
    return (
        f'<table class="{css}"{ident}><thead><tr>{heads}</tr></thead><tbody>{body}</tbody></table>'
    )


def _filter(table_id: str, placeholder: str, total: int) -> str:
    return (
        f'<div class="filter"><input type="search" data-filter="{table_id}"'
        f' placeholder="{_attr(placeholder)}" aria-label="filter">'
        f' <label><input type="checkbox" data-not-passed="{table_id}"> only not passed</label>'
        f' <span class="muted" data-filter-count="{table_id}">{total} rows</span></div>'
    )


# ------------------------------------------------------------------------------------ tiles
@dataclass
class TileLine:
    metric: str
    value: Any
    text: str

    def html(self) -> str:
        return (
            f'<div class="tile-line" data-metric="{self.metric}"'
            f' data-value="{_attr(self.value)}">{_e(self.text)}</div>'
        )


@dataclass
class StatusTile:
    key: str
    title: str
    state: str  # ok, warn, fail, missing
    headline: str
    lines: list[TileLine]
    note: str = ""

    def html(self) -> str:
        return (
            f'<div class="qtile {self.state}" data-tile="{self.key}" data-state="{self.state}">'
            f'<div class="tile-title">{_e(self.title)}</div>'
            f'<div class="tile-value">{_e(self.headline)}</div>'
            + "".join(line.html() for line in self.lines)
            + (f'<div class="tile-note">{_e(self.note)}</div>' if self.note else "")
            + "</div>"
        )


def _plural(number: int, word: str) -> str:
    return f"{number:,} {word}{'' if number == 1 else 's'}"


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
        f"{_plural(bad, 'failure')}"
        if bad
        else f"{_plural(warned, 'warning')}"
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
        f"dbt {command_label(build.command)} at {_when(build.generated_at)}; data tests include"
        " singular tests",
    )


def _when(moment: dt.datetime | None) -> str:
    return "unknown time" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"


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
        _plural(errors + problems, "error")
        if errors or problems
        else _plural(warnings, "warning")
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
                f" {_plural(int(summary.get('tables', 0)), 'table')}",
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
        _plural(rows, "row"),
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
def _section(key: str, title: str, body: str, intro: str = "") -> str:
    return (
        f'<section class="block" id="{key}" data-section="{key}"><h2>{_e(title)}</h2>'
        + (f'<p class="definition">{intro}</p>' if intro else "")
        + body
        + "</section>"
    )


def _test_row(test: TestResult) -> str:
    state = _status_state(test.status)
    return (
        f'<tr data-status="{_attr(test.status)}" data-kind="{_attr(test.kind)}"'
        f' data-passed="{"true" if test.status == "pass" else "false"}">'
        f'<td class="txt">{badge(state, test.status)}</td>'
        f'<td class="txt nowrap">{_e(test.kind)}</td>'
        f'<td class="txt name" title="{_attr(test.unique_id)}">{_e(test.name)}</td>'
        f'<td class="txt">{_e(test.tested)}</td>'
        f'<td class="txt">{_e(test.column or "")}</td>'
        f'<td class="num">{"" if test.failures is None else count(test.failures)}</td>'
        f'<td class="txt msg">{_e(test.message or "")}</td>'
        f'<td class="num">{test.execution_time:.2f}</td></tr>'
    )


def tests_section(build: BuildResults) -> str:
    by_kind = []
    for kind in KINDS:
        counts = build.counts(kind)
        if counts:
            parts = ", ".join(
                f"{counts[s]:,} {STATUS_LABEL.get(s, s)}" for s in TEST_STATUSES if counts.get(s)
            )
            by_kind.append(f"{_plural(sum(counts.values()), kind)} ({parts})")
    intro = (
        f"Every data test and unit test of the last <code>dbt {_e(command_label(build.command))}"
        "</code>"
        f" ({_e(_when(build.generated_at))}, {build.elapsed_seconds:.0f} s), from"
        " run_results.json and manifest.json: " + _e("; ".join(by_kind) or "no tests") + "."
        " Failing and warning first. Data test = a generic test from the YAML (unique, not_null,"
        " accepted_values, …); singular test = a SQL file in data-tests/; unit test = a model"
        " run on hand-written input rows."
    )
    rows = [_test_row(test) for test in build.tests]
    table = _table(
        [
            "status",
            "type",
            "test",
            "model or source tested",
            "column",
            "failures",
            "message",
            "time (s)",
        ],
        rows,
        table_id="tests-table",
        numeric=[False, False, False, False, False, True, False, True],
        css="numbers filterable",
        empty="the build ran no tests",
    )
    return _section(
        "tests",
        "dbt tests and unit tests of the last build",
        _filter("tests-table", "filter: name, model, status, message…", len(rows))
        + f'<div class="scroll">{table}</div>',
        intro,
    )


def _gx_row(record: dict[str, Any]) -> str:
    success = bool(record.get("success"))
    level = str(record.get("level", ""))
    state = "ok" if success else "fail" if level == "error" else "warn"
    unexpected = record.get("unexpected_count")
    percent_ = record.get("unexpected_percent")
    unexpected_text = "" if unexpected is None else count(unexpected)
    if unexpected and percent_ is not None:
        unexpected_text += f" ({float(percent_):.3g}%)"
    return (
        f'<tr data-passed="{"true" if success else "false"}" data-level="{_attr(level)}"'
        f' data-table="{_attr(record.get("table"))}">'
        f'<td class="txt">{badge(state, "passed" if success else "FAILED")}</td>'
        f'<td class="txt">{_e(record.get("table"))}</td>'
        f'<td class="txt">{_e(record.get("description"))}'
        f'<div class="muted">{_e(record.get("rule"))} · {_e(record.get("expectation_type"))}'
        "</div></td>"
        f'<td class="txt">{_e(level)}</td>'
        f'<td class="num">{_e(unexpected_text)}</td>'
        f'<td class="num">{_e(_cell(record.get("element_count"), "count", blank=True))}</td>'
        f'<td class="txt msg">{_e("" if success else format_examples(record))}</td></tr>'
    )


def _validation_block(validation: Validation) -> str:
    title = {"raw": "Raw data", "marts": "Built marts"}.get(validation.kind, validation.kind)
    if not validation.present:
        return (
            f'<div class="gx" data-gx="{validation.kind}" data-present="false">'
            f"<h3>{_e(title)}: not available</h3>"
            f'<p class="notice">{_e(validation.problem)}<br>Produce it with'
            f" <code>{_e(validation.command)}</code> (or <code>make validate</code> /"
            " <code>make demo</code> on the demo data), then run the quality report again.</p>"
            "</div>"
        )
    run, summary = validation.run, validation.summary
    source = run.get("source") or {}
    source_text = ", ".join(f"{k} {v}" for k, v in source.items() if not isinstance(v, dict))
    document = validation.document or {}
    problems = document.get("problems") or []
    skipped = document.get("skipped") or []
    extra = ""
    if problems:
        extra += '<p class="notice">Tables that could not be read: ' + _e("; ".join(problems))
        extra += "</p>"
    if skipped:
        extra += '<p class="definition">Row checks not run: ' + _e(
            "; ".join(f"{s.get('table')}: {s.get('reason')}" for s in skipped)
        )
        extra += "</p>"
    table_id = f"gx-{validation.kind}-table"
    rows = [_gx_row(record) for record in validation.results]
    table = _table(
        ["result", "table", "expectation", "level", "unexpected", "rows", "examples"],
        rows,
        table_id=table_id,
        numeric=[False, False, False, False, True, True, False],
        css="numbers filterable",
        empty="no expectation results in the file",
    )
    return (
        f'<div class="gx" data-gx="{validation.kind}" data-present="true">'
        f"<h3>{_e(title)}: {int(summary.get('expectations', 0)):,} expectations on"
        f" {_plural(int(summary.get('tables', 0)), 'table')} —"
        f" {int(summary.get('passed', 0)):,} passed, {int(summary.get('failed_errors', 0)):,}"
        f" errors and {int(summary.get('failed_warnings', 0)):,} warnings failed</h3>"
        f'<p class="definition">{_e(validation.path)} · started {_e(run.get("started_at"))} ·'
        f" {_e(run.get('duration_seconds'))} s · source {_e(source_text)} · as of"
        f" {_e(run.get('as_of_date') or 'n/a')} · Great Expectations"
        f" {_e(run.get('great_expectations_version'))}. An error-level failure fails"
        " <code>cs-metrics validate</code>; warnings never do.</p>"
        + extra
        + _filter(table_id, "filter: table, column, rule…", len(rows))
        + f'<div class="scroll">{table}</div></div>'
    )


def expectations_section(validations: list[Validation]) -> str:
    return _section(
        "expectations",
        "Great Expectations results",
        "".join(_validation_block(v) for v in validations),
        "The suites of <code>cs-metrics validate</code>: the raw input contract on the raw data"
        " (target/validation/raw.json) and the marts' rules on the built marts"
        " (target/validation/marts.json). Failed first (errors, then warnings); examples are"
        " up to three of the rows breaking the expectation.",
    )


EFFECT_LABEL = {
    "left_out": ("warn", "left out"),
    "assumed": ("warn", "assumed"),
    "none": ("ok", "no effect"),
}


def _effect_text(effect: str) -> str:
    return EFFECT_LABEL.get(effect, ("missing", effect))[1]


def _effect_badge(effect: str) -> str:
    return badge(EFFECT_LABEL.get(effect, ("missing", effect))[0], _effect_text(effect))


def _stake(value: Any, currency: str) -> str:
    return "—" if value is None else f"{money(value)} {currency}"


def issues_section(report: QualityReport) -> str:
    data, cur = report.data, report.currency
    latest = data.latest_complete_month
    latest_label = f"{latest:%Y-%m}" if latest else "n/a"
    as_of_label = f"{data.as_of_month:%Y-%m}"
    rows = []
    for row in data.issue_summary:
        excluded = bool(row["is_excluded_from_metric"])
        effect = str(row["metric_effect"])
        no_effect = effect == "none"
        rows.append(
            f'<tr data-issue="{_attr(row["source_table"])}|{_attr(row["issue_type"])}"'
            f' data-rows="{_attr(row["issue_rows"])}" data-excluded="{str(excluded).lower()}"'
            f' data-effect="{_attr(effect)}" data-mrr-latest="{_attr(row["mrr_latest"])}">'
            f'<td class="txt">{_e(row["source_table"])}</td>'
            f'<td class="txt">{_e(row["issue_type"])}</td>'
            f'<td class="txt">{_e(row["affected_metric"])}</td>'
            f'<td class="txt">{_effect_badge(effect)}</td>'
            f'<td class="num">{count(row["issue_rows"])}</td>'
            f'<td class="num">{count(row["affected_rows"])}</td>'
            f'<td class="num">{count(row["accounts"])}</td>'
            f'<td class="num">{"" if no_effect else count(row["paying_latest"])}</td>'
            f'<td class="num">{"no effect" if no_effect else _stake(row["mrr_latest"], cur)}</td>'
            f'<td class="num">{"no effect" if no_effect else _stake(row["mrr_as_of"], cur)}</td>'
            "</tr>"
        )
    total = data.issue_total
    share = (
        percent(Decimal(total["mrr_latest"]) / data.mrr_latest, 2)
        if total.get("mrr_latest") is not None and data.mrr_latest
        else "n/a"
    )
    foot = (
        '<tr class="total"><td class="txt">issues that change a figure</td><td></td><td></td>'
        "<td></td>"
        f'<td class="num">{count(total.get("effect_rows") or 0)}</td>'
        f'<td class="num">{count(total.get("effect_affected_rows") or 0)}</td>'
        f'<td class="num">{count(total.get("accounts") or 0)}</td>'
        f'<td class="num">{count(total.get("paying_latest") or 0)}</td>'
        f'<td class="num">{_stake(total.get("mrr_latest"), cur)}</td>'
        f'<td class="num">{_stake(total.get("mrr_as_of"), cur)}</td></tr>'
        '<tr class="total"><td class="txt">handled without effect</td><td></td><td></td>'
        "<td></td>"
        f'<td class="num">{count(total.get("no_effect_rows") or 0)}</td>'
        f'<td class="num">{count(total.get("no_effect_affected_rows") or 0)}</td>'
        '<td></td><td></td><td class="num">no effect</td><td class="num">no effect</td></tr>'
    )
    table = _table(
        [
            "source table",
            "issue type",
            "metric",
            "effect",
            "issue rows",
            "raw rows",
            "accounts",
            f"paying {latest_label}",
            f"MRR at stake {latest_label}",
            f"MRR at stake {as_of_label} (as-of)",
        ],
        rows,
        table_id="issues-table",
        numeric=[False, False, False, False, True, True, True, True, True, True],
        empty="no data-quality issue: every raw row follows the contract",
    ).replace("</tbody></table>", f"</tbody><tfoot>{foot}</tfoot></table>")
    intro = (
        "Every raw row that breaks the raw input contract, or that a metric leaves out or treats"
        " specially (fct_data_quality_issues), by source table and issue type, the issues that"
        " change a figure first. <b>Effect</b> (metric_effect, decided in the warehouse):"
        " <i>left out</i> = the rows are missing from the affected metric; <i>assumed</i> = they"
        " are counted on an assumption that may not hold (a stand-in account, the plan's"
        " currency, a value kept as delivered), so the figure may change when the source is"
        " fixed; <i>no effect</i> = the pipeline handled them without effect on any figure"
        " (extra copies of an event dropped by de-duplication, events dated after the as-of"
        " date, a broken FX rate no month uses). <b>MRR at stake</b> = the MRR"
        f" (fct_account_months.mrr, {_e(cur)}) of the"
        " distinct accounts that the issues changing a figure name, in the latest complete month"
        f" ({_e(latest_label)}) and in the as-of month ({_e(as_of_label)}); each account counts"
        " once per line and once in the total; issues without effect add nothing, and accounts"
        " unknown to fct_account_months (e.g. the unknown accounts of events) add 0. It is"
        " revenue whose attribution or treatment the issue concerns, not an amount missing from"
        " MRR (excluded subscription items have no amount in any public mart). In the total, the"
        f" affected accounts hold {_e(share)} of the {_e(latest_label)} MRR"
        f" ({_e(money(data.mrr_latest) if data.mrr_latest is not None else 'n/a')} {_e(cur)})."
    )
    return _section(
        "issues",
        "Data-quality issues and the money they touch",
        table + _issue_details(report),
        intro,
    )


def _issue_details(report: QualityReport) -> str:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in report.data.issue_details:
        groups.setdefault((row["source_table"], row["issue_type"]), []).append(row)
    parts = []
    for (source, issue_type), rows in groups.items():
        total = int(rows[0]["rows_in_type"])
        body = [
            f'<tr><td class="txt">{_e(r["record_id"])}</td>'
            f'<td class="txt">{_e(r["account_id"] or "")}</td>'
            f'<td class="txt msg">{_e(r["issue_description"])}</td>'
            f'<td class="txt">{_e(r["affected_metric"])}</td>'
            f'<td class="num">{count(r["affected_rows"])}</td>'
            f'<td class="txt">{"yes" if r["is_excluded_from_metric"] else "no"}</td>'
            f'<td class="txt">{_e(_effect_text(r["metric_effect"]))}</td>'
            f'<td class="num">{"" if r["mrr_latest"] is None else money(r["mrr_latest"], 2)}</td>'
            "</tr>"
            for r in rows
        ]
        shown = f"{len(rows)} of {total:,}" if total > len(rows) else f"all {total:,}"
        parts.append(
            f'<details class="detail" data-detail="{_attr(source)}|{_attr(issue_type)}">'
            f"<summary>{_e(source)} · {_e(issue_type)} — {shown} rows</summary>"
            + _table(
                [
                    "record",
                    "account",
                    "description",
                    "metric",
                    "raw rows",
                    "excluded",
                    "effect",
                    f"MRR {report.data.latest_complete_month or ''} ({report.currency})",
                ],
                body,
                numeric=[False, False, False, False, True, False, False, True],
            )
            + "</details>"
        )
    if not parts:
        return ""
    return (
        f'<h3 class="sub">Issue rows (the first {DETAIL_ROWS} of each type, by record id)</h3>'
        + "".join(parts)
    )


SIX_DECIMALS = ("difference", "unexplained_difference")  # shown to the 6 decimals stored


def _cells(columns: list[Column], values: dict[str, Any]) -> str:
    return "".join(
        f'<td class="{"txt" if c.kind in ("text", "month") else "num"}">'
        f"{_e(_cell(values.get(c.key), c.kind, 6 if c.key in SIX_DECIMALS else 2))}</td>"
        for c in columns
    )


def _check_rows(check: Check, rows: list[CheckRow]) -> list[str]:
    """The rows of a check, each with its pass/FAIL badge and data-pass attribute."""
    return [
        f'<tr data-check="{check.key}" data-key="{_attr(row.key)}"'
        f' data-pass="{"true" if row.passed else "false"}">'
        f'<td class="txt">{badge("ok" if row.passed else "fail", "pass" if row.passed else "FAIL")}'
        f"</td>{_cells(check.columns, row.values)}</tr>"
        for row in rows
    ]


def _check_block(check: Check, report: QualityReport) -> str:
    state = {True: "ok", False: "fail", None: "missing"}[check.passed]
    verdict = {True: "pass", False: "FAIL", None: "not checked"}[check.passed]
    numeric = [False] + [c.kind not in ("text", "month") for c in check.columns]
    headers = ["result", *(c.label for c in check.columns)]
    body = ""
    if check.skipped:
        body = f'<p class="notice">Not checked: {_e(check.skipped)}</p>'
    else:
        failing = check.failing
        if failing:
            body += (
                f'<p class="failing">{_plural(len(failing), "row")} of {len(check.rows):,} fail:'
                "</p>" + _table(headers, _check_rows(check, failing), numeric=numeric)
            )
        else:
            body += f'<p class="passing">All {len(check.rows):,} rows pass.</p>'
        body += (
            f'<details class="detail"><summary>All {len(check.rows):,} rows</summary>'
            + _table(
                headers,
                _check_rows(check, check.rows),
                numeric=numeric,
                table_id=f"check-{check.key}",
            )
            + "</details>"
        )
        if check.detail_rows:
            detail_numeric = [c.kind not in ("text", "month") for c in check.detail_columns]
            body += (
                f'<details class="detail"><summary>{_e(check.detail_title)}'
                f" ({len(check.detail_rows):,} rows)</summary>"
                + _table(
                    [c.label for c in check.detail_columns],
                    [f"<tr>{_cells(check.detail_columns, r)}</tr>" for r in check.detail_rows],
                    numeric=detail_numeric,
                    table_id=f"detail-{check.key}",
                )
                + "</details>"
            )
        if check.key == "revenue_recognition":
            body += _revrec_accounts(report)
    notes = "".join(f'<p class="definition">{_e(note)}</p>' for note in check.notes)
    return (
        f'<div class="check" data-check="{check.key}" data-passed="{state}">'
        f"<h3>{badge(state, verdict)} {_e(check.title)}</h3>"
        f'<p class="definition">{_e(check.rule)}</p>'
        f'<p class="tolerance">Tolerance: {_e(check.tolerance)}</p>{notes}{body}</div>'
    )


def _revrec_accounts(report: QualityReport) -> str:
    data, cur = report.data, report.currency
    if not data.revrec_unreconciled:
        return (
            '<p class="passing" data-detail="revrec-accounts">Every account-month is reconciled:'
            " recognised revenue = mrr + the explained reasons, within revrec_tolerance.</p>"
        )
    rows = [
        f'<tr data-account="{_attr(r["account_id"])}" data-month="{_month(r["month_start"])}">'
        f'<td class="txt">{_month(r["month_start"])}</td>'
        f'<td class="txt">{_e(r["account_name"])}</td>'
        f'<td class="txt">{_e(r["account_id"])}</td>'
        f'<td class="num">{count(r["invoice_lines"])}</td>'
        f'<td class="num">{money(r["mrr"], 2)}</td>'
        f'<td class="num">{_e(_cell(r["expected_revenue"], "money"))}</td>'
        f'<td class="num">{_e(_cell(r["recognised_revenue"], "money"))}</td>'
        f'<td class="num">{_e(_cell(r["unexplained_difference"], "money"))}</td>'
        f'<td class="txt">{"yes" if r["has_missing_fx_rate"] else ""}</td></tr>'
        for r in data.revrec_accounts
    ]
    return (
        '<details class="detail" open data-detail="revrec-accounts"><summary>Account-months not'
        f" reconciled: {data.revrec_unreconciled:,} (the largest"
        f" {min(REVREC_ACCOUNT_ROWS, len(rows))} by |unexplained|)</summary>"
        + _table(
            [
                "month",
                "account",
                "id",
                "invoice lines",
                f"mrr ({cur})",
                "expected",
                "recognised",
                "unexplained",
                "missing rate",
            ],
            rows,
            table_id="revrec-accounts",
            numeric=[False, False, False, True, True, True, True, True, False],
        )
        + "</details>"
    )


def reconciliations_section(report: QualityReport) -> str:
    overview_rows = []
    for check in report.checks:
        state = {True: "ok", False: "fail", None: "missing"}[check.passed]
        verdict = {True: "pass", False: "FAIL", None: "not checked"}[check.passed]
        overview_rows.append(
            f'<tr data-recon="{check.key}" data-passed="{state}">'
            f'<td class="txt"><a href="#check-block-{check.key}">{_e(check.title)}</a></td>'
            f'<td class="txt">{badge(state, verdict)}</td>'
            f'<td class="txt">{_e(check.tolerance)}</td>'
            f'<td class="num">{count(len(check.rows))}</td>'
            f'<td class="num">{count(len(check.failing))}</td></tr>'
        )
    overview = _table(
        ["reconciliation", "result", "tolerance", "rows checked", "rows failing"],
        overview_rows,
        numeric=[False, False, False, True, True],
    )
    blocks = "".join(
        f'<div id="check-block-{check.key}">{_check_block(check, report)}</div>'
        for check in report.checks
    )
    return _section(
        "reconciliations",
        "Reconciliations",
        overview + blocks,
        "Every dollar accounted for: the bridge adds up, the months chain, the MRR total equals"
        " the account-months and the counted subscription items per currency, and invoiced"
        " revenue is compared with MRR. Money is compared exactly (Decimal) as stored in the"
        f" marts, in {_e(report.currency)}; the tolerance of 0.01 is the one of the build's"
        " bridge test (data-tests/assert_mrr_bridge_identity_holds.sql).",
    )


def provenance_section(report: QualityReport) -> str:
    rows = "".join(
        f'<tr><th class="txt">{_e(k)}</th><td class="txt">{_e(v)}</td></tr>'
        for k, v in report.provenance
    )
    notes = "".join(f'<p class="definition">{_e(n)}</p>' for n in report.data.notes)
    return _section(
        "provenance",
        "Provenance",
        f'<table class="numbers provenance"><tbody>{rows}</tbody></table>{notes}',
        "Where every number on this page comes from.",
    )


# ------------------------------------------------------------------------------------ page
CSS = (
    REPORT_CSS
    + """
.page { width: 1180px; }
nav.sections { margin: 0 0 10px; font-size: 12px; }
nav.sections a { color: var(--accent); margin-right: 12px; text-decoration: none; }
.qtiles { display: grid; grid-template-columns: repeat(5, 1fr); gap: 8px; }
.qtile { border: 1px solid var(--rule); border-top: 4px solid var(--muted); border-radius: 4px;
  padding: 8px 8px 6px; }
.qtile.ok { border-top-color: #2b8a3e; } .qtile.warn { border-top-color: #e67700; }
.qtile.fail { border-top-color: #c92a2a; } .qtile.missing { border-top-color: #adb5bd; }
.tile-line { font-size: 11.5px; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 0 5px; border-radius: 3px; font-size: 10.5px;
  font-weight: 600; line-height: 16px; white-space: nowrap; }
.badge.ok { background: #d3f9d8; color: #1b5e20; }
.badge.warn { background: #fff3bf; color: #7c4a03; }
.badge.fail { background: #ffe3e3; color: #a51111; }
.badge.missing { background: #e9ecef; color: #495057; }
.filter { margin: 4px 0 6px; font-size: 12px; }
.filter input[type=search] { width: 340px; padding: 3px 6px; font: inherit; }
.muted { color: var(--muted); font-size: 10.5px; }
.scroll { max-height: 640px; overflow: auto; border: 1px solid var(--rule); }
table.numbers td.msg { min-width: 160px; max-width: 380px; overflow-wrap: anywhere; }
table.numbers td.name { overflow-wrap: anywhere; min-width: 380px; max-width: 480px; }
table.numbers td.nowrap { white-space: nowrap; }
.scroll table.numbers thead th { position: sticky; top: 0; background: #fff; }
table.numbers th.txt { text-align: left; }
table.provenance th { width: 220px; vertical-align: top; }
.notice { background: #f8f9fa; border-left: 3px solid #adb5bd; padding: 6px 8px; margin: 4px 0; }
.failing { color: #a51111; font-weight: 600; margin: 4px 0; }
.passing { color: #1b5e20; margin: 4px 0; }
.tolerance { font-size: 12px; margin: 0 0 4px; }
.check { margin: 12px 0 6px; padding-top: 6px; border-top: 1px dashed var(--rule); }
.gx { margin: 10px 0; }
h3.sub { margin-top: 12px; }
details.detail { margin: 4px 0; }
details.detail > summary { cursor: pointer; color: var(--accent); font-size: 12px; }
code { font-size: 11.5px; background: #f1f3f5; padding: 0 3px; border-radius: 2px; }
@media print {
  .filter, nav.sections { display: none; }
  .scroll { max-height: none; overflow: visible; border: 0; }
  details.detail { display: none; }
}
"""
)

SCRIPT = """
(function () {
  function setup(table) {
    var rows = table.tBodies[0].rows;
    var text = document.querySelector('input[data-filter="' + table.id + '"]');
    var notPassed = document.querySelector('input[data-not-passed="' + table.id + '"]');
    var counter = document.querySelector('[data-filter-count="' + table.id + '"]');
    function apply() {
      var terms = text.value.toLowerCase().split(/\\s+/).filter(Boolean);
      var shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var row = rows[i], content = row.textContent.toLowerCase(), ok = true;
        for (var t = 0; t < terms.length && ok; t++) ok = content.indexOf(terms[t]) >= 0;
        if (ok && notPassed.checked) ok = row.getAttribute('data-passed') === 'false';
        row.hidden = !ok;
        if (ok) shown++;
      }
      counter.textContent = shown + ' of ' + rows.length + ' rows shown';
    }
    text.addEventListener('input', apply);
    notPassed.addEventListener('change', apply);
    apply();
  }
  var tables = document.querySelectorAll('table.filterable');
  for (var i = 0; i < tables.length; i++) setup(tables[i]);
  document.body.setAttribute('data-ready', '1');
})();
"""


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
    nav = "".join(f'<a href="#{key}">{_e(title)}</a>' for key, title in SECTIONS)
    summary = _section(
        "summary",
        "Summary",
        f'<div class="qtiles">{"".join(t.html() for t in tiles(report))}</div>',
    )
    payload = {
        "as_of_date": as_of,
        "target": data.target,
        "generated_at": report.generated_at.isoformat(),
    }
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>Data quality and reconciliation — as of {_e(as_of)}</title>",
            f"<style>{CSS}</style>",
            "</head><body>",
            '<div class="page">',
            f"<header><h1>Data quality and reconciliation — as of {_e(as_of)}</h1>"
            f'<p class="meta" data-as-of="{_attr(as_of)}">{_e(meta)}</p></header>',
            f'<nav class="sections">{nav}</nav>',
            summary,
            tests_section(report.build),
            expectations_section(report.validations),
            issues_section(report),
            reconciliations_section(report),
            provenance_section(report),
            "<footer>cs_metrics quality report: dbt artifacts, Great Expectations results and the"
            " marts of one build, in one file that loads nothing from anywhere. Definitions: the"
            " cs_metrics dbt docs (`make docs` writes target/static_index.html: every mart,"
            " column and test) and docs/raw-contract.md, docs/bad-input.md and"
            " docs/configuration.md.</footer>",
            "</div>",
            f'<script type="application/json" id="report-meta">{_json(payload)}</script>',
            f"<script>{SCRIPT}</script>",
            "</body></html>",
        ]
    )


def _json(value: Any) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(value).replace("</", "<\\/")
