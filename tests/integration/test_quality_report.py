"""The quality report: one offline HTML file, opened in headless Chromium, that shows every test
of the build, the Great Expectations results, the data-quality issues with their money and the
reconciliations — and whose numbers equal their sources.

The small data set is built once (`built_db`, tests/conftest.py: `dbt build` into a temporary
target path, whose run_results.json and manifest.json are the artifacts read here); the GX
suites run on the same raw data and marts. The page is opened through tests/browser.py: any
request that is not file:, data:, blob: or about: and any JavaScript error fail the test. A
copy of the database with one new_mrr changed, its reconciliation marts rebuilt by dbt
(models/marts/reports/quality/: the warehouse decides, the report shows), must show that month
failing the bridge identity.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from browser import Guard, guarded_page
from conftest import SMALL_AS_OF, run_dbt
from cs_metrics.cli import main
from cs_metrics.quality.command import QualityResult, write_quality_report

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "target" / "quality_report.png"
SECTIONS = ("summary", "tests", "expectations", "issues", "reconciliations", "provenance")
CHECKS = (
    "bridge_identity",
    "bridge_continuity",
    "mrr_totals",
    "mrr_by_currency",
    "revenue_recognition",
)
MONEY_CHECKS = CHECKS[:4]  # one row per month of the bridge
TAMPERED_MONTH = "2024-06"


# ---------------------------------------------------------------------------------- inputs
@pytest.fixture(scope="module")
def artifacts(built_db: Path) -> Path:
    """The target path of the `built_db` build: its run_results.json and manifest.json."""
    folder = built_db.parent / "target"
    results = json.loads((folder / "run_results.json").read_text())
    assert results["args"]["which"] == "build"
    return folder


@pytest.fixture(scope="module")
def validation(
    small_raw_dir: Path, built_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """`cs-metrics validate` on the small raw data and on its built marts."""
    folder = tmp_path_factory.mktemp("validation")
    raw = main(
        ["validate", str(small_raw_dir), "--as-of", SMALL_AS_OF, "--out", str(folder / "raw.json")]
    )
    marts = main(
        [
            "validate",
            "--marts",
            "--target",
            "duckdb",
            "--db",
            str(built_db),
            "--artifacts",
            str(built_db.parent / "target"),
            "--out",
            str(folder / "marts.json"),
        ]
    )
    assert raw in (0, 1) and marts in (0, 1)  # 1: an error-level expectation failed
    assert (folder / "raw.json").is_file() and (folder / "marts.json").is_file()
    return folder


@pytest.fixture(scope="module")
def quality(
    built_db: Path, artifacts: Path, validation: Path, tmp_path_factory: pytest.TempPathFactory
) -> QualityResult:
    out = tmp_path_factory.mktemp("quality") / "quality_report.html"
    return write_quality_report(
        out, target="duckdb", duckdb_path=built_db, artifacts=artifacts, validation=validation
    )


# ------------------------------------------------------------------------------ in chromium
@dataclass
class Seen:
    """What Chromium showed."""

    guard: Guard
    seconds_to_ready: float = 0.0
    sections: dict[str, int] = field(default_factory=dict)  # id -> text length
    tiles: dict[str, str] = field(default_factory=dict)
    summary_tiles: list[str] = field(default_factory=list)
    test_rows: list[dict[str, str]] = field(default_factory=list)
    gx: dict[str, dict[str, Any]] = field(default_factory=dict)
    issues: list[dict[str, str]] = field(default_factory=list)
    checks: dict[str, str] = field(default_factory=dict)  # check -> ok / fail / missing
    check_rows: dict[str, dict[str, str]] = field(default_factory=dict)  # check -> key -> pass
    filtered: dict[str, str] = field(default_factory=dict)


PAGE_JS = """
() => {
  const all = (selector) => [...document.querySelectorAll(selector)];
  const checkRows = {};
  for (const row of all('table[id^="check-"] tr[data-check]')) {
    (checkRows[row.dataset.check] ||= {})[row.dataset.key] = row.dataset.pass;
  }
  return {
    sections: Object.fromEntries(all('section[data-section]').map(
      (s) => [s.dataset.section, s.offsetHeight > 0 ? s.innerText.length : 0])),
    tiles: Object.fromEntries(all('[data-metric]').map((t) => [t.dataset.metric, t.dataset.value])),
    summaryTiles: all('#summary [data-tile]').map((t) => t.dataset.tile),
    testRows: all('#tests-table tbody tr[data-status]').map(
      (r) => ({status: r.dataset.status, kind: r.dataset.kind, text: r.innerText})),
    gx: Object.fromEntries(all('.gx[data-gx]').map((g) => [g.dataset.gx, {
      present: g.dataset.present,
      rows: g.querySelectorAll('tbody tr[data-passed]').length,
      failed: g.querySelectorAll('tbody tr[data-passed="false"]').length,
      text: g.innerText,
    }])),
    issues: all('#issues-table tbody tr[data-issue]').map((r) => ({
      issue: r.dataset.issue, rows: r.dataset.rows, mrr: r.dataset.mrrLatest,
      effect: r.dataset.effect})),
    checks: Object.fromEntries(all('.check[data-check]').map(
      (c) => [c.dataset.check, c.dataset.passed])),
    checkRows,
  };
}
"""


def open_report(path: Path, chromium: Path, screenshot: Path | None = None) -> Seen:
    """Open the report, wait for its script to finish, read what it shows, try the filter."""
    with guarded_page(chromium, viewport={"width": 1240, "height": 900}) as (page, guard):
        seen = Seen(guard=guard)
        started = time.perf_counter()
        page.goto(path.resolve().as_uri(), wait_until="load")
        page.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
        seen.seconds_to_ready = time.perf_counter() - started
        found = page.evaluate(PAGE_JS)
        seen.sections, seen.tiles = found["sections"], found["tiles"]
        seen.summary_tiles = found["summaryTiles"]
        seen.test_rows, seen.gx, seen.issues = found["testRows"], found["gx"], found["issues"]
        seen.checks, seen.check_rows = found["checks"], found["checkRows"]
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
        counter = "[data-filter-count='tests-table']"
        page.fill("input[data-filter='tests-table']", "unique")
        seen.filtered["unique"] = page.inner_text(counter)
        page.fill("input[data-filter='tests-table']", "")
        page.check("input[data-not-passed='tests-table']")
        seen.filtered["not_passed"] = page.inner_text(counter)
    return seen


@pytest.fixture(scope="module")
def seen(quality: QualityResult, chromium: Path) -> Seen:
    return open_report(quality.path, chromium, screenshot=SCREENSHOT)


# --------------------------------------------------------------------------- ground truth
def run_results_counts(artifacts: Path) -> dict[str, Counter[str]]:
    """Test statuses straight from run_results.json: data (and singular) tests, unit tests."""
    results = json.loads((artifacts / "run_results.json").read_text())["results"]
    counts: dict[str, Counter[str]] = {"tests": Counter(), "unit_tests": Counter()}
    for result in results:
        kind = result["unique_id"].split(".")[0]
        if kind == "test":
            counts["tests"][result["status"]] += 1
        elif kind == "unit_test":
            counts["unit_tests"][result["status"]] += 1
    return counts


def bridge_months(db_path: Path) -> list[str]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        rows = con.execute(
            "select strftime(month_start, '%Y-%m') from marts.fct_mrr_bridge_monthly order by 1"
        ).fetchall()
    finally:
        con.close()
    return [row[0] for row in rows]


# ---------------------------------------------------------------------------------- tests
def test_html_is_self_contained(quality: QualityResult) -> None:
    html = quality.path.read_text(encoding="utf-8")
    for pattern in (
        r"<script[^>]*\bsrc=",
        r"<link\b",
        r"<img\b",
        r"<iframe\b",
        r"@import",
        r"url\(",
        r"\b(src|href|action)\s*=\s*\"(?!#)",  # only in-page anchors
    ):
        assert not re.search(pattern, html), f"external resource: {pattern}"
    assert quality.size_bytes < 3_000_000


def test_no_request_leaves_the_file_and_no_javascript_error(seen: Seen) -> None:
    assert seen.guard.errors == []
    assert seen.guard.outside == []
    assert any(url.startswith("file:") for url in seen.guard.requests)


def test_every_section_rendered(seen: Seen) -> None:
    assert list(seen.sections) == list(SECTIONS)
    for section, length in seen.sections.items():
        assert length > 200, f"section {section} is empty or hidden"
    assert seen.summary_tiles == ["build", "gx_raw", "gx_marts", "issues", "reconciliations"]
    assert set(seen.checks) == set(CHECKS)
    for kind in ("raw", "marts"):
        assert seen.gx[kind]["present"] == "true", f"GX {kind} results not shown"
        assert seen.gx[kind]["rows"] > 10


def test_test_counts_equal_run_results(seen: Seen, artifacts: Path) -> None:
    counts = run_results_counts(artifacts)
    assert sum(counts["tests"].values()) > 100 and sum(counts["unit_tests"].values()) > 10
    for kind, statuses in counts.items():
        shown = {
            metric.removeprefix(f"{kind}_"): int(value)
            for metric, value in seen.tiles.items()
            if re.fullmatch(rf"{kind}_(pass|warn|fail|error|skipped)", metric)
        }
        for status, number in statuses.items():
            assert shown.get(status) == number, f"{kind} {status}: tile {shown.get(status)}"
        for status, number in shown.items():
            assert number == statuses.get(status, 0), f"{kind} {status}: {number} shown"
    table = Counter(
        ("unit_tests" if row["kind"] == "unit test" else "tests", row["status"])
        for row in seen.test_rows
    )
    expected = Counter(
        {(kind, status): n for kind, statuses in counts.items() for status, n in statuses.items()}
    )
    assert table == expected, "one table row per test result"
    order = [row["status"] == "pass" for row in seen.test_rows]
    assert order == sorted(order), "failing and warning tests first"


def test_the_text_filter_works(seen: Seen) -> None:
    total = len(seen.test_rows)
    unique = sum(1 for row in seen.test_rows if "unique" in row["text"].lower())
    not_passed = sum(1 for row in seen.test_rows if row["status"] != "pass")
    assert 0 < unique < total
    assert seen.filtered["unique"] == f"{unique} of {total} rows shown"
    assert seen.filtered["not_passed"] == f"{not_passed} of {total} rows shown"


def test_validation_results_equal_the_files(seen: Seen, validation: Path) -> None:
    for kind in ("raw", "marts"):
        document = json.loads((validation / f"{kind}.json").read_text())
        assert seen.gx[kind]["rows"] == len(document["results"])
        assert seen.gx[kind]["failed"] == sum(1 for r in document["results"] if not r["success"])
        summary = document["summary"]
        assert int(seen.tiles[f"gx_{kind}_errors"]) == summary["failed_errors"]
        assert int(seen.tiles[f"gx_{kind}_warnings"]) == summary["failed_warnings"]


def test_issues_and_money_at_stake_equal_the_marts(seen: Seen, built_db: Path) -> None:
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        latest = con.execute(
            "select max(month_start) from marts.fct_mrr_bridge_monthly where is_month_complete"
        ).fetchone()[0]
        rows, excluded, effect, no_effect = con.execute(
            "select count(*), count(*) filter (where is_excluded_from_metric),"
            " count(*) filter (where metric_effect <> 'none'),"
            " count(*) filter (where metric_effect = 'none')"
            " from marts.fct_data_quality_issues"
        ).fetchone()
        # money at stake: only the accounts of issues that change a figure
        (stake,) = con.execute(
            "select coalesce(sum(mrr), 0) from marts.fct_account_months where month_start = ?"
            " and account_id in (select account_id from marts.fct_data_quality_issues"
            " where metric_effect <> 'none')",
            [latest],
        ).fetchone()
        (with_duplicates,) = con.execute(
            "select coalesce(sum(mrr), 0) from marts.fct_account_months where month_start = ?"
            " and account_id in (select account_id from marts.fct_data_quality_issues)",
            [latest],
        ).fetchone()
        groups = dict(
            con.execute(
                "select source_table || '|' || issue_type, count(*)"
                " from marts.fct_data_quality_issues group by 1"
            ).fetchall()
        )
        effects = dict(
            con.execute(
                "select distinct source_table || '|' || issue_type, metric_effect"
                " from marts.fct_data_quality_issues"
            ).fetchall()
        )
    finally:
        con.close()
    assert rows > 0, "the small data set has data-quality issues to show"
    assert no_effect > 0, "the small data set has issues handled without effect"
    assert int(seen.tiles["dq_rows"]) == rows
    assert int(seen.tiles["dq_excluded_rows"]) == excluded
    assert int(seen.tiles["dq_effect_rows"]) == effect
    assert int(seen.tiles["dq_no_effect_rows"]) == no_effect
    assert abs(Decimal(seen.tiles["dq_mrr_at_stake"] or 0) - stake) < Decimal("0.005")
    assert stake < with_duplicates, "issues without effect (duplicate copies) put no MRR at stake"
    shown: Counter[str] = Counter()
    for row in seen.issues:
        shown[row["issue"]] += int(row["rows"])
        assert row["effect"] == effects[row["issue"]]
        if row["effect"] == "none":
            assert row["mrr"] == "", f"{row['issue']} has no effect but MRR at stake"
    assert dict(shown) == groups


def test_reconciliations_pass_on_good_data(seen: Seen, built_db: Path) -> None:
    months = bridge_months(built_db)
    for check in MONEY_CHECKS:
        assert seen.checks[check] == "ok", f"{check} fails on good data"
        rows = seen.check_rows[check]
        assert sorted(rows) == months, f"{check}: one row per month of the bridge"
        assert set(rows.values()) == {"true"}
    assert seen.checks["revenue_recognition"] == "ok", "revenue recognition fails on good data"
    assert set(seen.check_rows["revenue_recognition"].values()) == {"true"}
    assert int(seen.tiles["recon_pass"]) == len(CHECKS)


def test_revenue_recognition_shows_the_warehouse_verdict(seen: Seen, built_db: Path) -> None:
    """Every month of fct_revenue_recognition_monthly, as-of month included, with its
    is_reconciled: the report decides nothing itself."""
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        months = con.execute(
            "select strftime(month_start, '%Y-%m'), is_reconciled"
            " from marts.fct_revenue_recognition_monthly"
        ).fetchall()
    finally:
        con.close()
    expected = {month: "true" if ok else "false" for month, ok in months}
    assert seen.check_rows["revenue_recognition"] == expected


def test_a_tampered_bridge_month_fails(
    built_db: Path,
    artifacts: Path,
    validation: Path,
    chromium: Path,
    small_vars: dict,
    tmp_path: Path,
) -> None:
    tampered = tmp_path / "tampered.duckdb"
    shutil.copyfile(built_db, tampered)
    con = duckdb.connect(str(tampered))
    try:
        changed = con.execute(
            "update marts.fct_mrr_bridge_monthly set new_mrr = new_mrr + 100"
            " where strftime(month_start, '%Y-%m') = ? returning month_start",
            [TAMPERED_MONTH],
        ).fetchall()
    finally:
        con.close()
    assert len(changed) == 1
    # the reconciliations are marts: rebuilt from the tampered bridge, as a build would
    run_dbt(
        ["run", "--select", "path:models/marts/reports/quality"],
        db_path=tampered,
        target_path=tmp_path / "target",
        vars_=small_vars,
    )
    result = write_quality_report(
        tmp_path / "tampered.html",
        target="duckdb",
        duckdb_path=tampered,
        artifacts=artifacts,
        validation=validation,
    )
    assert "MRR bridge identity" in result.failing_checks
    shown = open_report(result.path, chromium)
    assert shown.guard.errors == [] and shown.guard.outside == []
    assert shown.checks["bridge_identity"] == "fail"
    failing = [key for key, ok in shown.check_rows["bridge_identity"].items() if ok == "false"]
    assert failing == [TAMPERED_MONTH]
    for check in ("bridge_continuity", "mrr_totals", "mrr_by_currency", "revenue_recognition"):
        assert shown.checks[check] == "ok", f"{check} does not depend on new_mrr"
    assert int(shown.tiles["recon_fail"]) >= 1


def test_missing_validation_results_say_how_to_produce_them(
    built_db: Path, artifacts: Path, tmp_path: Path
) -> None:
    result = write_quality_report(
        tmp_path / "q.html",
        target="duckdb",
        duckdb_path=built_db,
        artifacts=artifacts,
        validation=tmp_path / "no-validation",
    )
    html = result.path.read_text(encoding="utf-8")
    assert html.count('data-present="false"') == 2
    assert "cs-metrics validate DIR" in html and "cs-metrics validate --marts" in html


def test_missing_or_wrong_artifacts_say_what_to_run(
    built_db: Path, artifacts: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["quality-report", "--db", str(built_db), "--out", str(tmp_path / "q.html")]
    code = main([*args, "--artifacts", str(tmp_path / "none")])
    err = capsys.readouterr().err
    assert code == 1 and "run_results.json not found" in err and "make build" in err
    assert "Traceback" not in err
    docs = tmp_path / "docs"
    docs.mkdir()
    results = json.loads((artifacts / "run_results.json").read_text())
    results["args"]["which"] = "generate"
    (docs / "run_results.json").write_text(json.dumps(results))
    shutil.copyfile(artifacts / "manifest.json", docs / "manifest.json")
    code = main([*args, "--artifacts", str(docs)])
    err = capsys.readouterr().err
    assert code == 1 and "dbt docs generate" in err and "make build" in err
    (docs / "last_build").mkdir()  # the copy `make build` keeps is used instead
    shutil.copyfile(artifacts / "run_results.json", docs / "last_build" / "run_results.json")
    shutil.copyfile(artifacts / "manifest.json", docs / "last_build" / "manifest.json")
    assert main([*args, "--artifacts", str(docs)]) == 0
    assert "last_build" in capsys.readouterr().out


def test_missing_database_says_to_build(
    artifacts: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "quality-report",
            "--db",
            str(tmp_path / "none.duckdb"),
            "--artifacts",
            str(artifacts),
            "--out",
            str(tmp_path / "q.html"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and "make build" in err and "Traceback" not in err


def test_screenshot_size_and_timings(
    quality: QualityResult, seen: Seen, capsys: pytest.CaptureFixture[str]
) -> None:
    png = SCREENSHOT.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 1200 and height > 2500, (width, height)
    assert seen.seconds_to_ready < 10
    with capsys.disabled():
        print(
            f"\nquality report: {quality.size_bytes / 1e3:.0f} kB, generated in"
            f" {quality.seconds:.2f} s, ready in Chromium in {seen.seconds_to_ready:.2f} s;"
            f" screenshot {SCREENSHOT} ({len(png) / 1e3:.0f} kB, {width}x{height})"
        )
