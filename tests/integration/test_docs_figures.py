"""Every figure README.md and docs/ quote from the demo is what the pinned demo build gives.

The figures are made by `scripts/docs_figures.py` (`make docs-figures` writes them between
`<!-- BEGIN FIGURES: <name> -->` markers); this test runs the same `render` on the build and
fails naming every block that differs. It reads the build `make build` leaves (`make check`
builds the pinned demo before pytest): the DuckDB file of CS_METRICS_DB as the session started
(default target/cs_metrics.duckdb) and data/demo. Without a build of the pinned demo it skips,
saying what to run, except in CI (env CI set), where that is a failure.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from conftest import ROOT, import_script

# read when the module is imported: the pipeline fixtures point CS_METRICS_DB elsewhere later
DEMO_DB = ROOT / os.environ.get("CS_METRICS_DB", "target/cs_metrics.duckdb")
DEMO_DATA = ROOT / "data" / "demo"

figures = import_script("scripts/docs_figures.py")


@pytest.fixture(scope="module")
def demo():
    try:
        return figures.open_demo(DEMO_DB, DEMO_DATA)
    except figures.FiguresError as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))


@pytest.mark.slow
def test_documented_figures_match_the_pinned_demo_build(demo) -> None:
    made = figures.render(demo)
    problems = figures.stale(figures.read_docs(), made)
    assert not problems, "\n".join([*problems, "run `make docs-figures` to rewrite them"])


def test_a_stale_or_unknown_figure_is_reported(tmp_path: Path) -> None:
    """The comparison itself: a changed number is stale, a duration is not, an unknown block
    and a figure no doc quotes are reported."""
    made = {"count": "```text\n595 active, done in 1.2s\n```\n", "other": "x\n"}
    doc = (
        "Prose.\n<!-- BEGIN FIGURES: count -->\n```text\n{body}\n```\n"
        "<!-- END FIGURES: count -->\nMore prose.\n"
    )
    current = {tmp_path / "a.md": doc.format(body="595 active, done in 7.9s")}
    assert figures.stale(current, made) == ["no doc quotes the figure 'other'"]
    changed = {tmp_path / "a.md": doc.format(body="597 active, done in 1.2s")}
    assert "a.md: figure 'count' differs from the build" in figures.stale(changed, made)
    unknown = {tmp_path / "a.md": doc.replace("count", "counts").format(body="")}
    assert "a.md: unknown figure block 'counts'" in figures.stale(unknown, made)
    # rewriting puts the figure between the markers and keeps the prose
    rewritten = figures.rewrite(changed[tmp_path / "a.md"], made)
    assert rewritten == doc.format(body="595 active, done in 1.2s")
    assert figures.stale({tmp_path / "a.md": rewritten}, {"count": made["count"]}) == []


def test_the_pinned_parameters_come_from_the_makefile() -> None:
    pins = figures.pinned()
    assert set(pins) == {"accounts", "seed", "end"}
    assert int(pins["accounts"]) > 0 and int(pins["seed"]) >= 0
    # mid-month, so that the demo shows a month in progress
    assert 1 < dt.date.fromisoformat(pins["end"]).day < 28
