"""`cs-metrics validate`: each rule of the raw suites on tiny hand-made Parquet files.

Every test starts from a small raw directory that follows the contract, breaks one rule and
checks the exit code and that exactly the expected expectation failed (in the results JSON).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import SMALL_AS_OF
from cs_metrics import contract
from cs_metrics.cli import main
from cs_metrics.validate.raw import validate_raw
from cs_metrics.validate.sources import ParquetSource

AS_OF = "2025-06-30"
T = dt.datetime


def _ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


# One valid row (or two) per table; every reference resolves.
ROWS: dict[str, list[dict[str, Any]]] = {
    "crm.accounts": [
        {
            "account_id": "acc_1",
            "account_name": "Acme",
            "parent_account_id": None,
            "industry": "Software",
            "region": "EMEA",
            "country_code": "DE",
            "employee_count": 120,
            "acquisition_channel": "inbound",
            "csm_owner_id": "u_1",
            "created_at": _ts("2024-01-01 09:00"),
            "updated_at": _ts("2024-02-01 09:00"),
            "is_deleted": False,
            "_loaded_at": _ts("2024-02-02 00:00"),
        }
    ],
    "crm.users": [
        {
            "user_id": "u_1",
            "full_name": "Dana Diaz",
            "email": "dana@example.com",
            "role": "csm",
            "team": "EMEA",
            "is_active": True,
        }
    ],
    "crm.contacts": [
        {
            "contact_id": "c_1",
            "account_id": "acc_1",
            "full_name": "Sam Lee",
            "email": "sam@example.com",
            "title": "CTO",
            "is_decision_maker": True,
            "created_at": _ts("2024-01-02 10:00"),
        }
    ],
    "crm.opportunities": [
        {
            "opportunity_id": "o_1",
            "account_id": "acc_1",
            "opportunity_type": "new_business",
            "stage": "closed_won",
            "amount": Decimal("6000"),
            "currency": "EUR",
            "created_at": _ts("2023-12-01 10:00"),
            "close_date": dt.date(2023, 12, 20),
            "owner_id": "u_1",
        }
    ],
    "crm.activities": [
        {
            "activity_id": "a_1",
            "account_id": "acc_1",
            "owner_id": "u_1",
            "activity_type": "qbr",
            "occurred_at": _ts("2024-03-01 15:00"),
        }
    ],
    "crm.nps_responses": [
        {
            "response_id": "r_1",
            "account_id": "acc_1",
            "contact_id": "c_1",
            "score": 9,
            "responded_at": _ts("2024-03-05 08:00"),
            "comment": None,
        }
    ],
    "billing.customers": [
        {
            "customer_id": "cus_1",
            "account_id": "acc_1",
            "currency": "EUR",
            "created_at": _ts("2024-01-01 09:30"),
        }
    ],
    "billing.plans": [
        {
            "plan_id": "p_1",
            "product_name": "Pro",
            "billing_interval": "month",
            "interval_count": 1,
            "unit_amount": Decimal("50"),
            "currency": "EUR",
            "is_per_seat": True,
        }
    ],
    "billing.subscriptions": [
        {
            "subscription_id": "s_1",
            "customer_id": "cus_1",
            "status": "active",
            "created_at": _ts("2024-01-01 09:30"),
            "started_at": _ts("2024-01-01 09:30"),
            "trial_end_at": None,
            "term_months": 12,
            "canceled_at": None,
            "cancel_at": None,
            "ended_at": None,
        }
    ],
    "billing.subscription_items": [
        {
            "subscription_item_id": "si_1",
            "subscription_id": "s_1",
            "plan_id": "p_1",
            "quantity": 5,
            "unit_amount": None,
            "discount_percent": Decimal("10"),
            "valid_from": _ts("2024-01-01 09:30"),
            "valid_to": _ts("2024-06-01 00:00"),
        },
        {
            "subscription_item_id": "si_1",
            "subscription_id": "s_1",
            "plan_id": "p_1",
            "quantity": 7,
            "unit_amount": None,
            "discount_percent": None,
            "valid_from": _ts("2024-06-01 00:00"),
            "valid_to": None,
        },
    ],
    "billing.invoices": [
        {
            "invoice_id": "in_1",
            "customer_id": "cus_1",
            "subscription_id": "s_1",
            "status": "paid",
            "currency": "EUR",
            "issued_at": _ts("2024-01-01 10:00"),
            "due_at": _ts("2024-01-31 10:00"),
            "paid_at": _ts("2024-01-05 12:00"),
            "subtotal": Decimal("225"),
            "tax": Decimal("42.75"),
            "total": Decimal("267.75"),
            "amount_paid": Decimal("267.75"),
        }
    ],
    "billing.invoice_lines": [
        {
            "invoice_line_id": "il_1",
            "invoice_id": "in_1",
            "subscription_id": "s_1",
            "plan_id": "p_1",
            "line_type": "subscription",
            "quantity": 5,
            "amount": Decimal("225"),
            "period_start": dt.date(2024, 1, 1),
            "period_end": dt.date(2024, 2, 1),
        }
    ],
    "finance.fx_rates": [
        {"rate_date": dt.date(2024, 1, 1), "currency": "EUR", "rate_to_reporting": Decimal("1.1")}
    ],
    "product.events": [
        {
            "event_id": "e_1",
            "account_id": "acc_1",
            "user_id": "usr_1",
            "event_name": "report_created",
            "occurred_at": _ts("2024-03-01 12:00"),
            "_loaded_at": _ts("2024-03-01 12:05"),
        },
        {
            "event_id": "e_2",
            "account_id": "acc_1",
            "user_id": "usr_2",
            "event_name": "dashboard_viewed",
            "occurred_at": _ts("2025-06-30 23:59"),
            "_loaded_at": _ts("2025-06-30 23:59"),
        },
    ],
    "support.tickets": [
        {
            "ticket_id": "t_1",
            "account_id": "acc_1",
            "opened_at": _ts("2024-03-01 09:00"),
            "first_response_at": _ts("2024-03-01 09:40"),
            "solved_at": _ts("2024-03-02 11:00"),
            "priority": "high",
            "status": "solved",
            "csat_score": 5,
        }
    ],
}


def _path(raw_dir: Path, key: str) -> Path:
    source, name = key.split(".")
    return raw_dir / source / f"{name}.parquet"


def _write(raw_dir: Path, key: str, rows: list[dict[str, Any]], schema: pa.Schema | None = None):
    source, name = key.split(".")
    path = _path(raw_dir, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    schema = schema or contract.table(source, name).schema
    schema = pa.schema([field.with_nullable(True) for field in schema])  # nulls are data here
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)


def _add(raw_dir: Path, key: str, **changes: Any) -> None:
    """Append a copy of the table's first row with some values changed."""
    _write(raw_dir, key, [*ROWS[key], {**ROWS[key][0], **changes}])


