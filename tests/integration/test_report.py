"""The visual report: one offline HTML file that renders in Chromium and shows the marts' numbers.

The page is opened in headless Chromium through Playwright (tests/browser.py: the system's
/usr/bin/chromium; Playwright never downloads a browser). Every request is routed and recorded:
anything but file:, data:, blob: and about: fails the test, and so does any JavaScript error.
Each chart must have rendered with data points, and the numbers written into the tiles' data-value
attributes must equal the marts, queried here independently (to the cent / 1e-6).

The north star, the TTM NRR change drivers, the health drops and the renewal risk are recomputed
here in pandas - from fct_account_months (green ARR share, ARR-weighted scores, each account's
share of the NRR change, health scores three months apart and each component's contribution with
the configured weights) and from the renewal rows of fct_renewal_risk (windows summed, the
priority order re-sorted) - and compared with the exact values behind the tables' cells.
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
import pandas as pd
import pytest
import yaml

from browser import ALLOWED_SCHEMES, guarded_page
from conftest import SMALL_AS_OF
from cs_metrics.cli import main
from cs_metrics.report.command import ReportResult, write_report

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_CHARTS = (
    "north_star",
    "month_bridge",
    "mrr_bridge",
    "mrr_customers",
    "retention_ttm",
    "nrr_drivers",
    "cohort_retention",
    "tier_health",
    "value_health",
    "health_mix",
    "health_changes",
    "lifecycle_touches",
    "renewal_risk",
)
SCREENSHOT = ROOT / "target" / "report.png"
MONEY_TOLERANCE = 0.005  # to the cent
RATIO_TOLERANCE = 1e-6
VARS = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]
COMPONENTS = ("utilization", "usage_trend", "feature_breadth", "payment", "nps", "support")
TOP_DRIVERS = int(VARS["explanation_top_accounts"])


# ------------------------------------------------------------------------------ the marts
@dataclass
class Marts:
    """The numbers the tiles must show, queried straight from the DuckDB file."""

    month: dt.date
    values: dict[str, Decimal | int | float | None]
    parts: dict[str, float | None] = field(default_factory=dict)  # beside a tile's value


def account_months(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """fct_account_months of the complete months (decimals as floats)."""
    columns = [
        "account_id",
        "month_start",
        "mrr",
        "arr",
        "year_ago_mrr_cc",
        "health_score",
        "health_status",
        "tier",
        "outcome_score",
        "experience_score",
        *(f"{component}_score" for component in COMPONENTS),
    ]
    frame = con.execute(
        f"select {', '.join(columns)} from marts.fct_account_months where is_month_complete"
    ).df()
    for column in columns[2:]:
        if column not in ("health_status", "tier"):
            frame[column] = frame[column].astype(float)
    frame["month_start"] = pd.to_datetime(frame["month_start"])
    return frame


def north_star_by_month(accounts: pd.DataFrame, by: str = "month_start") -> pd.DataFrame:
    """Per `by`: green ARR ÷ ARR of the paying accounts; ARR-weighted outcome and experience."""
    paying = accounts[accounts["mrr"] > 0].copy()
    paying["green_arr"] = paying["arr"].where(paying["health_status"] == "green", 0.0)
    out = paying.groupby(by).agg(
        arr=("arr", "sum"), green_arr=("green_arr", "sum"), customers=("account_id", "count")
    )
    out["north_star"] = out["green_arr"] / out["arr"]
    for score in ("outcome_score", "experience_score"):
        scored = paying[paying[score].notna()]
        weighted = (scored["arr"] * scored[score]).groupby(scored[by]).sum()
        out[score] = weighted / scored.groupby(by)["arr"].sum()
    return out


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
        sum_mrr, sum_arr, paying = con.execute(
            "select sum(mrr), sum(arr), count(*) from marts.fct_account_months"
            " where month_start = ? and mrr > 0",
            [month],
        ).fetchone()
        accounts = account_months(con)
    finally:
        con.close()
    # The marts agree with each other before the report is compared with them.
    assert abs(sum_mrr - mrr) < Decimal("0.005")
    assert abs(sum_arr - 12 * mrr) < Decimal("0.005")
    assert active == customers == paying
    star = north_star_by_month(accounts).loc[pd.Timestamp(month)]
    return Marts(
        month=month,
        values={
            "mrr": mrr,
            "arr": 12 * mrr,
            "nrr_ttm": nrr,
            "grr_ttm": grr,
            "logo_churn_rate": logo_churn,
            "active_customers": active,
            "north_star": star["north_star"],
        },
        parts={
            "outcome_score": star["outcome_score"],
            "experience_score": star["experience_score"],
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


def assert_tile_parts_equal(shown: dict[str, str], marts: Marts) -> None:
    assert set(shown) == set(marts.parts)
    for part, expected in marts.parts.items():
        assert expected is not None and shown[part] != "", part
        assert abs(float(shown[part]) - expected) <= RATIO_TOLERANCE, (part, shown[part], expected)


def tiles_in_html(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-metric="([a-z_]+)" data-value="([^"]*)"', html))


def tile_parts_in_html(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-part="([a-z_]+)" data-value="([^"]*)"', html))


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
    tile_parts: dict[str, str] = field(default_factory=dict)
    # data-table name -> rows -> cells {text, value}: what the page shows and the exact value
    tables: dict[str, list[list[dict[str, str | None]]]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)  # section id -> its as-of notice
    month: str = ""
    seconds_to_rendered: float = 0.0


TABLES_JS = """
() => Object.fromEntries([...document.querySelectorAll('table[data-table]')].map((table) => [
  table.dataset.table,
  [...table.querySelectorAll('tbody tr, tfoot tr')].map((tr) => [...tr.cells].map((td) => ({
    text: td.textContent, value: td.hasAttribute('data-value') ? td.dataset.value : null,
    total: tr.parentElement.tagName === 'TFOOT',
  }))),
]))
"""

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
    const values = t.type === 'heatmap' ? t.z : (t.orientation === 'h' ? t.x : t.y);
    const [points, nonzero] = count(values);
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
        seen.tile_parts = page.evaluate(
            "() => Object.fromEntries([...document.querySelectorAll('[data-part]')]"
            ".map((t) => [t.dataset.part, t.dataset.value]))"
        )
        seen.tables = page.evaluate(TABLES_JS)
        seen.notes = page.evaluate(
            "() => Object.fromEntries([...document.querySelectorAll('section .asof')]"
            ".map((p) => [p.closest('section').id, p.textContent]))"
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
    assert_tile_parts_equal(rendered.tile_parts, marts)


# ------------------------------------------------------------- the blocks, recomputed here
@pytest.fixture(scope="module")
def accounts(built_db: Path) -> pd.DataFrame:
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        return account_months(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def renewal_rows(built_db: Path) -> pd.DataFrame:
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        return con.execute(
            "select account_id, subscription_id, renewal_number, renewal_date, renewal_at,"
            " days_until_renewal, cast(arr_due as double) as arr_due,"
            " cast(expected_arr_at_risk as double) as expected_arr_at_risk, needs_attention"
            " from marts.fct_renewal_risk"
        ).df()
    finally:
        con.close()


def body(rendered: Rendered, table: str) -> list[list[dict[str, Any]]]:
    """The rows of a named table in the page, without its total row."""
    assert table in rendered.tables, f"no table {table}"
    return [row for row in rendered.tables[table] if not row[0]["total"]]


def total(rendered: Rendered, table: str) -> list[dict[str, Any]]:
    rows = [row for row in rendered.tables[table] if row[0]["total"]]
    assert len(rows) == 1, f"{table}: one total row"
    return rows[0]


def value(cell: dict[str, Any]) -> float:
    assert cell["value"] not in (None, ""), f"no data-value behind {cell['text']!r}"
    return float(cell["value"])


def report_month(rendered: Rendered) -> pd.Timestamp:
    return pd.Timestamp(f"{rendered.month}-01")


def test_north_star_trend_and_tiers_equal_the_green_arr_share(
    rendered: Rendered, accounts: pd.DataFrame
) -> None:
    expected = north_star_by_month(accounts)
    rows = body(rendered, "north_star_trend")
    assert len(rows) >= 12, "at least a year of north star"
    months = [pd.Timestamp(f"{row[0]['text']}-01") for row in rows]
    assert months[-1] == report_month(rendered)
    assert months == list(pd.date_range(months[0], months[-1], freq="MS")), "no month missing"
    for month, row in zip(months, rows, strict=True):
        for cell, column in zip(
            row[1:], ("north_star", "outcome_score", "experience_score"), strict=True
        ):
            assert abs(value(cell) - expected.loc[month, column]) <= RATIO_TOLERANCE, (
                month,
                column,
            )
    month_rows = accounts[accounts["month_start"] == report_month(rendered)]
    by_tier = north_star_by_month(month_rows, by="tier")
    tiers = {row[0]["text"].replace(" ", "_"): row for row in body(rendered, "north_star_tiers")}
    assert set(tiers) == {*by_tier.index, "all"}
    for tier, row in tiers.items():
        exp = expected.loc[report_month(rendered)] if tier == "all" else by_tier.loc[tier]
        assert abs(value(row[1]) - exp["north_star"]) <= RATIO_TOLERANCE, tier
        assert abs(value(row[2]) - exp["arr"]) <= MONEY_TOLERANCE, tier
        assert int(value(row[3])) == exp["customers"], tier


def nrr_ttm_shares(accounts: pd.DataFrame, month: pd.Timestamp) -> tuple[pd.Series, float]:
    """Each cohort account's (MRR − year-ago base) ÷ Σ base, and NRR TTM = Σ MRR ÷ Σ base."""
    cohort = accounts[(accounts["month_start"] == month) & (accounts["year_ago_mrr_cc"] > 0)]
    base = cohort["year_ago_mrr_cc"].sum()
    shares = ((cohort["mrr"] - cohort["year_ago_mrr_cc"]) / base).groupby(cohort["account_id"])
    return shares.sum(), cohort["mrr"].sum() / base


