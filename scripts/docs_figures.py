"""Regenerate every figure README.md and docs/ quote from the pinned demo build.

    make docs-figures                                   # build the pinned demo, then rewrite
    .venv/bin/python scripts/docs_figures.py            # rewrite, from the existing build
    .venv/bin/python scripts/docs_figures.py --check    # exit 1 when a figure is stale

The prose of the docs is written by hand; the figures taken from the demo live between
marker lines and are written here:

    <!-- BEGIN FIGURES: <name> -->
    ...
    <!-- END FIGURES: <name> -->

Each name is one figure of `FIGURES` below, made by running the project's own commands on
the demo build (`cs-metrics summary`, `cs-metrics validate`, `cs-metrics calibrate` in
process). `tests/integration/test_docs_figures.py` runs the same `render` and `stale`, so a
documented figure that no longer matches the build fails `make check`. Durations ("in
6.1s") change from run to run and are not compared. Writing also re-takes the README's
screenshot of the visual report, docs/images/report.png (headless Chromium; not compared).

The figures come only from the pinned demo: the parameters of `make demo` (DEMO_ACCOUNTS,
DEMO_SEED, DEMO_END in the Makefile, their one home). A build of other data (e.g.
`make demo DEMO_END=today`) is refused, naming what differs and the command to run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import io
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cs_metrics.calibrate.calibration import CalibrationResult

ROOT = Path(__file__).resolve().parents[1]
DOCS = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
BLOCK = re.compile(
    r"<!-- BEGIN FIGURES: (?P<name>[a-z0-9_-]+) -->\n(?P<body>.*?)"
    r"<!-- END FIGURES: (?P=name) -->\n",
    re.S,
)
# durations differ from run to run: "validation passed in 6.1s", "Calibrated in 1.7 s."
DURATION = re.compile(r"\bin \d+(?:\.\d+)? ?s\b")
MAKEFILE_PINS = {"accounts": "DEMO_ACCOUNTS", "seed": "DEMO_SEED", "end": "DEMO_END"}
DEMO_MARKER = ".cs_metrics_demo"


class FiguresError(Exception):
    """The figures cannot be made (no pinned demo build, a doc without its markers)."""


# ---------------------------------------------------------------------------------- the demo
@dataclass(frozen=True)
class Demo:
    """The demo build the figures are read from."""

    db: Path
    data: Path
    accounts: int
    seed: int
    start: dt.date
    end: dt.date
    as_of: dt.date


def pinned(makefile: Path = ROOT / "Makefile") -> dict[str, str]:
    """The pinned demo parameters: the defaults of DEMO_ACCOUNTS, DEMO_SEED, DEMO_END."""
    text = makefile.read_text(encoding="utf-8")
    values = {}
    for key, variable in MAKEFILE_PINS.items():
        found = re.search(rf"^{variable} \?= *(\S+)$", text, re.M)
        if found is None:
            raise FiguresError(f"{makefile} does not set {variable} ?= ...")
        values[key] = found.group(1)
    return values


def open_demo(db: Path, data: Path) -> Demo:
    """The demo behind db and data, checked against the pinned parameters."""
    import duckdb

    make = "run `make build` (the pinned demo: no DEMO_END on the command line)"
    marker = data / DEMO_MARKER
    if not db.is_file() or not marker.is_file():
        raise FiguresError(f"no demo build ({db} or {marker} is missing): {make}.")
    made = json.loads(marker.read_text(encoding="utf-8"))
    with duckdb.connect(str(db), read_only=True) as con:
        as_of = con.execute("select max(as_of_date) from marts.fct_data_quality_issues").fetchone()
    demo = Demo(
        db=db,
        data=data,
        accounts=int(made["accounts"]),
        seed=int(made["seed"]),
        start=dt.date.fromisoformat(made["start"]),
        end=dt.date.fromisoformat(made["end"]),
        as_of=as_of[0],
    )
    pins = pinned()
    found = {"accounts": str(demo.accounts), "seed": str(demo.seed), "end": str(demo.end)}
    wrong = [f"{key} {found[key]} (pinned: {pins[key]})" for key in pins if found[key] != pins[key]]
    if demo.as_of != demo.end:
        wrong.append(f"as_of_date {demo.as_of} (pinned: {demo.end})")
    if wrong:
        raise FiguresError(f"{db} is not the pinned demo build: {', '.join(wrong)}; {make}.")
    return demo


# ------------------------------------------------------------------------------- the figures
def _command(argv: list[str]) -> str:
    """What `cs-metrics <argv>` prints (stdout), run in process from the project root."""
    from cs_metrics.cli import main

    out = io.StringIO()
    with (
        contextlib.chdir(ROOT),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        main(argv)
    return out.getvalue().rstrip("\n") + "\n"


def _fenced(text: str) -> str:
    return f"```text\n{text}```\n"


def demo_parameters(demo: Demo) -> str:
    return (
        f"{demo.accounts:,} accounts (seed {demo.seed}), history from {demo.start:%Y-%m}"
        f" through {demo.end}, built as of {demo.as_of}: the latest complete month is"
        f" {_previous_month(demo.as_of):%Y-%m}, and {demo.as_of:%B %Y} is the month in"
        " progress.\n"
    )


def _previous_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def summary(demo: Demo) -> str:
    return _fenced(_command(["summary", "--db", str(demo.db)]))


def validate_raw(demo: Demo) -> str:
    data = demo.data.relative_to(ROOT) if demo.data.is_relative_to(ROOT) else demo.data
    return _fenced(_command(["validate", str(data), "--as-of", demo.as_of.isoformat()]))


def calibration_split(result: CalibrationResult) -> str:
    from cs_metrics.calibrate.data import TARGET_HORIZON, month_label

    obs, split = result.observations, result.split
    fit = result.windows[f"{TARGET_HORIZON}m"]
    return (
        f"On the demo: observations {month_label(int(obs.month.min()))} …"
        f" {month_label(int(obs.month.max()))}, train-end {month_label(split.train_end)}; the"
        f" {TARGET_HORIZON}-month fit uses {fit['train_first_month']} … {fit['train_last_month']}"
        f" (outcomes through {fit['train_outcomes_through']}) and is judged on"
        f" {fit['heldout_first_month']} … {fit['heldout_last_month']}.\n"
    )


def calibration_report(result: CalibrationResult) -> str:
    from cs_metrics.calibrate.output import render_report

    return _fenced(render_report(result) + "\n")


def render(demo: Demo) -> dict[str, str]:
    """Every figure, by block name (the text between its markers); the home of the names."""
    from cs_metrics.calibrate.calibration import calibrate

    calibration = functools.cache(
        lambda: calibrate(target="duckdb", duckdb_path=demo.db, project_dir=ROOT)
    )
    makers: dict[str, Callable[[], str]] = {
        "demo-parameters": lambda: demo_parameters(demo),
        "demo-summary": lambda: summary(demo),
        "demo-validate-raw": lambda: validate_raw(demo),
        "calibration-split": lambda: calibration_split(calibration()),
        "calibration-report": lambda: calibration_report(calibration()),
    }
    return {name: make() for name, make in makers.items()}


# --------------------------------------------------------------------------- the screenshot
SCREENSHOT = ROOT / "docs" / "images" / "report.png"
SCREENSHOT_SIZE = {"width": 1100, "height": 960}  # the top of the report: tiles, north star
CHROMIUM = Path("/usr/bin/chromium")
CHARTS_DRAWN = (
    "() => [...document.querySelectorAll('.js-plotly-plot')]"
    ".every((chart) => chart.querySelector('.main-svg'))"
)


def screenshot(demo: Demo) -> str:
    """Re-take docs/images/report.png: the top of `cs-metrics report` of the demo in headless
    Chromium (Playwright, the system's /usr/bin/chromium). Not compared by the test (pixels
    differ between Chromium versions); returns what was done."""
    if not CHROMIUM.exists():
        return f"screenshot not re-taken: {CHROMIUM} is missing"
    from playwright.sync_api import sync_playwright

    html = ROOT / "target" / "report.html"
    _command(["report", "--db", str(demo.db), "--out", str(html)])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport=SCREENSHOT_SIZE)
            page.goto(html.as_uri(), wait_until="load")
            page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
            page.screenshot(path=str(SCREENSHOT), full_page=False)
        finally:
            browser.close()
    return f"re-took {SCREENSHOT.relative_to(ROOT)}"


# --------------------------------------------------------------------------------- the docs
def blocks(text: str) -> dict[str, list[str]]:
    """The bodies of the figure blocks of a doc, by name."""
    found: dict[str, list[str]] = {}
    for match in BLOCK.finditer(text):
        found.setdefault(match.group("name"), []).append(match.group("body"))
    return found


def comparable(text: str) -> str:
    """A figure without what changes from run to run (durations)."""
    return DURATION.sub("in … s", text)


def rewrite(text: str, figures: dict[str, str]) -> str:
    """The doc with every block's body replaced by its figure (a body that differs only in
    durations is kept, so that a rerun changes nothing)."""

    def body(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in figures:
            raise FiguresError(f"unknown figure block {name!r} (known: {', '.join(figures)})")
        kept = match.group("body")
        figure = kept if comparable(kept) == comparable(figures[name]) else figures[name]
        return f"<!-- BEGIN FIGURES: {name} -->\n{figure}<!-- END FIGURES: {name} -->\n"

    return BLOCK.sub(body, text)


def stale(docs: dict[Path, str], figures: dict[str, str]) -> list[str]:
    """What differs between the docs and the figures (empty: every figure is current)."""
    problems = []
    used: set[str] = set()
    for path, text in docs.items():
        for name, bodies in blocks(text).items():
            used.add(name)
            if name not in figures:
                problems.append(f"{path.name}: unknown figure block {name!r}")
                continue
            for found in bodies:
                if comparable(found) != comparable(figures[name]):
                    problems.append(f"{path.name}: figure {name!r} differs from the build")
    problems += [f"no doc quotes the figure {name!r}" for name in figures if name not in used]
    return problems


def read_docs() -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in DOCS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "target" / "cs_metrics.duckdb")
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "demo")
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 when a figure is stale"
    )
    parser.add_argument(
        "--no-screenshot",
        action="store_true",
        help="do not re-take docs/images/report.png (the report in headless Chromium)",
    )
    args = parser.parse_args(argv)
    try:
        demo = open_demo(args.db.resolve(), args.data.resolve())
        figures = render(demo)
        docs = read_docs()
        if args.check:
            problems = stale(docs, figures)
            for problem in problems:
                print(f"docs_figures: {problem}", file=sys.stderr)
            if problems:
                print("docs_figures: run `make docs-figures` to rewrite them", file=sys.stderr)
            return 1 if problems else 0
        changed = []
        for path, text in docs.items():
            new = rewrite(text, figures)
            if new != text:
                path.write_text(new, encoding="utf-8")
                changed.append(f"rewrote {path.relative_to(ROOT).as_posix()}")
        missing = [problem for problem in stale(read_docs(), figures) if "no doc" in problem]
        for problem in missing:
            print(f"docs_figures: {problem}", file=sys.stderr)
        if not args.no_screenshot:
            changed.append(screenshot(demo))
    except FiguresError as exc:
        print(f"docs_figures: {exc}", file=sys.stderr)
        return 1
    print(
        f"Figures of the demo as of {demo.as_of}: "
        + (f"{'; '.join(changed)}" if changed else "every doc was current")
    )
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
