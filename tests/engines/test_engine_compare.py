"""scripts/engines/compare.py on small hand-made frames: what counts as a difference."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from conftest import import_script

compare = import_script("scripts/engines/compare.py")
Mart, column_tolerance, compare_mart, discover_marts = (
    compare.Mart,
    compare.column_tolerance,
    compare.compare_mart,
    compare.discover_marts,
)

MART = Mart(
    name="fct_account_months",
    schema="marts",
    key=("account_id", "month_start"),
    columns=(
        ("account_id", "varchar"),
        ("month_start", "date"),
        ("mrr", "decimal(28,6)"),
        ("monthly_nrr", "decimal(20,10)"),
        ("tier", "varchar"),
        ("seats", "integer"),
    ),
)
JAN, FEB = dt.date(2025, 1, 1), dt.date(2025, 2, 1)


def _frame(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows)


def _row(account: str, month: dt.date, **values: object) -> dict:
    row = {
        "account_id": account,
        "month_start": month,
        "mrr": Decimal("100.000000"),
        "monthly_nrr": Decimal("0.9876543210"),
        "tier": "smb",
        "seats": 5,
    }
    row.update(values)
    return row


def test_identical_frames_have_no_difference() -> None:
    rows = [_row("a1", JAN), _row("a1", FEB), _row("a2", JAN, tier=None)]
    assert compare_mart(MART, _frame(rows), _frame(list(reversed(rows)))) == []


def test_a_differing_value_names_mart_key_and_column() -> None:
    expected = _frame([_row("a1", JAN), _row("a2", JAN)])
    actual = _frame([_row("a1", JAN), _row("a2", JAN, tier="mid_market")])
    [difference] = compare_mart(MART, expected, actual, "postgres")
    assert (difference.mart, difference.column) == ("fct_account_months", "tier")
    assert dict(difference.key) == {"account_id": "a2", "month_start": JAN}
    text = difference.describe("duckdb", "postgres")
    assert "fct_account_months" in text and "account_id=a2" in text and "tier" in text
    assert "duckdb='smb'" in text and "postgres='mid_market'" in text


def test_a_missing_row_and_an_extra_row_are_reported() -> None:
    expected = _frame([_row("a1", JAN), _row("a1", FEB)])
    actual = _frame([_row("a1", JAN), _row("a3", FEB)])
    problems = {
        (dict(d.key)["account_id"], d.problem)
        for d in compare_mart(MART, expected, actual, "spark")
    }
    assert problems == {("a1", "row missing on spark"), ("a3", "row only on spark")}


def test_a_null_on_one_side_only_is_a_null_mismatch() -> None:
    expected = _frame([_row("a1", JAN, mrr=Decimal("0.000000"))])
    actual = _frame([_row("a1", JAN, mrr=None)])
    [difference] = compare_mart(MART, expected, actual)
    assert difference.column == "mrr" and difference.problem == "null mismatch"


def test_nulls_on_both_sides_are_equal() -> None:
    rows = [_row("a1", JAN, mrr=None, monthly_nrr=None, tier=None, seats=None)]
    assert compare_mart(MART, _frame(rows), rows) == []


def test_money_is_equal_within_a_cent_and_different_beyond() -> None:
    expected = _frame([_row("a1", JAN), _row("a1", FEB)])
    actual = _frame(
        [
            _row("a1", JAN, mrr=Decimal("100.009999")),
            _row("a1", FEB, mrr=Decimal("100.010001")),
        ]
    )
    [difference] = compare_mart(MART, expected, actual)
    assert (dict(difference.key)["month_start"], difference.column) == (FEB, "mrr")


def test_ratios_are_equal_to_1e9_relative_or_the_last_stored_digit() -> None:
    close = _row("a1", JAN, monthly_nrr=Decimal("0.9876543211"))  # last digit apart
    far = _row("a1", FEB, monthly_nrr=Decimal("0.9876540000"))  # rounded to 6 decimals
    expected = _frame([_row("a1", JAN), _row("a1", FEB)])
    [difference] = compare_mart(MART, expected, _frame([close, far]))
    assert (dict(difference.key)["month_start"], difference.column) == (FEB, "monthly_nrr")


def test_integers_compare_exactly_across_python_types() -> None:
    expected = [_row("a1", JAN, seats=5)]
    assert compare_mart(MART, expected, [_row("a1", JAN, seats=Decimal(5))]) == []
    [difference] = compare_mart(MART, expected, [_row("a1", JAN, seats=6)])
    assert difference.column == "seats"


def test_duplicate_keys_are_reported() -> None:
    expected = _frame([_row("a1", JAN)])
    actual = _frame([_row("a1", JAN), _row("a1", JAN)])
    assert [d.problem for d in compare_mart(MART, expected, actual, "spark")] == [
        "duplicate key on spark"
    ]


@pytest.mark.parametrize(
    ("data_type", "kind"),
    [
        ("decimal(28,6)", "money"),
        ("numeric(18, 4)", "money"),
        ("decimal(20,10)", "ratio"),
        ("double", "ratio"),
        ("varchar", "exact"),
        ("bigint", "exact"),
        ("date", "exact"),
    ],
)
def test_column_kinds_follow_the_contract_type(data_type: str, kind: str) -> None:
    assert column_tolerance(data_type)[0] == kind


def test_marts_and_keys_come_from_the_manifest(tmp_path: Path) -> None:
    def model(name: str, access: str, **extra: object) -> dict:
        return {
            "resource_type": "model",
            "name": name,
            "alias": name,
            "schema": "marts",
            "access": access,
            "columns": {"account_id": {"data_type": "varchar"}},
            **extra,
        }

    def test(name: str, attached: str, kwargs: dict) -> dict:
        return {
            "resource_type": "test",
            "attached_node": attached,
            "test_metadata": {"name": name, "kwargs": kwargs},
        }

    nodes = {
        "model.p.fct_a": model("fct_a", "public"),
        "model.p.dim_b": model("dim_b", "public"),
        "model.p.fct_c": model("fct_c", "public", config={"meta": {"primary_key": ["x", "y"]}}),
        "model.p.int_d": model("int_d", "protected"),
        "test.p.1": test(
            "unique_combination_of_columns",
            "model.p.fct_a",
            {"combination_of_columns": ["account_id", "month_start"]},
        ),
        "test.p.2": test("unique", "model.p.dim_b", {"column_name": "account_id"}),
    }
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"nodes": nodes}))
    marts = {mart.name: mart.key for mart in discover_marts(manifest)}
    assert marts == {
        "dim_b": ("account_id",),
        "fct_a": ("account_id", "month_start"),
        "fct_c": ("x", "y"),
    }


def test_columns_marked_engine_compare_false_are_not_compared(tmp_path: Path) -> None:
    node = {
        "resource_type": "model",
        "name": "fct_closed",
        "alias": "fct_closed",
        "schema": "marts",
        "access": "public",
        "config": {"meta": {"primary_key": ["month_start"]}},
        "columns": {
            "month_start": {"data_type": "date"},
            "closed_value": {"data_type": "decimal(38,10)"},
            "closed_at": {"data_type": "timestamp", "meta": {"engine_compare": False}},
        },
    }
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"nodes": {"model.p.fct_closed": node}}))
    (mart,) = discover_marts(manifest)
    assert [name for name, _ in mart.columns] == ["month_start", "closed_value"]
    expected = [{"month_start": 1, "closed_value": 2, "closed_at": "09:00"}]
    actual = [{"month_start": 1, "closed_value": 2, "closed_at": "09:05"}]
    assert compare_mart(mart, expected, actual) == []


def test_connector_rows_come_from_the_layout_the_generator_names(tmp_path: Path) -> None:
    from cs_metrics.generate.fivetran.registry import CONVERTERS

    (tmp_path / ".cs_metrics_demo").write_text(
        json.dumps({"layout": "fivetran", "vars": {"billing_source": "stripe"}})
    )
    rows = compare.connector_rows(tmp_path)
    assert rows == set(CONVERTERS["stripe"].extra_rows()) and rows


def test_only_rows_only_on_the_engine_in_the_quality_mart_are_connector_rows() -> None:
    quality = Mart(
        "fct_data_quality_issues",
        "marts",
        ("source_table", "record_id", "issue_type"),
        (("source_table", "varchar"), ("record_id", "varchar"), ("issue_type", "varchar")),
    )
    listed = {"source_table": "stripe.customer", "record_id": "cus_t", "issue_type": "test_mode"}
    differences = compare_mart(quality, [], [listed], "postgres")
    differences += compare_mart(MART, [], [_row("a1", JAN)], "postgres")
    others, rows = compare.split_connector_rows(differences, "postgres")
    assert rows == {("stripe.customer", "cus_t", "test_mode")}
    assert [(d.mart, d.problem) for d in others] == [("fct_account_months", "row only on postgres")]
