"""The batch helpers of `cs-metrics validate`: key-aligned batches and JSON values.

(`validate --marts` reads dbt's tests: tests/integration/test_validate_marts.py.)
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from cs_metrics.validate.results import json_value
from cs_metrics.validate.runner import key_aligned

D = dt.date


def test_key_aligned_batches_keep_each_key_together() -> None:
    frames = [
        pd.DataFrame({"k": ["a", "b", "b"], "v": [1, 2, 3]}),
        pd.DataFrame({"k": ["b", "b", "c"], "v": [4, 5, 6]}),
        pd.DataFrame({"k": ["c", "d"], "v": [7, 8]}),
    ]
    batches = [list(f["k"]) for f in key_aligned(frames, ("k",))]
    assert batches == [["a"], ["b", "b", "b", "b"], ["c", "c"], ["d"]]
    assert sum(len(b) for b in batches) == 8


def test_json_values() -> None:
    assert json_value(float("nan")) is None
    assert json_value(pd.NaT) is None
    assert json_value(3.0) == 3
    assert json_value(pd.Timestamp("2024-01-02 03:04:05")) == "2024-01-02T03:04:05"
    assert json_value(D(2024, 1, 2)) == "2024-01-02"
    assert json_value((1.5, None)) == [1.5, None]
