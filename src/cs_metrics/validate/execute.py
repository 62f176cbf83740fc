"""Run the checks of one table against a source: the steps shared by raw and mart suites."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pandas as pd
from tqdm import tqdm

from cs_metrics.validate.checks import Check, Relation, Suite, query_sql
from cs_metrics.validate.results import Record
from cs_metrics.validate.runner import Outcome, Runner, key_aligned
from cs_metrics.validate.sources import Source


class RowProgress:
    """One progress bar over all rows to check; a table's share advances with its query."""

    def __init__(self, total_rows: int, description: str) -> None:
        self._bar = tqdm(
            total=max(total_rows, 1),
            desc=description,
            unit=" rows",
            unit_scale=True,
            disable=None,  # only on a terminal
            leave=False,
        )
        self._lock = threading.Lock()
        self._done = 0

    def table(self, name: str, rows: int) -> Callable[[float], None]:
        """Start a table of `rows` rows; returns the callback for its query's progress."""
        with self._lock:
            self._bar.set_postfix_str(name, refresh=False)
            self._bar.n = self._done
            self._bar.refresh()
        start = self._done
        self._done += rows

        def report(fraction: float) -> None:
            with self._lock:
                self._bar.n = start + int(rows * fraction)
                self._bar.refresh()

        return report

    def close(self) -> None:
        with self._lock:
            self._bar.n = self._done
            self._bar.close()


def record(
    suite: Suite, outcome: Outcome, element_count: int | None, message: str | None = None
) -> Record:
    """The result record of a check."""
    check = outcome.check
    unexpected = outcome.unexpected_count if element_count is not None else None
    percent = (
        round(100.0 * unexpected / element_count, 6)
        if unexpected is not None and element_count
        else None
    )
    if outcome.exception:
        message = f"{suite.table}: Great Expectations could not run this check: {outcome.exception}"
    elif not outcome.success and message is None:
        if element_count is not None:
            message = (
                f"{suite.table}: {unexpected:,} of {element_count:,} rows break:"
                f" {check.description}."
            )
        else:
            message = f"{suite.table}: failed: {check.description}."
    return Record(
        suite=suite.name,
        table=suite.table,
        rule=check.rule,
        description=check.description,
        expectation_type=check.expectation_type,
        kwargs=outcome.kwargs or dict(check.kwargs),
        level=check.level,
        success=outcome.success,
        element_count=element_count,
        unexpected_count=unexpected,
        unexpected_percent=percent,
        observed_value=outcome.observed_value,
        examples=outcome.examples,
        message=None if outcome.success else message,
    )


def run_schema(
    runner: Runner, suite: Suite, checks: list[Check], frame: pd.DataFrame
) -> list[Outcome]:
    """Schema checks on the schema batch: one row per column (column, type, family)."""
    return runner.run(
        f"{suite.name}:schema",
        checks,
        [frame],
        example_columns=tuple(str(column) for column in frame.columns),
    )


def run_rows(
    runner: Runner,
    source: Source,
    suite: Suite,
    checks: list[Check],
    relation: Relation,
    parents: dict[str, Relation],
    *,
    rows: int,
    chunk_rows: int,
    prefilter: bool,
    progress: Callable[[float], None] | None = None,
) -> list[Record]:
    """Row checks on the streamed candidate rows of a table; one record per check."""
    keys = {check.aligned_key for check in checks if check.aligned_key}
    if len(keys) > 1:  # pragma: no cover - a suite design error
        raise ValueError(f"{suite.name}: row checks need different batch keys: {keys}")
    aligned = next(iter(keys), ())
    order_by = aligned or tuple(c for c in suite.key if c in relation.columns)
    sql = query_sql(
        source.dialect, relation, checks, parents, prefilter=prefilter, order_by=order_by
    )
    batches = source.stream(sql, chunk_rows, progress)
    if aligned:
        batches = key_aligned(batches, aligned)
    key = tuple(c for c in suite.key if c in relation.columns)
    outcomes = runner.run(f"{suite.name}:rows", checks, batches, example_columns=key)
    return [record(suite, outcome, rows) for outcome in outcomes]
