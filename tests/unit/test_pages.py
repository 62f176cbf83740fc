"""The HTML pages' shared parts: formats, templates with autoescaping, package data.

Text from the data (an account name, a test message) reaches the page only escaped; the
templates, stylesheets and scripts the pages read at run time are package data, so an installed
wheel has them.
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

from cs_metrics.pages import formats
from cs_metrics.pages.render import environment, render_page, static
from cs_metrics.report.html import Table, Tile

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "src" / "cs_metrics" / "pages"
HOSTILE = '<script>alert("x")</script> & Sons'


def test_money_has_no_negative_zero_and_percent_and_points_round() -> None:
    assert formats.money("-0.004", 2) == "0.00"
    assert formats.money(1234567.891) == "1,234,568"
    assert formats.money(None) == "n/a"
    assert formats.percent(0.98765, 2) == "98.77%"
    assert formats.points(-0.00001) == "0.00"
    assert formats.points(0.0123) == "+1.23"
    assert formats.plural(1, "row") == "1 row" and formats.plural(1234, "row") == "1,234 rows"


def test_report_table_escapes_text_and_keeps_exact_values() -> None:
    table = Table(
        ["account", "MRR"],
        [[HOSTILE, "1,234.50"]],
        name="t",
        caption=HOSTILE,
        values=[["acc-1", "1234.5"]],
    )
    parts = environment().get_template("report_parts.html.j2").module
    html = str(parts.numbers_table(table))
    assert "<script>" not in html
    assert html.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Sons") == 2
    assert '<td class="txt" data-value="acc-1">' in html
    assert '<td class="num" data-value="1234.5">1,234.50</td>' in html


def test_report_tile_escapes_its_note_attribute() -> None:
    tile = Tile("mrr", "MRR", None, "n/a", HOSTILE)
    html = str(environment().get_template("report_parts.html.j2").module.tile(tile))
    assert 'data-metric="mrr" data-value=""' in html
    assert 'title="&lt;script&gt;' in html and "<script>" not in html


def test_an_empty_table_says_so() -> None:
    parts = environment().get_template("report_parts.html.j2").module
    html = str(parts.numbers_table(Table(["a", "b"], [], empty_message="nothing")))
    assert '<td colspan="2" class="txt empty">nothing</td>' in html


def test_quality_badge_escapes() -> None:
    page = environment().from_string(
        '{% import "quality_parts.html.j2" as parts %}{{ parts.badge("fail", text) }}'
    )
    assert page.render(text=HOSTILE) == (
        '<span class="badge fail">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Sons</span>'
    )


def test_base_page_inlines_the_stylesheet() -> None:
    html = render_page("base.html.j2")
    assert str(static("page.css")) in html
    assert "<link" not in html and "@import" not in html


def test_every_template_and_static_file_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["cs_metrics.pages"]
    files = [
        path.relative_to(PAGES).as_posix()
        for folder in ("templates", "static")
        for path in (PAGES / folder).iterdir()
    ]
    assert files, "no templates found"
    missing = [f for f in files if not any(fnmatch.fnmatch(f, p) for p in patterns)]
    assert not missing, f"not in [tool.setuptools.package-data]: {missing}"
