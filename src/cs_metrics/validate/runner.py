"""Run suites with Great Expectations on pandas batches and merge the results of all batches.

GX is imported here only, after turning its usage analytics off (`GX_ANALYTICS_ENABLED=false`
is set before the import; nothing is ever sent or fetched). The context is ephemeral (nothing
written to disk), GX's own progress bars are off and Data Docs are never built.

A table's row checks run on a stream of batches (pandas DataFrames of at most `chunk_rows`
rows, read from the database with a streaming cursor), one GX validation per batch; the
results of all batches are merged: a check succeeds when it succeeds on every batch, its
unexpected count is the sum, its examples the first ten unexpected rows. When a check needs
every row of a key together (uniqueness), the batches are cut only between keys.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cs_metrics.validate.checks import Check
from cs_metrics.validate.results import MAX_EXAMPLES, json_value

os.environ["GX_ANALYTICS_ENABLED"] = "false"  # before GX is imported: never send analytics

import great_expectations as gx
from great_expectations.data_context.types.base import ProgressBarsConfig

_SEVERITY = {"error": "critical", "warning": "warning"}


@dataclass
class Outcome:
    """What a check found over all batches of its table."""

    check: Check
    success: bool = True
    unexpected_count: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)
    observed_value: Any = None
    exception: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)


def expectation(check: Check) -> Any:
    """The GX expectation object of a check (level in meta and as GX severity)."""
    cls = getattr(gx.expectations, check.expectation)
    return cls(
        **check.kwargs,
        meta={"rule": check.rule, "level": check.level},
        severity=_SEVERITY[check.level],
        description=check.description,
    )


class Runner:
    """An ephemeral GX context with one pandas data source; validates batches of a suite."""

    def __init__(self) -> None:
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(
            globally=False, metric_calculations=False
        )
        self._source = self.context.data_sources.add_pandas("cs_metrics")
        self._definitions: dict[str, Any] = {}

    def _definition(self, name: str) -> Any:
        if name not in self._definitions:
            asset = self._source.add_dataframe_asset(name=name)
            self._definitions[name] = asset.add_batch_definition_whole_dataframe(name)
        return self._definitions[name]

    def run(
        self,
        suite_name: str,
        checks: list[Check],
        batches: Iterable[pd.DataFrame],
        *,
        example_columns: tuple[str, ...] = (),
    ) -> list[Outcome]:
        """Validate every batch with the checks; one merged Outcome per check."""
        outcomes = {check.rule: Outcome(check) for check in checks}
        if not checks:
            return []
        gx_suite = gx.ExpectationSuite(
            name=suite_name, expectations=[expectation(check) for check in checks]
        )
        definition = self._definition(suite_name)
        for frame in batches:
            batch = definition.get_batch(batch_parameters={"dataframe": frame})
            result = batch.validate(
                gx_suite,
                result_format={
                    "result_format": "SUMMARY",
                    "partial_unexpected_count": MAX_EXAMPLES,
                },
            )
            for item in result.results:
                outcome = outcomes[item.expectation_config.meta["rule"]]
                _merge(outcome, item, frame, example_columns)
        return [outcomes[check.rule] for check in checks]


def _exception(item: Any) -> str | None:
    info = item.exception_info or {}
    candidates = [info] + [v for v in info.values() if isinstance(v, dict)]
    for candidate in candidates:
        if candidate.get("raised_exception"):
            return str(candidate.get("exception_message") or "exception in Great Expectations")
    return None


def _merge(outcome: Outcome, item: Any, frame: pd.DataFrame, key: tuple[str, ...]) -> None:
    if not outcome.kwargs:
        outcome.kwargs = {
            k: v for k, v in item.expectation_config.kwargs.items() if k != "batch_id"
        }
    error = _exception(item)
    if error:
        outcome.success = False
        outcome.exception = error
        return
    outcome.success = outcome.success and bool(item.success)
    result = item.result or {}
    if "observed_value" in result:
        outcome.observed_value = result["observed_value"]
    outcome.unexpected_count += int(result.get("unexpected_count") or 0)
    room = MAX_EXAMPLES - len(outcome.examples)
    indexes = result.get("partial_unexpected_index_list") or []
    if room > 0 and indexes:
        columns = [c for c in dict.fromkeys([*key, *outcome.check.columns]) if c in frame]
        for index in indexes[:room]:
            if isinstance(index, dict):  # GX gives dicts when index columns are named
                outcome.examples.append({c: json_value(index.get(c)) for c in columns})
            else:
                row = frame.loc[index]
                outcome.examples.append({c: json_value(row[c]) for c in columns})
    elif room > 0 and not item.success:
        for value in (result.get("partial_unexpected_list") or [])[:room]:
            outcome.examples.append({"value": json_value(value)})


def key_aligned(frames: Iterable[pd.DataFrame], key: tuple[str, ...]) -> Iterator[pd.DataFrame]:
    """Re-cut batches ordered by `key` so that rows sharing a key are in one batch.

    Each batch is cut after its last complete key; the rest is carried into the next one.
    """
    carry: pd.DataFrame | None = None
    for frame in frames:
        if carry is not None and len(carry):
            frame = pd.concat([carry, frame], ignore_index=True)
        carry = None
        if not key or len(frame) == 0:
            yield frame
            continue
        keys = frame[list(key)]
        last = keys.iloc[-1]
        same = ((keys == last) | (keys.isna() & last.isna().to_numpy())).all(axis=1)
        # the rows sharing the last key (contiguous at the end) may continue in the next batch
        different = np.flatnonzero(~same.to_numpy())
        tail_start = int(different[-1]) + 1 if len(different) else 0
        if tail_start == 0:
            carry = frame
            continue
        yield frame.iloc[:tail_start].reset_index(drop=True)
        carry = frame.iloc[tail_start:].reset_index(drop=True)
    if carry is not None and len(carry):
        yield carry
