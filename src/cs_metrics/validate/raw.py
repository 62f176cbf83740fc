"""Validate the raw tables (Parquet files or a PostgreSQL target) with their GX suites.

For every contract table, in two passes:

1. schema — the table must exist and be readable; its schema suite checks that every
   required column exists and that every contract column has a type of its family
   (timestamps: with or without a time zone). A table that fails here is not read further
   (its row checks would be meaningless): the message names the table, the column, the type
   found and the accepted types.
2. rows — the row suite (`cs_metrics.validate.raw_suites`) runs on the candidate rows, which
   the database selects in one pass with the derived columns the checks need (see
   `cs_metrics.validate.checks`); element counts are the table's row counts. References to a
   table that failed step 1 are skipped.

Bounded memory: the database does the whole-table work (counts, duplicate keys, joins to
parent tables, window functions) within its memory limit, spilling to disk if it must, and
returns only candidate rows, streamed in batches of `chunk_rows`; Python holds one batch at
a time plus at most ten examples per expectation.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from cs_metrics.contract import TABLES, Table
from cs_metrics.contract import table as contract_table
from cs_metrics.validate.checks import Check, Relation, Suite
from cs_metrics.validate.contract import (
    contract_family,
    fraction_problem,
    missing_columns_problem,
    needs_whole_numbers,
    type_problem,
)
from cs_metrics.validate.execute import RowProgress, record, run_rows, run_schema
from cs_metrics.validate.raw_suites import parent_of, raw_suite
from cs_metrics.validate.results import Report
from cs_metrics.validate.runner import Outcome, Runner
from cs_metrics.validate.sources import RawSource, SourceError, StoredTable

DEFAULT_CHUNK_ROWS = 200_000


def _present(table: Table, stored: StoredTable) -> set[str]:
    return {c.name for c in table.columns if c.name in stored.columns}


def schema_frame(table: Table, stored: StoredTable) -> pd.DataFrame:
    """The schema batch: one row per contract column present (column, type, family).

    A column without a type (all nulls, e.g. from an empty export) gets its contract family;
    a type of no family is 'unsupported'.
    """
    rows = []
    for column in table.columns:
        if column.name not in stored.columns:
            continue
        _, found, family = stored.columns[column.name]
        if family is None and found == "null":
            family = contract_family(column)
        rows.append({"column": column.name, "type": found, "family": family or "unsupported"})
    return pd.DataFrame(rows, columns=["column", "type", "family"])


def _schema_message(table: Table, stored: StoredTable, outcome: Outcome, storage: str) -> str:
    """What to fix: the missing columns, or each column of the wrong type."""
    if stored.problem:
        return stored.problem
    if outcome.check.rule == "columns.required_present":
        missing = [c for c in table.required_columns if c not in stored.columns]
        outcome.examples = [{"column": c} for c in missing]
        return missing_columns_problem(table, missing, stored.location)
    problems = []
    for example in outcome.examples:
        column = table.column(str(example["column"]))
        _, found, family = stored.columns[column.name]
        problems.append(type_problem(table, column, found, family, storage) or "")
    return "\n".join(p for p in problems if p) or outcome.check.description


def validate_raw(
    source: RawSource,
    *,
    as_of: dt.date,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    prefilter: bool = True,
    runner: Runner | None = None,
    tables: tuple[Table, ...] = TABLES,
) -> Report:
    """Run every raw suite against a source (`ParquetSource` or `PostgresSource`)."""
    runner = runner or Runner()
    storage = source.storage
    report = Report(kind="raw", tables=len(tables))
    stored: dict[str, StoredTable] = {t.key: source.describe(t) for t in tables}
    suites: dict[str, Suite] = {}
    usable: set[str] = set()

    # 1. schema
    for table in tables:
        found = stored[table.key]
        suite = raw_suite(table, as_of, _present(table, found))
        suites[table.key] = suite
        if found.problem:
            report.problems.append(found.problem)
        outcomes = run_schema(runner, suite, suite.schema_checks, schema_frame(table, found))
        failed = False
        for outcome in outcomes:
            message = None
            outcome.observed_value = None  # GX's observed columns: the examples say more
            if not outcome.success:
                failed = failed or outcome.check.level == "error"
                message = _schema_message(table, found, outcome, storage)
            report.records.append(record(suite, outcome, None, message))
        if found.sql is not None and not failed:
            try:
                fractions = _fraction_problems(source, table, found)
            except SourceError as exc:
                fractions = [f"{table.key}: the database could not check its values: {exc}"]
            report.problems.extend(fractions)
            failed = bool(fractions)
        if found.sql is None:
            report.skipped.append({"table": table.key, "reason": found.problem or "unreadable"})
        elif failed:
            report.skipped.append(
                {
                    "table": table.key,
                    "reason": "its columns do not follow the contract: fix them first",
                }
            )
        else:
            usable.add(table.key)

    # 2. rows
    counts = {}
    for table in tables:
        if table.key in usable:
            try:
                counts[table.key] = source.count(str(stored[table.key].sql))
            except SourceError as exc:
                usable.discard(table.key)
                _unreadable(report, table.key, exc)
    progress = RowProgress(sum(counts.values()), "validate")
    try:
        for table in tables:
            if table.key not in usable:
                continue
            suite = suites[table.key]
            checks, parents = _row_checks(suite, stored, usable, report)
            relation = _relation(table, stored[table.key])
            try:
                records = run_rows(
                    runner,
                    source,
                    suite,
                    checks,
                    relation,
                    parents,
                    rows=counts[table.key],
                    chunk_rows=chunk_rows,
                    prefilter=prefilter,
                    progress=progress.table(table.key, counts[table.key]),
                )
            except SourceError as exc:
                _unreadable(report, table.key, exc)
                continue
            report.records.extend(records)
    finally:
        progress.close()
    return report


def _fraction_problems(source: RawSource, table: Table, stored: StoredTable) -> list[str]:
    """Integer columns stored as floats or decimals must hold whole numbers (contract.LOSSLESS).

    One message per column holding fractions, with their count and the first three rows.
    """
    problems = []
    quote = source.dialect.quote
    key = table.columns[0].name
    key_physical = quote(stored.columns[key][0]) if key in stored.columns else "null"
    for column in table.columns:
        if column.name not in stored.columns:
            continue
        physical, found, family = stored.columns[column.name]
        if not needs_whole_numbers(column, family):
            continue
        value = quote(physical)
        fractions = (
            f"(select {key_physical} as k, {value} as v from {stored.sql}"
            f" where {value} <> floor({value})) as fractions"
        )
        count = source.count(fractions)
        if not count:
            continue
        first = next(iter(source.stream(f"select * from {fractions} limit 3", 3)), None)
        rows = [] if first is None else first.to_dict("records")
        examples = "; ".join(f"{key}={row['k']} {column.name}={row['v']}" for row in rows)
        problems.append(fraction_problem(table, column, found, count, examples))
    return problems


def _unreadable(report: Report, table: str, exc: SourceError) -> None:
    report.problems.append(
        f"{table}: the database could not check its rows: {exc} (check the column types;"
        " docs/raw-contract.md lists them)."
    )
    report.skipped.append({"table": table, "reason": "the database could not read its rows"})


def _relation(table: Table, stored: StoredTable) -> Relation:
    return stored.relation(
        {c.name: contract_family(c) for c in table.columns if c.name in stored.columns}
    )


def _row_checks(
    suite: Suite, stored: dict[str, StoredTable], usable: set[str], report: Report
) -> tuple[list[Check], dict[str, Relation]]:
    """The row checks that can run, and the parent relations their references need."""
    checks, parents = [], {}
    for check in suite.row_checks:
        reference = parent_of(check)
        if reference is not None:
            parent = stored.get(reference.parent)
            if (
                reference.parent not in usable
                or parent is None
                or reference.parent_column not in parent.columns
            ):
                report.skipped.append(
                    {
                        "table": suite.table,
                        "reason": f"{check.rule}: {reference.parent} cannot be read",
                    }
                )
                continue
            source, name = reference.parent.split(".")
            parents[reference.parent] = _relation(contract_table(source, name), parent)
        checks.append(check)
    return checks, parents