def test_nrr_drivers_are_the_accounts_that_moved_ttm_nrr(
    rendered: Rendered, accounts: pd.DataFrame
) -> None:
    month = report_month(rendered)
    now, nrr_now = nrr_ttm_shares(accounts, month)
    before, nrr_before = nrr_ttm_shares(accounts, month - pd.DateOffset(months=1))
    ids = now.index.union(before.index)
    contributions = now.reindex(ids, fill_value=0.0) - before.reindex(ids, fill_value=0.0)
    contributions = contributions[contributions.abs() >= 5e-11]  # the mart keeps 10 decimals

    rows = body(rendered, "nrr_drivers")
    *named, others = rows
    assert others[0]["value"] is None and others[0]["text"].startswith("other accounts")
    assert len(named) == min(TOP_DRIVERS, len(contributions))
    shown = {row[0]["value"]: value(row[2]) for row in named}
    for account_id, contribution in shown.items():
        assert abs(contribution - contributions[account_id]) <= 1e-9, account_id
    sizes = [abs(v) for v in shown.values()]
    assert sizes == sorted(sizes, reverse=True), "largest first"
    rest = contributions.drop(list(shown)).abs()
    assert rest.empty or rest.max() <= min(sizes) + 1e-9, "no larger driver left out"
    change = value(total(rendered, "nrr_drivers")[2])
    assert abs(change - (nrr_now - nrr_before)) <= 1e-9
    assert abs(sum(value(row[2]) for row in rows) - change) <= 1e-9, "rows add up to the change"