@pytest.fixture()
def raw_dir(tmp_path: Path) -> Path:
    out = tmp_path / "raw"
    for key, rows in ROWS.items():
        _write(out, key, rows)
    return out


def _validate(raw_dir: Path, *args: str, tables: tuple[str, ...] = ()) -> tuple[int, dict]:
    """Run the command (on some tables only, to keep tests fast); exit code and results."""
    out = raw_dir.parent / "results.json"
    selection = [arg for table in tables for arg in ("--table", table)]
    code = main(["validate", str(raw_dir), "--as-of", AS_OF, "--out", str(out), *selection, *args])
    return code, json.loads(out.read_text())


def _failed(results: dict) -> list[tuple[str, str, str]]:
    return sorted(
        (r["table"], r["rule"], r["level"]) for r in results["results"] if not r["success"]
    )


def _only(results: dict, table: str, rule: str) -> dict:
    [record] = [r for r in results["results"] if r["table"] == table and r["rule"] == rule]
    return record


def test_valid_data_passes_and_results_follow_their_schema(
    raw_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, results = _validate(raw_dir)
    assert code == 0
    assert _failed(results) == []
    assert results["summary"]["success"] is True
    assert results["summary"]["tables"] == len(contract.TABLES)
    assert results["skipped"] == results["problems"] == []
    assert "validation passed" in capsys.readouterr().out
    assert results["schema_version"] == 1
    assert results["kind"] == "raw"
    assert results["run"]["as_of_date"] == AS_OF
    contract_inputs = {"billing": "contract", "crm": "contract", "support": "contract"}
    assert results["run"]["source"] == {
        "kind": "parquet",
        "path": str(raw_dir),
        "presets": {**contract_inputs, "events": "contract"},
    }
    record = _only(results, "billing.invoices", "paid_at.not_before_issued_at")
    assert set(record) == {
        "suite",
        "table",
        "rule",
        "description",
        "expectation_type",
        "kwargs",
        "level",
        "success",
        "element_count",
        "unexpected_count",
        "unexpected_percent",
        "observed_value",
        "examples",
        "message",
    }
    assert record["suite"] == "raw.billing.invoices"
    assert record["expectation_type"] == "expect_column_pair_values_a_to_be_greater_than_b"
    assert record["kwargs"]["column_A"] == "paid_at"
    assert record["element_count"] == 1
    assert record["unexpected_count"] == 0
    suites = {r["suite"] for r in results["results"]}
    assert suites == {f"raw.{t.key}" for t in contract.TABLES}


@pytest.mark.parametrize(
    ("table", "changes", "rule", "expectation"),
    [
        (  # a second version of si_1 overlapping the first one
            "billing.subscription_items",
            {"valid_from": T(2024, 3, 1), "valid_to": T(2024, 4, 1)},
            "versions.no_overlap",
            "expect_column_pair_values_a_to_be_greater_than_b",
        ),
        (  # a reversed interval (of another item)
            "billing.subscription_items",
            {
                "subscription_item_id": "si_2",
                "valid_from": T(2024, 5, 1),
                "valid_to": T(2024, 4, 1),
            },
            "valid_to.after_valid_from",
            "expect_column_pair_values_a_to_be_greater_than_b",
        ),
        (
            "finance.fx_rates",
            {"currency": "USD", "rate_to_reporting": Decimal("-1.2")},
            "rate_to_reporting.range",
            "expect_column_values_to_be_between",
        ),
        (  # the day after the as-of date
            "product.events",
            {"event_id": "e_9", "occurred_at": T(2025, 7, 1, 0, 0, 1)},
            "occurred_at.not_after_as_of",
            "expect_column_values_to_be_between",
        ),
        (
            "support.tickets",
            {"ticket_id": "t_2", "first_response_at": T(2024, 3, 1, 8, 59)},
            "first_response_at.not_before_opened_at",
            "expect_column_pair_values_a_to_be_greater_than_b",
        ),
        (
            "billing.invoices",
            {"invoice_id": "in_2", "paid_at": T(2023, 12, 31)},
            "paid_at.not_before_issued_at",
            "expect_column_pair_values_a_to_be_greater_than_b",
        ),
        (
            "billing.customers",
            # any case is fine (staging upper-cases codes); three letters are not optional
            {"customer_id": "cus_2", "currency": "eu1"},
            "currency.code_format",
            "expect_column_values_to_match_regex",
        ),
        (
            "crm.accounts",
            {"account_id": "acc_2", "country_code": "DEU"},
            "country_code.code_format",
            "expect_column_values_to_match_regex",
        ),
        (
            "billing.plans",
            {"plan_id": "p_2", "billing_interval": "week"},
            "billing_interval.in_set",
            "expect_column_values_to_be_in_set",
        ),
        (
            "billing.subscriptions",
            {"subscription_id": "s_2", "status": "Active"},
            "status.in_set",
            "expect_column_values_to_be_in_set",
        ),
        (
            "billing.plans",
            {"plan_id": "p_2", "interval_count": 0},
            "interval_count.range",
            "expect_column_values_to_be_between",
        ),
        (
            "billing.subscription_items",
            {"subscription_item_id": "si_2", "discount_percent": Decimal("120")},
            "discount_percent.range",
            "expect_column_values_to_be_between",
        ),
        (
            "billing.subscription_items",
            {"subscription_item_id": "si_2", "quantity": -1},
            "quantity.range",
            "expect_column_values_to_be_between",
        ),
        (
            "support.tickets",
            {"ticket_id": "t_2", "csat_score": 6},
            "csat_score.range",
            "expect_column_values_to_be_between",
        ),
        (  # the same invoice twice
            "billing.invoices",
            {},
            "invoice_id.unique",
            "expect_column_values_to_be_unique",
        ),
        (  # the same rate twice
            "finance.fx_rates",
            {"rate_to_reporting": Decimal("1.2")},
            "currency+rate_date.unique",
            "expect_compound_columns_to_be_unique",
        ),
        (
            "billing.invoice_lines",
            {"invoice_line_id": "il_2", "invoice_id": None},
            "invoice_id.not_null",
            "expect_column_values_to_not_be_null",
        ),
    ],
)
def test_a_broken_rule_is_an_error(
    raw_dir: Path, table: str, changes: dict, rule: str, expectation: str
) -> None:
    _add(raw_dir, table, **changes)
    code, results = _validate(raw_dir, tables=(table,))
    assert code == 1
    assert results["summary"]["success"] is False
    assert _failed(results) == [(table, rule, "error")]
    record = _only(results, table, rule)
    assert record["expectation_type"] == expectation
    assert record["unexpected_count"] >= 1
    assert record["examples"]
    assert record["message"].startswith(f"{table}: ")


def test_examples_name_the_row(raw_dir: Path) -> None:
    _add(raw_dir, "billing.invoices", invoice_id="in_2", paid_at=T(2023, 12, 31))
    _, results = _validate(raw_dir, tables=("billing.invoices",))
    record = _only(results, "billing.invoices", "paid_at.not_before_issued_at")
    assert record["unexpected_count"] == 1
    assert record["element_count"] == 2
    assert record["examples"] == [
        {"invoice_id": "in_2", "issued_at": "2024-01-01T10:00:00", "paid_at": "2023-12-31T00:00:00"}
    ]
    assert record["message"] == (
        "billing.invoices: 1 of 2 rows break: paid_at is not before issued_at."
    )


@pytest.mark.parametrize(
    ("table", "changes", "rule"),
    [
        ("product.events", {"occurred_at": T(2024, 3, 1, 12, 0)}, "event_id.delivered_once"),
        ("support.tickets", {"ticket_id": "t_2", "priority": "URGENT"}, "priority.in_set"),
        ("crm.nps_responses", {"response_id": "r_2", "score": 11}, "score.range"),
        (
            "billing.subscription_items",
            {"subscription_item_id": "si_2", "plan_id": "p_missing"},
            "plan_id.references",
        ),
        (
            "billing.subscriptions",
            {"subscription_id": "s_2", "customer_id": "cus_x"},
            "customer_id.references",
        ),
    ],
)
def test_a_warning_never_fails(raw_dir: Path, table: str, changes: dict, rule: str) -> None:
    _add(raw_dir, table, **changes)
    parents = {
        "billing.subscription_items": ("billing.plans",),
        "billing.subscriptions": ("billing.customers",),
    }
    code, results = _validate(raw_dir, tables=(table, *parents.get(table, ())))
    assert code == 0
    assert _failed(results) == [(table, rule, "warning")]
    assert results["summary"]["failed_warnings"] == 1


def test_event_copies_with_conflicting_times_are_a_second_warning(raw_dir: Path) -> None:
    _add(raw_dir, "product.events", occurred_at=T(2024, 3, 2, 12, 0))
    code, results = _validate(raw_dir, tables=("product.events",))
    assert code == 0
    assert _failed(results) == [
        ("product.events", "event_id.copies_agree", "warning"),
        ("product.events", "event_id.delivered_once", "warning"),
    ]
    record = _only(results, "product.events", "event_id.copies_agree")
    assert record["unexpected_count"] == 2
    assert {e["event_id"] for e in record["examples"]} == {"e_1"}


def test_missing_column_names_table_and_column(
    raw_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = contract.table("billing", "plans").schema
    rows = [{k: v for k, v in ROWS["billing.plans"][0].items() if k != "unit_amount"}]
    _write(raw_dir, "billing.plans", rows, schema.remove(schema.get_field_index("unit_amount")))
    code, results = _validate(raw_dir, tables=("billing.plans", "billing.subscription_items"))
    assert code == 1
    assert _failed(results) == [("billing.plans", "columns.required_present", "error")]
    record = _only(results, "billing.plans", "columns.required_present")
    assert record["examples"] == [{"column": "unit_amount"}]
    err = capsys.readouterr().err
    assert "billing.plans: missing required column(s): unit_amount" in err
    # its rows are not read; references to it are skipped, not failed
    skipped = {s["table"] for s in results["skipped"]}
    assert {"billing.plans", "billing.subscription_items"} <= skipped


def test_missing_table_is_an_error(raw_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _path(raw_dir, "support.tickets").unlink()
    code, results = _validate(raw_dir, tables=("support.tickets", "crm.users"))
    assert code == 1
    assert _failed(results) == [("support.tickets", "columns.required_present", "error")]
    assert "support.tickets: file not found" in capsys.readouterr().err


def test_text_timestamp_names_table_column_type_and_accepted_types(
    raw_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = contract.table("support", "tickets").schema
    schema = schema.set(schema.get_field_index("opened_at"), pa.field("opened_at", pa.string()))
    rows = [{**ROWS["support.tickets"][0], "opened_at": "2024-03-01 09:00:00"}]
    _write(raw_dir, "support.tickets", rows, schema)
    code, results = _validate(raw_dir, tables=("support.tickets",))
    assert code == 1
    assert _failed(results) == [("support.tickets", "columns.types", "error")]
    assert _only(results, "support.tickets", "columns.types")["examples"] == [
        {"column": "opened_at", "type": "string", "family": "text"}
    ]
    err = capsys.readouterr().err
    assert "support.tickets: column opened_at has type string; expected timestamp:" in err
    assert "timestamp[unit, tz=...] with a time zone" in err


def test_integer_timestamp_is_an_error(raw_dir: Path) -> None:
    schema = contract.table("product", "events").schema
    schema = schema.set(schema.get_field_index("occurred_at"), pa.field("occurred_at", pa.int64()))
    rows = [{**r, "occurred_at": 1_700_000_000} for r in ROWS["product.events"]]
    _write(raw_dir, "product.events", rows, schema)
    code, results = _validate(raw_dir, tables=("product.events",))
    assert code == 1
    assert _failed(results) == [("product.events", "columns.types", "error")]


def test_timestamps_with_a_time_zone_are_read_as_their_utc_instant(raw_dir: Path) -> None:
    schema = contract.table("product", "events").schema
    zoned = pa.timestamp("us", tz="Europe/Paris")
    schema = schema.set(schema.get_field_index("occurred_at"), pa.field("occurred_at", zoned))
    rows = [
        # 2025-07-01 01:30 in Paris is 2025-06-30 23:30 UTC: not after the as-of date
        {**ROWS["product.events"][0], "occurred_at": T(2025, 6, 30, 23, 30, tzinfo=dt.UTC)},
    ]
    _write(raw_dir, "product.events", rows, schema)
    code, results = _validate(raw_dir, tables=("product.events",))
    assert code == 0, _failed(results)
    # one hour later it is after the as-of date
    rows.append({**rows[0], "event_id": "e_9", "occurred_at": T(2025, 7, 1, 0, 30, tzinfo=dt.UTC)})
    _write(raw_dir, "product.events", rows, schema)
    code, results = _validate(raw_dir, tables=("product.events",))
    assert code == 1
    assert _failed(results) == [("product.events", "occurred_at.not_after_as_of", "error")]
    [example] = _only(results, "product.events", "occurred_at.not_after_as_of")["examples"]
    assert example["occurred_at"] == "2025-07-01T00:30:00"


def test_as_of_option_moves_the_bound(raw_dir: Path) -> None:
    out = raw_dir.parent / "early.json"
    code = main(
        [
            *("validate", str(raw_dir), "--as-of", "2025-06-29", "--out", str(out)),
            *("--table", "product.events", "--table", "support.tickets"),
        ]
    )
    results = json.loads(out.read_text())
    assert code == 1
    assert _failed(results) == [
        ("product.events", "_loaded_at.not_after_as_of", "warning"),
        ("product.events", "occurred_at.not_after_as_of", "error"),
    ]


def test_optional_column_may_be_absent(raw_dir: Path) -> None:
    schema = contract.table("product", "events").schema
    schema = schema.remove(schema.get_field_index("_loaded_at"))
    rows = [{k: v for k, v in r.items() if k != "_loaded_at"} for r in ROWS["product.events"]]
    _write(raw_dir, "product.events", rows, schema)
    code, results = _validate(raw_dir, tables=("product.events",))
    assert code == 0
    assert not [r for r in results["results"] if "_loaded_at" in r["rule"]]


def test_other_physical_types_of_a_family_are_accepted(raw_dir: Path) -> None:
    rows = [{**ROWS["billing.plans"][0], "unit_amount": 50.0, "interval_count": 1}]
    schema = pa.schema(
        [
            pa.field("plan_id", pa.large_string()),
            pa.field("product_name", pa.string()),
            pa.field("billing_interval", pa.dictionary(pa.int32(), pa.string())),
            pa.field("interval_count", pa.int32()),
            pa.field("unit_amount", pa.float64()),
            pa.field("currency", pa.string()),
            pa.field("is_per_seat", pa.bool_()),
        ]
    )
    _write(raw_dir, "billing.plans", rows, schema)
    code, results = _validate(raw_dir, tables=("billing.plans",))
    assert code == 0, _failed(results)


def test_uniqueness_holds_across_batches(raw_dir: Path) -> None:
    """Copies of a key land in one batch even when batches are tiny."""
    rows = [{**ROWS["billing.invoices"][0], "invoice_id": f"in_{i}"} for i in (1, 2, 3, 4, 4, 5, 6)]
    _write(raw_dir, "billing.invoices", rows)
    code, results = _validate(raw_dir, "--chunk-rows", "1", tables=("billing.invoices",))
    assert code == 1
    record = _only(results, "billing.invoices", "invoice_id.unique")
    assert record["unexpected_count"] == 2
    assert [e["invoice_id"] for e in record["examples"]] == ["in_4", "in_4"]


def test_candidate_rows_give_the_same_results_as_every_row(raw_dir: Path) -> None:
    """The database's pre-filter never hides a row an expectation would find."""
    _add(raw_dir, "billing.invoices", invoice_id="in_2", paid_at=T(2023, 12, 31), currency="E")
    _add(raw_dir, "billing.subscription_items", valid_from=T(2024, 3, 1), valid_to=T(2024, 4, 1))
    _add(raw_dir, "product.events", occurred_at=T(2025, 8, 1))
    _add(raw_dir, "support.tickets", priority="p2", first_response_at=T(2024, 2, 1))

    broken = ("billing.invoices", "billing.subscription_items", "product.events", "support.tickets")

    def outcome(prefilter: bool) -> list[tuple]:
        source = ParquetSource(raw_dir)
        try:
            report = validate_raw(
                source,
                as_of=dt.date.fromisoformat(AS_OF),
                prefilter=prefilter,
                chunk_rows=2,
                tables=tuple(contract.BY_KEY[key] for key in broken),
            )
        finally:
            source.close()
        return [(r.table, r.rule, r.success, r.unexpected_count) for r in report.records]

    filtered = outcome(True)
    assert filtered == outcome(False)
    assert sorted((table, rule) for table, rule, success, _ in filtered if not success) == [
        ("billing.invoices", "currency.code_format"),
        ("billing.invoices", "paid_at.not_before_issued_at"),
        ("billing.subscription_items", "versions.no_overlap"),
        ("product.events", "event_id.copies_agree"),
        ("product.events", "event_id.delivered_once"),
        ("product.events", "occurred_at.not_after_as_of"),
        ("support.tickets", "first_response_at.not_before_opened_at"),
        ("support.tickets", "priority.in_set"),
        ("support.tickets", "ticket_id.unique"),
    ]


def test_only_some_tables(raw_dir: Path) -> None:
    code, results = _validate(raw_dir, tables=("billing.invoices",))
    assert code == 0
    assert {r["table"] for r in results["results"]} == {"billing.invoices"}
    # the reference to billing.customers cannot be followed without that table
    assert results["skipped"] == [
        {
            "table": "billing.invoices",
            "reason": "customer_id.references: billing.customers cannot be read",
        }
    ]


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nowhere")]) == 1
    assert "directory not found" in capsys.readouterr().err
    assert main(["validate"]) == 1
    assert "give DIR" in capsys.readouterr().err
    assert main(["validate", str(tmp_path), "--table", "crm.nope"]) == 1
    assert "unknown table(s) crm.nope" in capsys.readouterr().err


def test_demo_data_has_no_error(small_raw_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "demo.json"
    code = main(["validate", str(small_raw_dir), "--as-of", SMALL_AS_OF, "--out", str(out)])
    results = json.loads(out.read_text())
    assert code == 0
    assert results["summary"]["failed_errors"] == 0
    # the generator's deliberate flaws are warnings
    warned = {r["rule"] for r in results["results"] if not r["success"]}
    assert "event_id.delivered_once" in warned


def test_rows_the_database_cannot_read_are_reported(
    raw_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = contract.table("billing", "plans").schema
    schema = schema.set(
        schema.get_field_index("interval_count"), pa.field("interval_count", pa.uint64())
    )
    rows = [{**ROWS["billing.plans"][0], "interval_count": 2**64 - 1}]  # beyond bigint
    _write(raw_dir, "billing.plans", rows, schema)
    code, results = _validate(raw_dir, tables=("billing.plans",))
    assert code == 1
    assert results["problems"][0].startswith("billing.plans: the database could not check its rows")
    assert "billing.plans: the database could not check its rows" in capsys.readouterr().err


# ---------------------------------------------------------------------------- lossless types
def _with_types(key: str, **types: pa.DataType) -> pa.Schema:
    source, name = key.split(".")
    schema = contract.table(source, name).schema
    for column, data_type in types.items():
        schema = schema.set(schema.get_field_index(column), pa.field(column, data_type))
    return schema


def test_lossless_types_and_codes_in_any_case_are_accepted(raw_dir: Path) -> None:
    """A timestamp for a date (its UTC date), a whole-number float or decimal for an integer,
    an integer for a decimal, lower-case codes."""
    rates = [{**ROWS["finance.fx_rates"][0], "rate_date": T(2024, 1, 1, 23, 30, tzinfo=dt.UTC)}]
    _write(
        raw_dir, "finance.fx_rates", rates,
        _with_types("finance.fx_rates", rate_date=pa.timestamp("us", tz="Asia/Kolkata")),
    )  # fmt: skip
    plans = [{**ROWS["billing.plans"][0], "interval_count": 12.0, "unit_amount": 50}]
    _write(
        raw_dir, "billing.plans", plans,
        _with_types("billing.plans", interval_count=pa.float64(), unit_amount=pa.int64()),
    )  # fmt: skip
    items = [
        {**row, "quantity": Decimal(row["quantity"])} for row in ROWS["billing.subscription_items"]
    ]
    _write(
        raw_dir, "billing.subscription_items", items,
        _with_types("billing.subscription_items", quantity=pa.decimal128(12, 2)),
    )  # fmt: skip
    _write(raw_dir, "billing.customers", [{**ROWS["billing.customers"][0], "currency": "eur"}])
    tables = (
        "finance.fx_rates",
        "billing.plans",
        "billing.subscription_items",
        "billing.customers",
    )
    code, results = _validate(raw_dir, tables=tables)
    assert code == 0, (_failed(results), results["problems"])
    assert _failed(results) == []


@pytest.mark.parametrize("data_type", [pa.float64(), pa.decimal128(12, 2)])
def test_fractions_in_an_integer_column_name_table_column_and_rows(
    raw_dir: Path, capsys: pytest.CaptureFixture[str], data_type: pa.DataType
) -> None:
    plans = [
        {**ROWS["billing.plans"][0], "interval_count": Decimal("1")},
        {**ROWS["billing.plans"][0], "plan_id": "p_2", "interval_count": Decimal("2.5")},
    ]
    if pa.types.is_floating(data_type):
        plans = [{**row, "interval_count": float(row["interval_count"])} for row in plans]
    _write(raw_dir, "billing.plans", plans, _with_types("billing.plans", interval_count=data_type))
    code, results = _validate(raw_dir, tables=("billing.plans",))
    assert code == 1
    err = capsys.readouterr().err
    assert (
        f"billing.plans: column interval_count has type {data_type} holding 1 value(s) that are"
        " not whole numbers (plan_id=p_2 interval_count=2.5"
    ) in err
    assert "a fraction would be cut" in err
    assert results["skipped"] == [
        {
            "table": "billing.plans",
            "reason": "its columns do not follow the contract: fix them first",
        }
    ]


@pytest.mark.parametrize("data_type", [pa.string(), pa.int64(), pa.float64()])
def test_other_types_for_a_date_are_refused(raw_dir: Path, data_type: pa.DataType) -> None:
    rates = [{**ROWS["finance.fx_rates"][0], "rate_date": None}]
    _write(raw_dir, "finance.fx_rates", rates, _with_types("finance.fx_rates", rate_date=data_type))
    code, results = _validate(raw_dir, tables=("finance.fx_rates",))
    assert code == 1
    assert _failed(results) == [("finance.fx_rates", "columns.types", "error")]
