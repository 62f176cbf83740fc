"""Shared fixtures: a small generated raw data set and a dbt build of it (in-process).

The pipeline fixtures are session-scoped: the data is generated once and dbt runs once
(in-process through dbtRunner, about 3x faster than a subprocess) for every suite.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb
import pytest

from browser import CHROMIUM, install_chromium

ROOT = Path(__file__).resolve().parents[1]

# Fixed dates so the pipeline tests never depend on the day they run.
SMALL_START = dt.date(2023, 1, 1)
SMALL_END = dt.date(2025, 6, 15)
SMALL_AS_OF = "2025-06-15"
SMALL_ACCOUNTS = 150
SMALL_SEED = 7


def import_script(relative_path: str) -> ModuleType:
    """Import a script of the repository (e.g. scripts/engines/compare.py) to test its functions.

    Scripts are not part of the `cs_metrics` package; the module is registered in sys.modules
    as `scripts.<dir>.<name>` (dataclasses need their module there).
    """
    path = ROOT / relative_path
    name = ".".join(Path(relative_path).with_suffix("").parts)
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _release_duckdb() -> None:
    """Close the database dbt-duckdb keeps open after an in-process run.

    Otherwise the same process cannot open the file again with another configuration
    (e.g. read_only=True in the `db` fixture) and DuckDB raises a ConnectionException.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


def run_dbt(
    args: list[str],
    *,
    db_path: Path | None,
    target_path: Path | None,
    vars_: dict | None,
    project_dir: Path = ROOT,
    profiles_dir: Path | None = None,
) -> None:
    """Run dbt in-process against a given DuckDB file; raise with dbt's message on failure.

    db_path: the file of the project's profile (CS_METRICS_DB); None for another project's
    profile (project_dir, profiles_dir), which names its own. target_path, vars_: None
    passes none (`dbt deps` takes no --target-path).
    """
    from dbt.cli.main import dbtRunner

    if db_path is not None:
        os.environ["CS_METRICS_DB"] = str(db_path)
        os.environ["CS_METRICS_TARGET"] = "duckdb"
    full = [
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(profiles_dir or ROOT / "profiles"),
        *(["--target-path", str(target_path)] if target_path is not None else []),
        *(["--vars", json.dumps(vars_)] if vars_ is not None else []),
    ]
    try:
        result = dbtRunner().invoke(full)
    finally:
        _release_duckdb()
    if not result.success:
        detail = result.exception or ""
        if result.result is not None and hasattr(result.result, "results"):
            failed = [
                f"{r.node.unique_id}: {r.message}"
                for r in result.result.results
                if str(r.status) not in ("success", "pass", "skipped")
            ]
            detail = "\n".join(failed) or detail
        raise AssertionError(f"dbt {' '.join(args)} failed:\n{detail}")


def generate_small(out_dir: Path, **options: object) -> Path:
    """The small generated company in out_dir (options: generate()'s, e.g. layout)."""
    from cs_metrics.generate.core import generate

    generate(
        out_dir=out_dir,
        accounts=SMALL_ACCOUNTS,
        start=SMALL_START,
        end=SMALL_END,
        seed=SMALL_SEED,
        **options,
    )
    return out_dir


def mart_differences(
    expected_db: Path,
    expected_manifest: Path,
    actual_db: Path,
    actual_manifest: Path,
    label: str,
    converters: Sequence[Any] = (),
) -> list:
    """Every difference between the public marts of two DuckDB builds of cs_metrics, row by
    row, both ways, with no tolerance (scripts/engines/compare.py). Marts are matched by name:
    a host project that installed cs_metrics as a package names their schemas its own way.
    converters: the actual build read their connector layout (the expected one the contract
    layout): the records of the expected issues are named as the connectors name them."""
    compare = import_script("scripts/engines/compare.py")
    expected = {m.name: m for m in compare.discover_marts(expected_manifest, "cs_metrics")}
    actual = {m.name: m for m in compare.discover_marts(actual_manifest, "cs_metrics")}
    assert set(expected) == set(actual), set(expected) ^ set(actual)
    differences = []
    for name, mart in sorted(actual.items()):
        rows = compare.read_duckdb(expected_db, expected[name])
        if converters and name == compare.QUALITY_MART:
            rows = compare.named_by_the_connectors(rows, converters)
        differences += compare.compare_mart(
            mart,
            rows,
            compare.read_duckdb(actual_db, mart),
            actual_engine=label,
            exact=True,
        )
    return differences


def apart_from_listed_connector_rows(
    differences: list, layout: str
) -> tuple[list[str], set[tuple[str, str, str]]]:
    """Differences between a connector-layout build (labelled `layout`) and the contract
    build: (the unexpected ones described, the (source_table, record_id, issue_type) of the
    rows only the connectors have, listed in fct_data_quality_issues)."""
    compare = import_script("scripts/engines/compare.py")
    others, listed = compare.split_connector_rows(differences, layout)
    return [d.describe("contract", layout) for d in others], listed


def as_csv(parquet_dir: Path, out: Path) -> Path:
    """Every table of a raw Parquet directory written as <source>/<table>.csv (DuckDB)."""
    from cs_metrics import contract

    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    for table in contract.TABLES:
        source = parquet_dir / table.source / f"{table.name}.parquet"
        target = out / table.source / f"{table.name}.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"copy (select * from read_parquet('{source}')) to '{target}' (header)")
    con.close()
    return out


def run_dbt_apart(args: list[str], *, db_path: Path, target_path: Path, vars_: dict) -> None:
    """run_dbt into db_path, leaving CS_METRICS_DB as it was (the session's build stays the
    default database of the tests that rely on it)."""
    before = os.environ.get("CS_METRICS_DB")
    try:
        run_dbt(args, db_path=db_path, target_path=target_path, vars_=vars_)
    finally:
        if before is None:
            os.environ.pop("CS_METRICS_DB", None)
        else:
            os.environ["CS_METRICS_DB"] = before


def build_apart(work: Path, vars_: dict) -> Path:
    """`dbt build` into work/built.duckdb, apart from the session's build (run_dbt_apart)."""
    db_path = work / "built.duckdb"
    run_dbt_apart(["build"], db_path=db_path, target_path=work / "target", vars_=vars_)
    return db_path


@pytest.fixture(scope="session")
def small_raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_small(tmp_path_factory.mktemp("raw") / "small")


@pytest.fixture(scope="session")
def small_vars(small_raw_dir: Path) -> dict:
    return {"raw_data_dir": str(small_raw_dir), "as_of_date": SMALL_AS_OF}


@pytest.fixture(scope="session")
def built_db(small_vars: dict, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small data set built with `dbt build` (models, unit and data tests)."""
    work = tmp_path_factory.mktemp("dbt")
    db_path = work / "small.duckdb"
    run_dbt(["build"], db_path=db_path, target_path=work / "target", vars_=small_vars)
    return db_path


@pytest.fixture()
def db(built_db: Path):
    con = duckdb.connect(str(built_db), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def chromium() -> Path:
    """/usr/bin/chromium, installed with apt-get when missing (root or sudo -n); else skip.

    With CI set, a browser that is missing and cannot be installed is a failure.
    """
    if not CHROMIUM.exists():
        outcome = install_chromium()
        if not CHROMIUM.exists():
            reason = (
                f"Chromium is not at {CHROMIUM} ({outcome}); install it with"
                " `apt-get install -y --no-install-recommends chromium`"
            )
            if os.environ.get("CI"):
                pytest.fail(reason)
            pytest.skip(reason)
    return CHROMIUM