def health_contributions(previous: pd.Series, current: pd.Series) -> dict[str, float]:
    """Each component's part of the change with the configured weights (re-weighting in)."""

    def shares(row: pd.Series) -> dict[str, float]:
        weights = {
            c: float(VARS[f"health_weight_{c}"]) if pd.notna(row[f"{c}_score"]) else 0.0
            for c in COMPONENTS
        }
        return {c: w / sum(weights.values()) for c, w in weights.items()}

    def score(row: pd.Series, component: str) -> float:
        raw = row[f"{component}_score"]
        return float(raw) if pd.notna(raw) else 0.0

    base = float(previous["health_score"])
    a0, a1 = shares(previous), shares(current)
    return {
        c: a1[c] * (score(current, c) - base) - a0[c] * (score(previous, c) - base)
        for c in COMPONENTS
    }


def test_health_drops_are_the_largest_score_falls(
    rendered: Rendered, accounts: pd.DataFrame
) -> None:
    month = report_month(rendered)
    months = int(VARS["health_change_months"])
    scored = accounts[accounts["health_score"].notna()].set_index("account_id")
    current = scored[(scored["month_start"] == month) & (scored["mrr"] > 0)]
    previous = scored[scored["month_start"] == month - pd.DateOffset(months=months)]
    both = current.index.intersection(previous.index)
    change = (current.loc[both, "health_score"] - previous.loc[both, "health_score"]).round(6)
    falls = change[change < 0].rename("change").reset_index()
    falls = falls.sort_values(["change", "account_id"]).head(10)

    rows = body(rendered, "health_drops")
    assert rows, "the small data set has health drops"
    assert [row[0]["value"] for row in rows] == list(falls["account_id"])
    checked = 0
    for row, (account_id, fall) in zip(rows, falls.itertuples(index=False), strict=True):
        assert abs(value(row[4]) - previous.loc[account_id, "health_score"]) <= 1e-6
        assert abs(value(row[5]) - current.loc[account_id, "health_score"]) <= 1e-6
        assert abs(value(row[6]) - fall) <= 1e-6
        parts = health_contributions(previous.loc[account_id], current.loc[account_id])
        first, second = sorted(parts.values(), key=abs, reverse=True)[:2]
        if abs(first) - abs(second) > 1e-6:  # no tie: the driver is unambiguous
            driver = max(parts, key=lambda c: abs(parts[c]))
            assert row[2]["value"] == driver, account_id
            assert abs(value(row[7]) - parts[driver]) <= 1e-5, account_id
            checked += 1
    assert checked >= len(rows) // 2
    counts = total(rendered, "health_drivers")
    assert counts[1]["text"] == f"{int((change < 0).sum()):,}", "fell"
    assert counts[2]["text"] == f"{int((change > 0).sum()):,}", "rose"
    assert counts[3]["text"] == f"{len(change):,}", "accounts"


