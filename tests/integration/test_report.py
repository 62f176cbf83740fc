"""The visual report: one offline HTML file that renders in Chromium and shows the marts' numbers.

The page is opened in headless Chromium through Playwright (tests/browser.py: the system's
/usr/bin/chromium; Playwright never downloads a browser). Every request is routed and recorded:
anything but file:, data:, blob: and about: fails the test, and so does any JavaScript error.
Each chart must have rendered with data points, and the numbers written into the tiles' data-value
attributes must equal the marts, queried here independently (to the cent / 1e-6).
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from browser import ALLOWED_SCHEMES, guarded_page
from cs_metrics.cli import main
from cs_metrics.report.command import ReportResult, write_report

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_CHARTS = (
    "mrr_bridge",
    "mrr_customers",
    "retention_ttm",
    "cohort_retention",
    "tier_health",
    "value_health",
    "health_mix",
    "lifecycle_touches",
    "renewals",
)
SCREENSHOT = ROOT / "target" / "report.png"
MONEY_TOLERANCE = 0.005  # to the cent
RATIO_TOLERANCE = 1e-6


# ------------------------------------------------------------------------------ the marts
@dataclass
class Marts:
    """The numbers the tiles must show, queried straight from the DuckDB file."""

    month: dt.date
    values: dict[str, Decimal | int | None]


def query_marts(db_path: Path, month: dt.date | None = None) -> Marts:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        if month is None:
            month = con.execute(
                "select max(month_start) from marts.fct_mrr_bridge_monthly where is_month_complete"
            ).fetchone()[0]
        mrr, customers = con.execute(
            "select ending_mrr, ending_customers from marts.fct_mrr_bridge_monthly"
            " where month_start = ?",
            [month],
        ).fetchone()
        nrr, grr, logo_churn, active = con.execute(
            "select nrr_ttm, grr_ttm, logo_churn_rate, active_customers"
            " from marts.fct_retention_monthly"
            " where segment_type = 'all' and segment_value = 'all' and month_start = ?",
            [month],
        ).fetchone()
        sum_mrr, sum_arr, green_arr, paying = con.execute(
            "select sum(mrr), sum(arr), sum(case when health_status = 'green' then arr end),"
            " count(*) from marts.fct_account_months where month_start = ? and mrr > 0",
            [month],
        ).fetchone()
    finally:
        con.close()
    # The marts agree with each other before the report is compared with them.
    assert abs(sum_mrr - mrr) < Decimal("0.005")
    assert abs(sum_arr - 12 * mrr) < Decimal("0.005")
    assert active == customers == paying
    return Marts(
        month=month,
        values={
            "mrr": mrr,
            "arr": 12 * mrr,
            "nrr_ttm": nrr,
            "grr_ttm": grr,
            "logo_churn_rate": logo_churn,
            "active_customers": active,
            "healthy_arr_share": (green_arr or 0) / sum_arr,
        },
    )


def assert_tiles_equal(shown: dict[str, str], marts: Marts) -> None:
    assert set(shown) == set(marts.values), "one tile per headline number"
    for metric, expected in marts.values.items():
        assert expected is not None, f"{metric} is null in the marts for {marts.month}"
        assert shown[metric] != "", f"tile {metric} has no value"
        tolerance = MONEY_TOLERANCE if metric in ("mrr", "arr") else RATIO_TOLERANCE
        if metric == "active_customers":
            assert int(shown[metric]) == expected
        else:
            assert abs(float(shown[metric]) - float(expected)) <= tolerance, (
                f"tile {metric}: {shown[metric]} != {expected}"
            )


def tiles_in_html(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-metric="([a-z_]+)" data-value="([^"]*)"', html))


# ------------------------------------------------------------------------------ the report
@pytest.fixture(scope="module")
def report(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> ReportResult:
    out = tmp_path_factory.mktemp("report") / "report.html"
    return write_report(out, target="duckdb", duckdb_path=built_db)


@dataclass
class Rendered:
    """What Chromium saw when it opened the report."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    charts: list[dict[str, Any]] = field(default_factory=list)
    tiles: dict[str, str] = field(default_factory=dict)
    month: str = ""
    seconds_to_rendered: float = 0.0


CHARTS_JS = """
() => [...document.querySelectorAll('section[data-chart]')].map((section) => {
  const gd = section.querySelector('.js-plotly-plot');
  if (!gd) return {name: section.dataset.chart, plot: false};
  const count = (a) => {
    if (!a || typeof a.length !== 'number') return [0, 0];
    let points = 0, nonzero = 0;
    for (const v of a) {
      if (Array.isArray(v)) { const [p, n] = count(v); points += p; nonzero += n; }
      else if (typeof v === 'number' && Number.isFinite(v)) { points++; if (v !== 0) nonzero++; }
    }
    return [points, nonzero];
  };
  const traces = (gd._fullData || []).map((t) => {
    const [points, nonzero] = count(t.type === 'heatmap' ? t.z : t.y);
    return {type: t.type, points, nonzero};
  });
  return {
    name: section.dataset.chart,
    plot: true,
    traces,
    marks: gd.querySelectorAll('.trace path, .trace image, .hm image').length,
  };
})
"""


