"""A raw directory may be named anything a file system allows but a file pattern.

`raw data o'brien – café` (spaces, a quote, non-ASCII characters) with one table as CSV: the
on-run-start checks, the DuckDB sources (Parquet and CSV) and `cs-metrics validate` read it as
it is (every path is written into SQL by one macro, sql_string). A directory whose name holds
a character DuckDB reads as a file pattern (* ? [ ]) would read other directories' files: it
is refused before anything runs, in one line naming the character.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import SMALL_AS_OF, run_dbt
from cs_metrics.cli import main

pytestmark = pytest.mark.slow

NAME = "raw data o'brien – café"


@pytest.fixture(scope="module")
def odd_dir(small_raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("paths") / NAME
    shutil.copytree(small_raw_dir, raw)
    users = raw / "crm" / "users.parquet"
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    literal = str(raw / "crm" / "users.csv").replace("'", "''")
    con.execute(f"copy (select * from read_parquet(?)) to '{literal}' (header)", [str(users)])
    con.close()
    users.unlink()
    return raw


def test_a_directory_named_with_quotes_spaces_and_accents_is_read_as_it_is(
    odd_dir: Path, tmp_path: Path
) -> None:
    db_path = tmp_path / "paths.duckdb"
    run_dbt(
        ["run", "--select", "staging"],
        db_path=db_path,
        target_path=tmp_path / "target",
        vars_={"raw_data_dir": str(odd_dir), "as_of_date": SMALL_AS_OF},
    )
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        users = con.execute("select count(*) from staging.stg_crm__users").fetchone()[0]
        plans = con.execute("select count(*) from staging.stg_billing__plans").fetchone()[0]
    finally:
        con.close()
    with duckdb.connect() as reader:
        csv = str(odd_dir / "crm" / "users.csv").replace("'", "''")
        assert users == reader.execute(f"select count(*) from read_csv('{csv}')").fetchone()[0]
    assert plans == pq.read_metadata(odd_dir / "billing" / "plans.parquet").num_rows


def test_cs_metrics_validate_reads_the_same_directory(
    odd_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "raw.json"
    assert main(["validate", str(odd_dir), "--out", str(out), "--table", "crm.users"]) == 0
    assert out.exists()
    assert "file not found" not in capsys.readouterr().err


@pytest.mark.parametrize("character", ["["])
def test_a_file_pattern_character_is_refused_naming_it(
    small_raw_dir: Path, tmp_path: Path, character: str
) -> None:
    raw = tmp_path / f"raw{character}1]"
    shutil.copytree(small_raw_dir, raw)
    with pytest.raises(AssertionError) as failure:
        run_dbt(
            ["run", "--select", "stg_crm__users"],
            db_path=tmp_path / "refused.duckdb",
            target_path=tmp_path / "target",
            vars_={"raw_data_dir": str(raw), "as_of_date": SMALL_AS_OF},
        )
    lines = [line.strip() for line in str(failure.value).splitlines()]
    assert (
        f'var raw_data_dir = "{raw}": expected a directory path without control characters or'
        f" * ? [ ]: it holds the character '{character}' (DuckDB would read the path as a file"
        " pattern, matching other files); rename the directory or link it under another name."
    ) in lines
    # refused before any model: nothing was created
    if (tmp_path / "refused.duckdb").exists():
        with duckdb.connect(str(tmp_path / "refused.duckdb"), read_only=True) as con:
            assert (
                con.execute("select count(*) from duckdb_views() where not internal").fetchone()[0]
                == 0
            )
