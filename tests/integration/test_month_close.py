"""Month close and restatements, end to end.

The small data set is built as of 2025-06-15: every month through May 2025 is closed (close
day 8) and stored. Then billing back-dates one subscription's cancellation into April 2025
(canceled on 2025-04-10, ended 2025-04-15) and the project is rebuilt with --full-refresh as
of 2025-06-20. Expected, computed from the two builds' account-months (not from the close
models' own SQL):

- the stored close is exactly what it was (full refresh keeps it; June is not closed yet);
- the current marts show the corrected history;
- fct_restatements lists, for April and May, the change of ending MRR and of the churned
  customers, equal to the account's MRR at the close, with the one changed account-month;
- fct_restatement_drivers names that account for April (MRR gone, flat -> churn) and May
  (MRR and starting base gone, flat -> inactive) and nothing else.
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from conftest import SMALL_AS_OF, run_dbt

pytestmark = pytest.mark.slow

SELECT = ["--select", "+path:models/marts/reports/close", "--indirect-selection", "cautious"]
LATER_AS_OF = "2025-06-20"
APRIL = dt.date(2025, 4, 1)
MAY = dt.date(2025, 5, 1)
CANCELED_AT = dt.datetime(2025, 4, 10, 9, 30)
ENDED_AT = dt.datetime(2025, 4, 15, 0, 0)


def _query(db_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _pick_subscription(raw_dir: Path, db_path: Path) -> tuple[str, str]:
    """A mapped account whose only subscription is live and unchanged from March to June 2025."""
    rows = _query(
        db_path,
        f"""
        with subscriptions as (
            select * from read_parquet('{raw_dir}/billing/subscriptions.parquet')
        ),
        customers as (
            select * from read_parquet('{raw_dir}/billing/customers.parquet')
        ),
        single as (
            select customers.account_id, min(subscriptions.subscription_id) as subscription_id
            from subscriptions
            inner join customers on subscriptions.customer_id = customers.customer_id
            where customers.account_id is not null
            group by customers.account_id
            having count(*) = 1
        ),
        steady as (
            select account_id
            from marts.fct_account_months
            where month_start between '2025-03-01' and '2025-05-01'
            group by account_id
            having count(*) = 3 and min(mrr) > 0 and min(movement_type) = 'flat'
                and max(movement_type) = 'flat'
        )
        select single.account_id, single.subscription_id
        from single
        inner join steady on single.account_id = steady.account_id
        order by single.account_id
        limit 1
        """,
    )
    assert rows, "the generated data has no steady single-subscription account"
    return rows[0]


def _back_date_cancellation(raw_dir: Path, subscription_id: str) -> None:
    path = raw_dir / "billing" / "subscriptions.parquet"
    table = pq.read_table(path)
    target = pc.equal(table["subscription_id"], subscription_id)

    def replaced(name: str, value: object) -> pa.ChunkedArray:
        column = table[name]
        scalar = pa.scalar(value, type=column.type)
        return pc.if_else(target, scalar, column)

    for name, value in (
        ("status", "canceled"),
        ("canceled_at", CANCELED_AT),
        ("cancel_at", ENDED_AT),
        ("ended_at", ENDED_AT),
    ):
        table = table.set_column(table.schema.get_field_index(name), name, replaced(name, value))
    pq.write_table(table, path)


@pytest.fixture(scope="module")
def close_scenario(small_raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("close")
    raw_dir = work / "raw"
    shutil.copytree(small_raw_dir, raw_dir)
    db_path = work / "close.duckdb"
    target = work / "target"

    run_dbt(
        ["build", *SELECT, "--exclude-resource-type", "unit_test"],
        db_path=db_path,
        target_path=target,
        vars_={"raw_data_dir": str(raw_dir), "as_of_date": SMALL_AS_OF},
    )
    closed_before = _query(db_path, "select * from marts.fct_closed_month_figures order by all")
    closed_accounts_before = _query(
        db_path, "select * from marts.fct_closed_account_months order by all"
    )
    restatements_before = _query(db_path, "select count(*) from marts.fct_restatements")[0][0]
    account_id, subscription_id = _pick_subscription(raw_dir, db_path)
    closed_mrr = dict(
        _query(
            db_path,
            "select month_start, mrr from marts.fct_closed_account_months"
            " where account_id = ? and month_start in (?, ?)",
            [account_id, APRIL, MAY],
        )
    )

    _back_date_cancellation(raw_dir, subscription_id)
    run_dbt(
        ["build", *SELECT, "--exclude-resource-type", "unit_test", "--full-refresh"],
        db_path=db_path,
        target_path=target,
        vars_={"raw_data_dir": str(raw_dir), "as_of_date": LATER_AS_OF},
    )
    return {
        "db": db_path,
        "account_id": account_id,
        "closed_mrr": closed_mrr,
        "closed_before": closed_before,
        "closed_accounts_before": closed_accounts_before,
        "restatements_before": restatements_before,
    }


def test_first_run_stores_every_closed_month_and_nothing_is_restated(close_scenario):
    months = sorted({row[0] for row in close_scenario["closed_before"]})
    assert months[-1] == MAY, "as of 2025-06-15 May is closed (8 June) and June is not"
    assert months[0] <= dt.date(2023, 1, 1)
    assert close_scenario["restatements_before"] == 0


def test_the_close_survives_a_full_refresh_unchanged(close_scenario):
    db_path = close_scenario["db"]
    after = _query(db_path, "select * from marts.fct_closed_month_figures order by all")
    accounts_after = _query(db_path, "select * from marts.fct_closed_account_months order by all")
    assert after == close_scenario["closed_before"]
    assert accounts_after == close_scenario["closed_accounts_before"]


def test_current_marts_show_the_back_dated_cancellation(close_scenario):
    rows = _query(
        close_scenario["db"],
        "select month_start, mrr, movement_type from marts.fct_account_months"
        " where account_id = ? and month_start in (?, ?) order by month_start",
        [close_scenario["account_id"], APRIL, MAY],
    )
    assert [(month, mrr) for month, mrr, _ in rows] == [(APRIL, 0), (MAY, 0)]
    assert rows[0][2] == "churn"


def test_restatements_list_the_changed_figures(close_scenario):
    db_path = close_scenario["db"]
    closed_mrr = close_scenario["closed_mrr"]
    rows = _query(
        db_path,
        "select month_start, figure, closed_value, current_value, difference,"
        " changed_account_months from marts.fct_restatements"
        " where segment_type = 'all' and figure in ('ending_mrr', 'churned_customers')"
        " order by month_start, figure",
    )
    by_key = {(month, figure): rest for month, figure, *rest in rows}

    closed, current, difference, changed = by_key[(APRIL, "ending_mrr")]
    assert difference == -closed_mrr[APRIL]
    assert current == closed - closed_mrr[APRIL]
    assert changed == 1
    assert by_key[(APRIL, "churned_customers")][2] == 1

    # in May the account is no longer live: one account-month less, its MRR gone
    assert by_key[(MAY, "ending_mrr")][2] == -closed_mrr[MAY]
    assert by_key[(MAY, "ending_mrr")][3] == 1
    assert (MAY, "churned_customers") not in by_key

    months = {row[0] for row in _query(db_path, "select month_start from marts.fct_restatements")}
    assert months == {APRIL, MAY}


def test_restatement_drivers_name_the_account(close_scenario):
    rows = _query(
        close_scenario["db"],
        "select account_id, month_start, changes, mrr_difference"
        " from marts.fct_restatement_drivers order by month_start",
    )
    account_id = close_scenario["account_id"]
    closed_mrr = close_scenario["closed_mrr"]
    assert rows == [
        (account_id, APRIL, "mrr movement", Decimal(-closed_mrr[APRIL])),
        (account_id, MAY, "mrr bases movement", Decimal(-closed_mrr[MAY])),
    ]