MOVEMENTS = ("new", "reactivation", "expansion", "contraction", "churned", "fx")


def month_bridge_recomputed(db_path: Path, month: dt.date) -> dict[str, tuple[float, int | None]]:
    """The month's bridge from the account-months (not from fct_mrr_bridge_monthly): MRR and
    paying accounts at the end of the month before, each movement summed, and at the end."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        frame = con.execute(
            "select month_start, mrr, new_mrr, reactivation_mrr, expansion_mrr,"
            " contraction_mrr, churned_mrr, fx_impact_mrr, movement_type"
            " from marts.fct_account_months where month_start in (?, ?)",
            [month, (pd.Timestamp(month) - pd.DateOffset(months=1)).date()],
        ).df()
    finally:
        con.close()
    for column in frame.columns[1:-1]:
        frame[column] = frame[column].astype(float)
    now = frame[frame["month_start"] == pd.Timestamp(month)]
    before = frame[frame["month_start"] != pd.Timestamp(month)]
    moved = now["movement_type"].value_counts()
    steps: dict[str, tuple[float, int | None]] = {
        "start": (before["mrr"].sum(), int((before["mrr"] > 0).sum())),
        "new": (now["new_mrr"].sum(), int(moved.get("new", 0))),
        "reactivation": (now["reactivation_mrr"].sum(), int(moved.get("reactivation", 0))),
        "expansion": (now["expansion_mrr"].sum(), None),
        "contraction": (now["contraction_mrr"].sum(), None),
        "churned": (now["churned_mrr"].sum(), -int(moved.get("churn", 0))),
        "fx": (now["fx_impact_mrr"].sum(), None),
        "end": (now["mrr"].sum(), int((now["mrr"] > 0).sum())),
    }
    return steps


def test_the_month_bridge_equals_the_account_months(rendered: Rendered, built_db: Path) -> None:
    month = report_month(rendered).date()
    expected = month_bridge_recomputed(built_db, month)
    start, end = expected["start"], expected["end"]
    assert abs(start[0] + sum(expected[m][0] for m in MOVEMENTS) - end[0]) <= MONEY_TOLERANCE
    assert (
        start[1] + expected["new"][1] + expected["reactivation"][1] + expected["churned"][1]
        == (end[1])
    ), "the customers add up"

    rows = body(rendered, "month_bridge")
    assert [row[0]["value"] for row in rows] == ["start", *MOVEMENTS, "end"]
    previous = (pd.Timestamp(month) - pd.DateOffset(months=1)).strftime("%Y-%m")
    assert rows[0][0]["text"] == f"start {previous}" and rows[-1][0]["text"] == f"end {month:%Y-%m}"
    for row in rows:
        mrr, customers = expected[row[0]["value"]]
        assert abs(value(row[1]) - mrr) <= MONEY_TOLERANCE, row[0]["text"]
        if customers is None:
            assert row[2]["value"] is None and row[2]["text"] == "–"
        else:
            assert int(value(row[2])) == customers, row[0]["text"]
    assert expected["new"][0] > 0 and expected["churned"][0] < 0, "the small data set moves"
    chart = next(c for c in rendered.charts if c["name"] == "month_bridge")
    assert chart["traces"] == [
        {"type": "waterfall", "points": 8, "nonzero": chart["traces"][0]["nonzero"]}
    ]


def test_renewal_risk_windows_and_priority_equal_the_renewals(
    rendered: Rendered, renewal_rows: pd.DataFrame
) -> None:
    as_of = renewal_rows["renewal_date"] - pd.to_timedelta(
        renewal_rows["days_until_renewal"], unit="D"
    )
    assert {f"{day:%Y-%m-%d}" for day in as_of} == {SMALL_AS_OF}
    assert SMALL_AS_OF in rendered.notes["renewal_risk"], "says the as-of date, not the month"

    rows = body(rendered, "renewal_windows")
    windows = sorted(int(days) for days in VARS["renewal_risk_windows_days"])
    assert [int(value(row[0])) for row in rows] == windows
    for row in rows:
        due = renewal_rows[renewal_rows["days_until_renewal"] <= value(row[0])]
        assert int(value(row[1])) == len(due)
        assert abs(value(row[2]) - due["arr_due"].sum()) <= MONEY_TOLERANCE
        if due["expected_arr_at_risk"].isna().any():
            assert row[3]["value"] is None
        else:
            assert abs(value(row[3]) - due["expected_arr_at_risk"].sum()) <= MONEY_TOLERANCE
        assert int(value(row[4])) == int(due["needs_attention"].sum())
    assert value(rows[-1][1]) > 0, "the small data set has renewals ahead"

    ranked = renewal_rows.sort_values(
        [
            "needs_attention",
            "renewal_at",
            "arr_due",
            "account_id",
            "subscription_id",
            "renewal_number",
        ],
        ascending=[False, True, False, True, True, True],
    ).head(len(body(rendered, "renewal_priority")))
    priority = body(rendered, "renewal_priority")
    assert len(priority) == min(15, len(renewal_rows))
    assert [int(value(row[0])) for row in priority] == list(range(1, len(priority) + 1))
    assert [row[1]["value"] for row in priority] == list(ranked["account_id"])
    for row, arr_due in zip(priority, ranked["arr_due"], strict=True):
        assert abs(value(row[7]) - arr_due) <= MONEY_TOLERANCE


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
    assert_tile_parts_equal(tile_parts_in_html(html), marts)


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


# --------------------------------------------------------------- the first month of history
FIRST_MONTH_END = dt.date(2025, 2, 10)  # as of 2025-02-10: 2025-01 is the only complete month
FIRST_MONTH = dt.date(2025, 1, 1)

AXES_JS = """
() => Object.fromEntries([...document.querySelectorAll('section[data-chart]')].map((s) => {
  const axes = {};
  s.querySelectorAll('.xtick text, .ytick text, .x2tick text, .y2tick text').forEach((t) => {
    const axis = t.parentElement.getAttribute('class').split(' ')[0];
    (axes[axis] = axes[axis] || []).push(t.textContent);
  });
  return [s.dataset.chart, axes];
}))
"""


@pytest.fixture(scope="module")
def first_month_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A business in its first month of history, built as of the 10th of the second."""
    from conftest import build_apart
    from cs_metrics.generate.core import generate

    work = tmp_path_factory.mktemp("first_month")
    generate(out_dir=work / "raw", accounts=60, start=FIRST_MONTH, end=FIRST_MONTH_END, seed=3)
    return build_apart(
        work, {"raw_data_dir": str(work / "raw"), "as_of_date": FIRST_MONTH_END.isoformat()}
    )


