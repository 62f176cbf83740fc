"""`as_of_date: today` and `as_of_date: yesterday` are the UTC day a run starts on and the day
before it (macros/as_of_date.sql), whatever the machine's zone: a scheduled job passes the
same --vars every day, and dbt keeps its partial parse."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from dbt.cli.main import dbtRunner

from conftest import ROOT, _release_duckdb


def _compiled_as_of(value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CS_METRICS_DB", str(tmp_path / "relative.duckdb"))
    monkeypatch.setenv("CS_METRICS_TARGET", "duckdb")
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: the machine's day is not UTC's
    try:
        result = dbtRunner().invoke(
            [
                "compile",
                "--inline",
                "select '{{ cs_metrics.as_of_date_string() }}' as as_of",
                "--project-dir",
                str(ROOT),
                "--profiles-dir",
                str(ROOT / "profiles"),
                "--target-path",
                str(tmp_path / "target"),
                "--vars",
                f"{{as_of_date: {value}}}",
            ]
        )
    finally:
        _release_duckdb()
    assert result.success, result.exception
    return result.result.results[0].node.compiled_code


@pytest.mark.parametrize(("value", "days_back"), [("today", 0), ("Yesterday", 1)])
def test_relative_as_of_date_is_the_utc_day_of_the_run(
    value: str, days_back: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = dt.datetime.now(dt.UTC).date()
    compiled = _compiled_as_of(value, tmp_path, monkeypatch)
    after = dt.datetime.now(dt.UTC).date()
    expected = {
        f"select '{day - dt.timedelta(days=days_back):%Y-%m-%d}' as as_of"
        for day in (before, after)
    }
    assert compiled.strip() in expected