def open_in_chromium(
    path: Path, chromium: Path, *, charts: int, screenshot: Path | None = None
) -> Rendered:
    """Open `path` in headless Chromium, routing and recording every request and error."""
    seen = Rendered()
    with guarded_page(chromium, viewport={"width": 1100, "height": 900}) as (page, guard):
        seen.requests, seen.errors = guard.requests, guard.errors
        started = time.perf_counter()
        page.goto(path.resolve().as_uri(), wait_until="load")
        page.wait_for_function(
            "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
            arg=charts,
            timeout=60_000,
        )
        seen.seconds_to_rendered = time.perf_counter() - started
        seen.charts = page.evaluate(CHARTS_JS)
        seen.tiles = page.evaluate(
            "() => Object.fromEntries([...document.querySelectorAll('[data-metric]')]"
            ".map((t) => [t.dataset.metric, t.dataset.value]))"
        )
        seen.month = page.get_attribute("[data-month]", "data-month") if charts else ""
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
    return seen


@pytest.fixture(scope="module")
def rendered(report: ReportResult, chromium: Path) -> Rendered:
    return open_in_chromium(
        report.path, chromium, charts=len(EXPECTED_CHARTS), screenshot=SCREENSHOT
    )


# ---------------------------------------------------------------------------------- tests
def test_html_is_self_contained(report: ReportResult) -> None:
    html = report.path.read_text(encoding="utf-8")
    assert len(re.findall(r"\* plotly\.js v\d", html)) == 1, "Plotly's JavaScript exactly once"
    assert len(re.findall(r'Plotly\.newPlot\(\s*"chart-', html)) == len(EXPECTED_CHARTS)
    for pattern in (r"<script[^>]*\bsrc=", r"<link\b", r"<img\b", r"<iframe\b", r"@import"):
        assert not re.search(pattern, html), f"external resource: {pattern}"
    assert report.charts == len(EXPECTED_CHARTS)
    assert report.size_bytes < 8_000_000


def test_no_request_leaves_the_file_and_no_javascript_error(rendered: Rendered) -> None:
    assert rendered.errors == []
    outside = [url for url in rendered.requests if not url.startswith(ALLOWED_SCHEMES)]
    assert outside == []
    assert any(url.startswith("file:") for url in rendered.requests)


def test_the_guard_sees_outside_requests_and_errors(chromium: Path, tmp_path: Path) -> None:
    """The browser checks can fail: a page with a remote image and a throw is caught."""
    page = tmp_path / "leaky.html"
    page.write_text(
        '<!DOCTYPE html><html><body><img src="https://example.invalid/pixel.png">'
        '<script>throw new Error("boom")</script></body></html>',
        encoding="utf-8",
    )
    seen = open_in_chromium(page, chromium, charts=0)
    assert "https://example.invalid/pixel.png" in seen.requests
    assert any("boom" in error for error in seen.errors)


def test_every_chart_rendered_with_data(rendered: Rendered) -> None:
    assert [chart["name"] for chart in rendered.charts] == list(EXPECTED_CHARTS)
    for chart in rendered.charts:
        name = chart["name"]
        assert chart["plot"], f"{name}: no Plotly chart"
        assert chart["traces"], f"{name}: no trace"
        assert sum(t["points"] for t in chart["traces"]) > 0, f"{name}: no data points"
        assert sum(t["nonzero"] for t in chart["traces"]) > 0, f"{name}: only zeros"
        assert chart["marks"] > 0, f"{name}: nothing drawn"


def test_tiles_equal_the_marts(rendered: Rendered, built_db: Path) -> None:
    marts = query_marts(built_db)
    assert rendered.month == f"{marts.month:%Y-%m}", "default: the latest complete month"
    assert_tiles_equal(rendered.tiles, marts)


def test_screenshot_and_timings(
    report: ReportResult, rendered: Rendered, capsys: pytest.CaptureFixture[str]
) -> None:
    png = SCREENSHOT.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 1000 and height > 3000, (width, height)
    assert len(png) > 100_000, "a screenshot of a rendered report is not tiny"
    with capsys.disabled():
        print(
            f"\nreport: {report.size_bytes / 1e6:.2f} MB, generated in {report.seconds:.2f} s,"
            f" rendered in Chromium in {rendered.seconds_to_rendered:.2f} s;"
            f" screenshot {SCREENSHOT} ({len(png) / 1e3:.0f} kB, {width}x{height})"
        )


def test_an_earlier_month_shows_that_month(built_db: Path, tmp_path: Path) -> None:
    marts = query_marts(built_db, dt.date(2024, 12, 1))
    result = write_report(tmp_path / "dec.html", month=dt.date(2024, 12, 1), duckdb_path=built_db)
    html = result.path.read_text(encoding="utf-8")
    assert 'data-month="2024-12"' in html
    assert_tiles_equal(tiles_in_html(html), marts)


def test_pdf_through_headless_chromium(
    built_db: Path, tmp_path: Path, chromium: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    code = main(["report", "--db", str(built_db), "--out", str(out), "--pdf"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    pdf = out.with_suffix(".pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 2
    assert str(out.with_suffix(".pdf").name) in printed.out


def test_pdf_without_chromium_says_how_to_get_it(
    built_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CS_METRICS_CHROMIUM", str(tmp_path / "no-such-chromium"))
    out = tmp_path / "report.html"
    code = main(["report", "--db", str(built_db), "--out", str(out), "--pdf"])
    err = capsys.readouterr().err
    assert code == 1
    assert out.is_file(), "the HTML report is written anyway"
    assert "Chromium was not found" in err and "apt-get install" in err
    assert "Traceback" not in err


def test_missing_database_says_to_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", "--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 1
    assert "make build" in err and "Traceback" not in err


def test_month_outside_the_marts_names_the_range(
    built_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["report", "--db", str(built_db), "--month", "2025-06", "--out", str(tmp_path / "r")]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "2025-06 is not a complete month" in err and "to 2025-05" in err