def test_the_first_month_reads_as_a_first_month(
    first_month_db: Path, tmp_path: Path, chromium: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Month axes show months, count axes whole numbers once, titles say 'last month'."""
    out = tmp_path / "first.html"
    assert main(["report", "--db", str(first_month_db), "--out", str(out)]) == 0, (
        capsys.readouterr().err
    )
    html = out.read_text(encoding="utf-8")
    assert 'data-month="2025-01"' in html
    assert "last month" in html and not re.search(r"last 1 months?\b(?! )|1 months", html)
    assert "metrics.md" not in html
    charts = len(re.findall(r'Plotly\.newPlot\(\s*"chart-', html))
    with guarded_page(chromium) as (page, guard):
        page.goto(out.resolve().as_uri(), wait_until="load")
        page.wait_for_function(
            "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
            arg=charts,
            timeout=60_000,
        )
        axes = page.evaluate(AXES_JS)
        tables = page.evaluate(TABLES_JS)
        titles = page.evaluate(
            "() => Object.fromEntries([...document.querySelectorAll('section[data-chart]')]"
            ".map((s) => [s.dataset.chart, s.querySelector('h2').textContent]))"
        )
    assert guard.errors == [] and guard.outside == []
    assert titles["north_star"] == "North star, last month"
    assert titles["mrr_bridge"] == "MRR bridge, last month"
    assert titles["month_bridge"] == "MRR bridge, 2025-01"
    month_axes = {
        "north_star": "xtick",
        "mrr_customers": "xtick",
        "health_mix": "xtick",
    }
    for chart, axis in month_axes.items():
        assert axes[chart][axis] == ["2025-01"], (chart, axes[chart])
    for chart, by_axis in axes.items():
        for axis, ticks in by_axis.items():
            assert not any(re.search(r"\d:\d\d", tick) for tick in ticks), (chart, axis, ticks)
            assert len(ticks) == len(set(ticks)), f"{chart} {axis}: repeated ticks {ticks}"
    for chart, axis in (("mrr_customers", "y2tick"), ("health_mix", "ytick")):
        assert all(re.fullmatch(r"[\d,]+", tick) for tick in axes[chart][axis]), axes[chart]

    expected = month_bridge_recomputed(first_month_db, FIRST_MONTH)
    rows = [row for row in tables["month_bridge"] if not row[0]["total"]]
    assert [row[0]["value"] for row in rows] == ["start", *MOVEMENTS, "end"]
    for row in rows:
        mrr, customers = expected[row[0]["value"]]
        assert abs(value(row[1]) - mrr) <= MONEY_TOLERANCE, row[0]["text"]
        if customers is not None:
            assert int(value(row[2])) == customers, row[0]["text"]
    assert expected["start"] == (0.0, 0) and expected["end"][1] > 0, "a first month starts at 0"


def test_the_first_month_summary_adds_up(
    first_month_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["summary", "--db", str(first_month_db)]) == 0
    out = capsys.readouterr().out
    assert "latest complete month: 2025-01" in out
    expected = month_bridge_recomputed(first_month_db, FIRST_MONTH)
    line = next(line for line in out.splitlines() if line.lstrip().startswith("Customers "))
    active, start, new, reactivated, churned = map(int, re.findall(r"\d+", line))
    assert (active, start, new, reactivated, churned) == (
        expected["end"][1],
        expected["start"][1],
        expected["new"][1],
        expected["reactivation"][1],
        -expected["churned"][1],
    )
    assert start + new + reactivated - churned == active


def test_the_summary_customer_line_adds_up(
    built_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Start + new + reactivated − churned = active, recomputed from the account-months."""
    assert main(["summary", "--db", str(built_db)]) == 0
    out = capsys.readouterr().out
    month = dt.date.fromisoformat(re.search(r"month: (\d{4}-\d{2})", out).group(1) + "-01")
    expected = month_bridge_recomputed(built_db, month)
    line = next(line for line in out.splitlines() if line.lstrip().startswith("Customers "))
    numbers = [int(n.replace(",", "")) for n in re.findall(r"[\d,]+\d|\d", line)]
    assert numbers == [
        expected["end"][1],
        expected["start"][1],
        expected["new"][1],
        expected["reactivation"][1],
        -expected["churned"][1],
    ]
    assert numbers[1] + numbers[2] + numbers[3] - numbers[4] == numbers[0]
