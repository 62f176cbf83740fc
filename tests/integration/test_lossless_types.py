"""Types that convert without loss are accepted; the build gives the same numbers.

Connectors and pandas deliver a timestamp for a date column, a float holding whole numbers for
an integer, an integer for a decimal and codes in any case. A copy of the small data set
stores its columns that way (macros/check_raw_contract.sql raw_lossless_families, one rule each)
and every public mart must equal the clean build exactly:

- date columns as `timestamp with time zone` instants at 23:30 UTC of the original date, in
  Asia/Kolkata (05:00 the next day there): each is its UTC date, not its local one;
- integer columns as whole-number doubles or decimals;
- a decimal column holding whole numbers as an integer;
- currency and country codes in lower case.

What would lose information still stops the run: a fraction in an integer column
(tests/integration/test_bad_input.py CONTRACT_FAULTS), text in a date column (same).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from conftest import SMALL_AS_OF, import_script, run_dbt

pytestmark = pytest.mark.slow

ZONE = "Asia/Kolkata"
DATE_COLUMNS = {
    "billing/invoice_lines": ("period_start", "period_end"),
    "crm/opportunities": ("close_date",),
    "finance/fx_rates": ("rate_date",),
}
INTEGER_COLUMNS = {
    "billing/subscription_items": ("quantity", pa.float64()),
    "billing/subscriptions": ("term_months", pa.decimal128(38, 2)),
    "crm/nps_responses": ("score", pa.float64()),
    "billing/plans": ("interval_count", pa.float32()),
}
WHOLE_DECIMAL = "billing/subscription_items"  # unit_amount: whole major units
CODE_COLUMNS = {
    "billing/customers": "currency",
    "billing/plans": "currency",
    "billing/invoices": "currency",
    "finance/fx_rates": "currency",
    "crm/opportunities": "currency",
    "crm/accounts": "country_code",
}


def _rewrite(raw: Path, name: str, change) -> None:
    path = raw / f"{name}.parquet"
    table = pq.read_table(path)
    pq.write_table(change(table), path)


def _set(table: pa.Table, column: str, values: pa.Array) -> pa.Table:
    return table.set_column(table.schema.get_field_index(column), column, values)


def _late_evening_instants(values: pa.ChunkedArray) -> pa.Array:
    """Each date as 23:30 UTC of that day, typed as timestamps of another zone."""
    seconds = pc.cast(values, pa.timestamp("s"))
    shifted = pc.add(seconds, pa.scalar(dt.timedelta(hours=23, minutes=30)))
    return pc.cast(pc.cast(shifted, pa.timestamp("us")), pa.timestamp("us", tz="UTC")).cast(
        pa.timestamp("us", tz=ZONE)
    )


@pytest.fixture(scope="module")
def lossless_build(small_raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("lossless")
    raw = work / "raw"
    shutil.copytree(small_raw_dir, raw)
    for name, columns in DATE_COLUMNS.items():
        _rewrite(
            raw, name,
            lambda t, columns=columns: _apply(
                t, {c: _late_evening_instants(t.column(c)) for c in columns}
            ),
        )  # fmt: skip
    for name, (column, data_type) in INTEGER_COLUMNS.items():
        _rewrite(raw, name, lambda t, c=column, d=data_type: _set(t, c, t.column(c).cast(d)))
    for name, column in CODE_COLUMNS.items():
        _rewrite(raw, name, lambda t, c=column: _set(t, c, pc.utf8_lower(t.column(c))))
    # a decimal column holding whole numbers as an integer: negotiated unit prices
    _rewrite(raw, WHOLE_DECIMAL, lambda t: _set(t, "unit_amount", _as_integers(t["unit_amount"])))
    db_path = work / "lossless.duckdb"
    run_dbt(
        ["build", "--exclude-resource-type", "unit_test"],
        db_path=db_path,
        target_path=work / "target",
        vars_={"raw_data_dir": str(raw), "as_of_date": SMALL_AS_OF},
    )
    return db_path


def _as_integers(values: pa.ChunkedArray) -> pa.ChunkedArray:
    assert pc.all(pc.equal(pc.floor(values), values)).as_py() is not False
    return values.cast(pa.int64())


def _apply(table: pa.Table, columns: dict[str, pa.Array]) -> pa.Table:
    for column, values in columns.items():
        table = _set(table, column, values)
    return table


def test_lossless_types_give_the_same_marts(lossless_build: Path, built_db: Path) -> None:
    compare = import_script("scripts/engines/compare.py")
    manifest = lossless_build.parent / "target" / "manifest.json"
    differences = []
    for mart in compare.discover_marts(manifest):
        differences += compare.compare_mart(
            mart,
            compare.read_duckdb(built_db, mart),
            compare.read_duckdb(lossless_build, mart),
            actual_engine="lossless",
            exact=True,
        )
    assert not differences, "\n".join(d.describe("clean", "lossless") for d in differences[:20])


def test_a_timestamp_in_a_date_column_is_its_utc_date(lossless_build: Path, built_db: Path) -> None:
    """23:30 UTC is 05:00 the next day in Kolkata: the UTC date is kept, row by row."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"attach '{built_db}' as {built_db.stem} (read_only)")
        con.execute(f"attach '{lossless_build}' as {lossless_build.stem} (read_only)")
        query = (
            "select invoice_line_id, period_start_date, period_end_date"
            " from {db}.staging.stg_billing__invoice_lines"
        )
        clean = con.execute(query.format(db=built_db.stem)).fetchall()
        lossless = con.execute(query.format(db=lossless_build.stem)).fetchall()
    finally:
        con.close()
    assert len(clean) > 100
    assert sorted(lossless) == sorted(clean)
