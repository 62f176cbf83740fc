"""The same numbers on any machine: a build under another time zone and locale, on raw data
whose timestamps are time-zone aware, equals the UTC build of the same instants.

The small data set's timestamps are UTC wall-clock values (`timestamp`). A copy stores every
timestamp column as `timestamp with time zone` - the same instants, labelled Asia/Kolkata
(UTC+05:30), as a loader may write them. dbt then builds that copy in a separate process
under TZ=America/Los_Angeles and a non-English locale (de_DE.UTF-8, compiled into a temporary
directory with localedef when the system lacks it). Every public mart must equal the
reference build (`built_db`, UTC wall-clock input) row by row, with the engine suite's
comparison rules (money 0.01, ratios 1e-9 relative).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from conftest import ROOT, generate_small, import_script, run_dbt_apart
from cs_metrics.generate.fivetran.registry import layout_vars

pytestmark = pytest.mark.slow
# nothing closed has changed yet on a first build: no restatements
EMPTY_ON_A_FIRST_BUILD = {"fct_restatements", "fct_restatement_drivers"}

LOCAL_ZONE = "America/Los_Angeles"
STORED_ZONE = "Asia/Kolkata"
PROBE = (
    "import locale, time; locale.setlocale(locale.LC_ALL, '');"
    " print(time.strftime('%z'), locale.getlocale()[0])"
)


def _zone_aware_copy(raw_dir: Path, out: Path) -> int:
    """Copy the raw data set with every timestamp column made time-zone aware."""
    shutil.copytree(raw_dir, out)
    converted = 0
    for path in sorted(out.rglob("*.parquet")):
        table = pq.read_table(path)
        columns = []
        for field, column in zip(table.schema, table.columns, strict=True):
            if pa.types.is_timestamp(field.type) and field.type.tz is None:
                instant = pc.assume_timezone(column, "UTC")
                column = instant.cast(pa.timestamp(field.type.unit, tz=STORED_ZONE))
                converted += 1
            columns.append(column)
        names = table.schema.names
        pq.write_table(pa.table(columns, names=names), path)
    return converted


def _german_locale(work: Path) -> dict[str, str]:
    """Environment for a de_DE.UTF-8 locale, compiled into `work` when the system lacks it."""
    available = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.lower()
    if "de_de.utf8" in available or "de_de.utf-8" in available:
        return {"LC_ALL": "de_DE.UTF-8", "LANG": "de_DE.UTF-8"}
    if shutil.which("localedef") is None or not Path("/usr/share/i18n/locales/de_DE").exists():
        pytest.skip("no de_DE locale and no localedef sources to build one (Debian: locales)")
    target = work / "locales"
    target.mkdir()
    subprocess.run(
        ["localedef", "-i", "de_DE", "-f", "UTF-8", str(target / "de_DE.UTF-8")],
        check=True,
        capture_output=True,
    )
    return {"LOCPATH": str(target), "LC_ALL": "de_DE.UTF-8", "LANG": "de_DE.UTF-8"}


def test_build_under_another_zone_and_locale_on_zone_aware_data_equals_utc_build(
    small_raw_dir: Path,
    small_vars: dict,
    built_db: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    work = tmp_path_factory.mktemp("time_zones")
    raw = work / "raw"
    assert _zone_aware_copy(small_raw_dir, raw) >= 20
    assert pq.read_schema(raw / "billing" / "subscription_items.parquet").field(
        "valid_from"
    ).type.tz == (STORED_ZONE)

    env = {
        **os.environ,
        "TZ": LOCAL_ZONE,
        "CS_METRICS_DB": str(work / "local.duckdb"),
        "CS_METRICS_TARGET": "duckdb",
        **_german_locale(work),
    }
    # the child really runs in another zone and locale
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert probe[0] in ("-0800", "-0700") and probe[1].startswith("de_DE"), probe

    vars_ = {**small_vars, "raw_data_dir": str(raw)}
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "build",
            "--exclude-resource-type",
            "test",
            "--exclude-resource-type",
            "unit_test",
            "--no-use-colors",
            "--project-dir",
            str(ROOT),
            "--profiles-dir",
            str(ROOT / "profiles"),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            "--vars",
            json.dumps(vars_),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    compare = import_script("scripts/engines/compare.py")
    marts = compare.discover_marts(built_db.parent / "target" / "manifest.json")
    assert len(marts) >= 16
    differences = []
    for mart in marts:
        expected = compare.read_duckdb(built_db, mart)
        actual = compare.read_duckdb(work / "local.duckdb", mart)
        if mart.name in EMPTY_ON_A_FIRST_BUILD:
            assert expected.num_rows == actual.num_rows == 0, mart.name
        else:
            assert expected.num_rows > 0, mart.name
        differences += compare.compare_mart(mart, expected, actual, LOCAL_ZONE)
    assert not differences, "\n".join(d.describe("utc", LOCAL_ZONE) for d in differences[:20])


# the events file and its time column per layout: the contract's (a copy with the column made
# zone aware) and Segment's tracks (zone aware as the connector writes it)
EVENT_FILES = {
    "contract": ("product/events.parquet", "occurred_at"),
    "fivetran": ("segment/tracks.parquet", "timestamp"),
}


@pytest.mark.parametrize("layout", sorted(EVENT_FILES))
def test_day_filter_on_zone_aware_events_reaches_the_parquet_scan(
    layout: str,
    small_raw_dir: Path,
    small_vars: dict,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """An incremental run reads only its days of zone-aware events: a filter on
    stg_product__events.occurred_at (computed from a `timestamp with time zone`) skips the
    Parquet row groups outside it, from the contract's events and through Segment's view.
    DuckDB does so only when the computation reads the file directly, not through an import
    CTE; this is what keeps a daily run from reading every event ever loaded."""
    work = tmp_path_factory.mktemp(f"zone_aware_scan_{layout}")
    raw = work / "raw"
    if layout == "contract":
        shutil.copytree(small_raw_dir, raw)
    else:
        generate_small(raw, layout=layout)
    relative, column = EVENT_FILES[layout]
    events_path = raw / relative
    table = pq.read_table(events_path).sort_by(column)
    stored = table.column(column)
    if stored.type.tz is None:
        stored = pc.assume_timezone(stored, "UTC").cast(
            pa.timestamp(stored.type.unit, tz=STORED_ZONE)
        )
        table = table.set_column(table.schema.get_field_index(column), column, stored)
    row_groups = 20
    pq.write_table(table, events_path, row_group_size=-(-table.num_rows // row_groups))
    assert pq.ParquetFile(events_path).metadata.num_row_groups == row_groups
    assert pa.types.is_timestamp(stored.type) and stored.type.tz is not None

    # the last tenth of the events by time (UTC), counted here from the file itself
    instants = sorted(value.astimezone(dt.UTC) for value in stored.to_pylist() if value)
    cutoff = instants[len(instants) * 9 // 10]
    expected = sum(1 for value in instants if value >= cutoff)

    db_path = work / "scan.duckdb"
    run_dbt_apart(
        ["run", "--select", "+stg_product__events"],
        db_path=db_path,
        target_path=work / "target",
        vars_={**small_vars, "raw_data_dir": str(raw), **layout_vars(layout)},
    )

    profile = work / "profile.json"
    with duckdb.connect(str(db_path), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"pragma enable_profiling = 'json'; pragma profiling_output = '{profile}'")
        counted = con.execute(
            "select count(*) from staging.stg_product__events"
            f" where occurred_at >= cast('{cutoff:%Y-%m-%d %H:%M:%S.%f}' as timestamp)"
        ).fetchone()[0]
        con.execute("pragma disable_profiling")
    assert counted == expected
    query = json.loads(profile.read_text())["query"]
    # Segment's view also reads the group memberships, a table of the database
    assert query["total_row_groups_to_scan"] >= row_groups
    others = query["total_row_groups_to_scan"] - row_groups
    # the tenth of the file after the cutoff, plus the row group the cutoff falls in
    assert query["total_row_groups_scanned"] - others <= 3, query
