"""validate_raw_dir: missing files, missing required columns and wrong types are reported."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cs_metrics import contract
from cs_metrics.validate.contract import type_family, validate_raw_dir


def _write(path: Path, schema: pa.Schema) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(schema.empty_table(), path)


@pytest.fixture()
def raw_dir(tmp_path: Path) -> Path:
    """A raw directory with every contract table present (empty) with its exact schema."""
    for table in contract.TABLES:
        _write(tmp_path / table.source / f"{table.name}.parquet", table.schema)
    return tmp_path


def _path(raw_dir: Path, source: str, name: str) -> Path:
    return raw_dir / source / f"{name}.parquet"


def test_complete_directory_has_no_problems(raw_dir: Path) -> None:
    assert validate_raw_dir(raw_dir) == []


def test_missing_directory_is_reported(tmp_path: Path) -> None:
    problems = validate_raw_dir(tmp_path / "nowhere")
    assert len(problems) == 1
    assert "directory not found" in problems[0]


def test_missing_file_names_table_and_path(raw_dir: Path) -> None:
    path = _path(raw_dir, "billing", "plans")
    path.unlink()
    problems = validate_raw_dir(raw_dir)
    assert len(problems) == 1
    assert "billing.plans" in problems[0]
    assert str(path) in problems[0]


def test_missing_required_column_names_table_and_column(raw_dir: Path) -> None:
    schema = contract.table("billing", "plans").schema
    _write(_path(raw_dir, "billing", "plans"), schema.remove(schema.get_field_index("unit_amount")))
    problems = validate_raw_dir(raw_dir)
    assert len(problems) == 1
    assert "billing.plans" in problems[0]
    assert "unit_amount" in problems[0]


def test_optional_column_may_be_absent(raw_dir: Path) -> None:
    for source, name in [("crm", "accounts"), ("product", "events")]:
        schema = contract.table(source, name).schema
        _write(_path(raw_dir, source, name), schema.remove(schema.get_field_index("_loaded_at")))
    assert validate_raw_dir(raw_dir) == []


def test_extra_columns_are_ignored(raw_dir: Path) -> None:
    schema = contract.table("support", "tickets").schema.append(pa.field("custom", pa.string()))
    _write(_path(raw_dir, "support", "tickets"), schema)
    assert validate_raw_dir(raw_dir) == []


def test_other_types_of_the_same_family_are_accepted(raw_dir: Path) -> None:
    schema = pa.schema(
        [
            pa.field("plan_id", pa.large_string()),
            pa.field("product_name", pa.string()),
            pa.field("billing_interval", pa.dictionary(pa.int32(), pa.string())),
            pa.field("interval_count", pa.int32()),
            pa.field("unit_amount", pa.float64()),  # money as a float is accepted
            pa.field("currency", pa.string()),
            pa.field("is_per_seat", pa.bool_()),
        ]
    )
    _write(_path(raw_dir, "billing", "plans"), schema)
    assert validate_raw_dir(raw_dir) == []


def test_wrong_type_family_is_reported(raw_dir: Path) -> None:
    schema = contract.table("crm", "nps_responses").schema
    index = schema.get_field_index("score")
    _write(
        _path(raw_dir, "crm", "nps_responses"), schema.set(index, pa.field("score", pa.string()))
    )
    problems = validate_raw_dir(raw_dir)
    assert len(problems) == 1
    assert "crm.nps_responses" in problems[0]
    assert "score" in problems[0]
    assert "integer" in problems[0]


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
@pytest.mark.parametrize("tz", [None, "UTC", "Europe/Paris"])
def test_timestamps_with_or_without_time_zone_are_accepted(
    raw_dir: Path, unit: str, tz: str | None
) -> None:
    schema = contract.table("support", "tickets").schema
    index = schema.get_field_index("opened_at")
    field = pa.field("opened_at", pa.timestamp(unit, tz=tz))
    _write(_path(raw_dir, "support", "tickets"), schema.set(index, field))
    assert validate_raw_dir(raw_dir) == []


@pytest.mark.parametrize("data_type", [pa.string(), pa.int64(), pa.date32(), pa.float64()])
def test_other_types_for_a_timestamp_name_table_column_type_and_accepted_types(
    raw_dir: Path, data_type: pa.DataType
) -> None:
    schema = contract.table("support", "tickets").schema
    index = schema.get_field_index("opened_at")
    _write(
        _path(raw_dir, "support", "tickets"), schema.set(index, pa.field("opened_at", data_type))
    )
    problems = validate_raw_dir(raw_dir)
    assert len(problems) == 1
    assert problems[0].startswith("support.tickets: column opened_at has type ")
    assert str(data_type) in problems[0]
    assert "timestamp[unit] without time zone" in problems[0]
    assert "timestamp[unit, tz=...] with a time zone" in problems[0]


def test_unreadable_file_is_reported(raw_dir: Path) -> None:
    _path(raw_dir, "finance", "fx_rates").write_text("rate_date,currency\n")
    problems = validate_raw_dir(raw_dir)
    assert len(problems) == 1
    assert "finance.fx_rates" in problems[0]


@pytest.mark.parametrize(
    ("data_type", "family"),
    [
        (pa.string(), "text"),
        (pa.int16(), "integer"),
        (pa.bool_(), "boolean"),
        (pa.timestamp("ns"), "timestamp"),
        (pa.date64(), "date"),
        (pa.decimal128(18, 4), "number"),
        (pa.list_(pa.string()), None),
    ],
)
def test_type_family(data_type: pa.DataType, family: str | None) -> None:
    assert type_family(data_type) == family
