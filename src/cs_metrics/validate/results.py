"""Validation results: one record per expectation, the JSON file and the printed summary.

JSON results file (`target/validation/raw.json` or `target/validation/marts.json`;
`schema_version` 1). Field names are stable: the HTML quality report reads them.

    {
      "schema_version": 1,
      "kind": "raw" | "marts",
      "run": {
        "started_at": "2026-11-29T07:30:00Z",       # UTC, ISO 8601
        "finished_at": "2026-11-29T07:30:06Z",
        "duration_seconds": 6.1,
        "as_of_date": "2026-11-29" | null,          # raw: timestamps must not be after it
        "source": {"kind": "parquet", "path": "data/demo",
                   "presets": {"billing": "contract", ...}},  # the input of each domain
                | {"kind": "postgres", "target": "postgres", "schemas": {"crm": "crm", ...}}
                | {"kind": "warehouse", "target": "duckdb", "engine": "duckdb"},
        "cs_metrics_version": "0.1.0",
        "great_expectations_version": "1.24.1",
        "chunk_rows": 200000
      },
      "summary": {
        "success": true,                 # false when an error-level expectation failed
                                         # or a table could not be read
        "tables": 15, "expectations": 230, "passed": 228,
        "failed_errors": 0, "failed_warnings": 2
      },
      "problems": ["billing.plans: file not found: ..."],   # tables that cannot be read
      "skipped": [{"table": "billing.plans", "reason": "..."}],  # row checks not run
      "results": [
        {
          "suite": "raw.billing.invoices",          # one suite per table
          "table": "billing.invoices",
          "rule": "paid_at.not_before_issued_at",   # stable id, unique within the suite
          "description": "paid_at is not before issued_at",
          "expectation_type": "expect_column_pair_values_a_to_be_greater_than_b",
          "kwargs": {"column_A": "paid_at", "column_B": "issued_at", ...},
          "level": "error" | "warning",
          "success": false,
          "element_count": 12000 | null,            # rows of the table (null: schema checks)
          "unexpected_count": 3 | null,             # rows breaking the expectation
          "unexpected_percent": 0.025 | null,       # 100 * unexpected_count / element_count
          "observed_value": null,                   # schema checks: the type found
          "examples": [{"invoice_id": "in_1", "issued_at": "...", "paid_at": "..."}],
                                                    # up to 10 unexpected rows: the table's
                                                    # key and the columns checked
          "message": "billing.invoices: 3 of 12,000 rows break: paid_at is not before ..."
                                                    # null when the expectation passed
        }
      ]
    }

Columns named `derived__...` in kwargs and examples are computed by the database for checks
that compare rows (duplicate counts, foreign-key lookups, the end of earlier versions).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd

SCHEMA_VERSION = 1
MAX_EXAMPLES = 10  # failing rows kept per expectation


@dataclass
class Record:
    """The result of one expectation on one table."""

    suite: str
    table: str
    rule: str
    description: str
    expectation_type: str
    kwargs: dict[str, Any]
    level: str
    success: bool
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    observed_value: Any = None
    examples: list[Any] = field(default_factory=list)
    message: str | None = None


@dataclass
class Report:
    """Everything one `cs-metrics validate` run found."""

    kind: str
    records: list[Record] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    tables: int = 0

    @property
    def failed_errors(self) -> list[Record]:
        return [r for r in self.records if not r.success and r.level == "error"]

    @property
    def failed_warnings(self) -> list[Record]:
        return [r for r in self.records if not r.success and r.level == "warning"]

    @property
    def success(self) -> bool:
        return not self.failed_errors and not self.problems

    def summary(self) -> dict[str, Any]:
        return {
            "success": self.success,
            "tables": self.tables,
            "expectations": len(self.records),
            "passed": sum(1 for r in self.records if r.success),
            "failed_errors": len(self.failed_errors),
            "failed_warnings": len(self.failed_warnings),
        }

    def failed(self, rule: str, table: str | None = None) -> list[Record]:
        """Failed records of a rule (and table) — handy in tests."""
        return [
            r
            for r in self.records
            if not r.success and r.rule == rule and (table is None or r.table == table)
        ]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return str(value)


def write_results(
    path: Path, report: Report, run: dict[str, Any], started: dt.datetime
) -> dict[str, Any]:
    """Write the results file (creating its directory) and return its content."""
    finished = utc_now()
    document = {
        "schema_version": SCHEMA_VERSION,
        "kind": report.kind,
        "run": {
            "started_at": _iso(started),
            "finished_at": _iso(finished),
            "duration_seconds": round((finished - started).total_seconds(), 1),
            **run,
        },
        "summary": report.summary(),
        "problems": report.problems,
        "skipped": report.skipped,
        "results": [asdict(record) for record in report.records],
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(document, indent=2, default=_json_default, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return document


def _examples(record: Record, width: int = 60) -> str:
    if record.observed_value is not None and not record.examples:
        return str(record.observed_value)
    parts = []
    for example in record.examples[:3]:
        if isinstance(example, dict):
            parts.append(" ".join(f"{k}={v}" for k, v in example.items()))
        else:
            parts.append(str(example))
    from cs_metrics.console import printable

    text = printable("; ".join(parts))  # values from the data
    return text if len(text) <= width else text[: width - 1] + "…"


def print_summary(report: Report, *, show_passed: bool = False, out: TextIO | None = None) -> None:
    """The summary table: failed expectations (errors first), or every one with show_passed.

    Examples are values from the data: printed with their control characters escaped.
    """
    from cs_metrics.console import echo

    out = out or sys.stdout
    rows = sorted(
        (r for r in report.records if show_passed or not r.success),
        key=lambda r: (r.success, r.level != "error", r.table, r.rule),
    )
    if rows:
        header = ("table", "expectation", "level", "result", "unexpected", "examples")
        lines = [
            (
                r.table,
                r.description if len(r.description) <= 58 else r.description[:57] + "…",
                r.level,
                "passed" if r.success else "FAILED",
                "" if r.unexpected_count is None else f"{r.unexpected_count:,}",
                _examples(r),
            )
            for r in rows
        ]
        widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(5)]
        for line in [header, *lines]:
            cells = [str(cell).ljust(width) for cell, width in zip(line, widths, strict=False)]
            cells[4] = str(line[4]).rjust(widths[4])
            echo("  ".join([*cells, str(line[5])]).rstrip(), file=out)
    summary = report.summary()
    print(
        f"{summary['expectations']} expectations on {summary['tables']}"
        f" table{'s' if summary['tables'] != 1 else ''}:"
        f" {summary['passed']} passed, {summary['failed_errors']} errors and"
        f" {summary['failed_warnings']} warnings failed.",
        file=out,
    )


def json_value(value: Any) -> Any:
    """A JSON-friendly form of a value from pandas, numpy or GX."""
    if isinstance(value, tuple | list):
        return [json_value(v) for v in value]
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    elif isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, dt.date):  # datetime, date and pandas Timestamp
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return str(value)
