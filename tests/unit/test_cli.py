"""Every command a user meets first: one line and an exit code, never a traceback.

- generate with arguments out of range: one line naming the option, exit 2, nothing written;
- each command that reads the marts (summary, report, quality-report, calibrate, validate
  --marts) on a missing, locked (another process writing), not-DuckDB, empty, truncated,
  damaged (a page fails at the first read) and unbuilt (no marts; the build stopped) database:
  one line naming the file and what to do, exit 1;
- --help describes every command and option;
- text from the data (an account name with terminal escape sequences) is printed escaped.

The databases are made here by hand (no dbt build): these are the file's problems, not the
marts'.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from cs_metrics.cli import _build_parser, main
from cs_metrics.console import printable

READERS = {
    "summary": ["summary"],
    "report": ["report", "--out", "{tmp}/report.html"],
    "quality-report": [
        "quality-report",
        "--out",
        "{tmp}/quality.html",
        "--artifacts",
        "{tmp}/artifacts",
        "--validation",
        "{tmp}/validation",
    ],
    "calibrate": ["calibrate", "--out-dir", "{tmp}/calibration", "--no-write"],
    "validate": [
        "validate",
        "--marts",
        "--out",
        "{tmp}/marts.json",
        "--artifacts",
        "{tmp}/artifacts",
    ],
}


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def _one_line(err: str, command: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"one line expected, got:\n{err}"
    assert lines[0].startswith(f"cs-metrics {command}: "), lines[0]
    assert "Traceback" not in err
    return lines[0]


# ------------------------------------------------------------------------------- generate
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--accounts", "0"], "--accounts must be 1 or more, got 0"),
        (["--accounts", "-5"], "--accounts must be 1 or more, got -5"),
        (["--accounts", "many"], "argument --accounts: expected a whole number, got 'many'"),
        (["--seed", "-1"], "--seed must be 0 or more, got -1"),
        (["--start", "2025-07", "--end", "2025-06-30"], "--start 2025-07 begins after --end"),
        (["--start", "2025-13"], "argument --start: expected YYYY-MM, got '2025-13'"),
        (["--end", "2025-02-30"], "argument --end: expected YYYY-MM-DD, got '2025-02-30'"),
        (["--acounts", "5"], "unrecognized arguments: --acounts 5"),
    ],
)
def test_generate_refuses_bad_arguments_in_one_line(
    args: list[str], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "demo"
    code, out, err = _run(["generate", *args, "--out", str(out_dir)], capsys)
    assert code == 2
    assert expected in _one_line(err, "generate")
    assert out == ""
    assert not out_dir.exists(), "nothing is written"


def test_generate_from_a_shell_prints_no_traceback(tmp_path: Path) -> None:
    """The installed command, as a user runs it."""
    command = Path(sys.executable).with_name("cs-metrics")
    completed = subprocess.run(
        [str(command), "generate", "--accounts", "0", "--out", str(tmp_path / "d")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stderr.splitlines() == [
        "cs-metrics generate: --accounts must be 1 or more, got 0: the number of CRM accounts"
        " to generate."
    ]


# ------------------------------------------------------------------------------- databases
def _marts(path: Path, rows: int = 50) -> Path:
    """A DuckDB file holding a marts schema with the tables the readers look for."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    for name in (
        "fct_mrr_bridge_monthly",
        "fct_account_months",
        "fct_retention_monthly",
        "fct_cohort_retention",
        "dim_accounts",
    ):
        con.execute(
            f"create table marts.{name} as select range as n, 'row ' || range as label"
            f" from range({rows})"
        )
    con.close()
    return path


@pytest.fixture()
def held(tmp_path: Path) -> Iterator[Path]:
    """A database another process holds open for writing (as a running dbt build does)."""
    path = _marts(tmp_path / "held.duckdb")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('ready', flush=True);"
            " sys.stdin.read()",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        yield path
    finally:
        holder.kill()
        holder.wait()


def _truncated(tmp_path: Path) -> Path:
    full = _marts(tmp_path / "full.duckdb", rows=300_000)
    path = tmp_path / "truncated.duckdb"
    data = full.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _damaged(tmp_path: Path) -> Path:
    """Valid catalog, a damaged data page: it opens, and fails at the first read of the page.

    DuckDB's layout decides where the data lies: each 256 KiB block is damaged in turn until
    the file still opens but the bridge cannot be read.
    """
    from cs_metrics.report.data import REQUIRED_MARTS

    full = _summary_marts(tmp_path / "full.duckdb", "Acme", months=300_000)
    with duckdb.connect(str(full)) as con:  # the other marts the report needs, empty
        for name in REQUIRED_MARTS:
            con.execute(f"create table if not exists marts.{name} (n integer)")
    data = full.read_bytes()
    path = tmp_path / "damaged.duckdb"
    block = 256 * 1024
    for start in range(100, len(data), block):
        path.write_bytes(data[:start] + b"\xff" * 1_000 + data[start + 1_000 :])
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error:
            continue  # the catalog: the file does not even open
        with con:
            try:
                con.execute("select * from marts.fct_mrr_bridge_monthly").fetchall()
            except duckdb.Error as exc:
                if "Corrupt database file" in str(exc) and "does not match" in str(exc):
                    return path
    raise AssertionError("no block whose damage leaves the file openable")


def _empty_duckdb(tmp_path: Path) -> Path:
    path = tmp_path / "unbuilt.duckdb"
    duckdb.connect(str(path)).close()
    return path


def _stopped_build(tmp_path: Path) -> Path:
    """The marts schema exists, but the build stopped before the marts were written."""
    path = tmp_path / "stopped.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.close()
    return path


BAD_DATABASES = {
    "missing": (lambda tmp: tmp / "nowhere.duckdb", "does not exist: build the project first"),
    "not_duckdb": (
        lambda tmp: (tmp / "notes.duckdb", (tmp / "notes.duckdb").write_text("a, b\n1, 2\n"))[0],
        "is not a DuckDB database: point --db",
    ),
    "empty_file": (
        lambda tmp: (tmp / "zero.duckdb", (tmp / "zero.duckdb").write_bytes(b""))[0],
        "is not a DuckDB database (it is empty)",
    ),
    "truncated": (_truncated, "is truncated or damaged"),
    "unbuilt": (_empty_duckdb, "holds no schema marts"),
    "stopped_build": (_stopped_build, "holds no marts"),
    "directory": (lambda tmp: tmp, "is a directory"),
}


# a build's manifest holding one test of one mart (what `validate --marts` checks)
_ONE_MART_TEST = {
    "nodes": {
        "model.cs_metrics.fct_account_months": {
            "resource_type": "model",
            "name": "fct_account_months",
            "schema": "marts",
            "fqn": ["cs_metrics", "marts", "fct_account_months"],
        },
        "test.cs_metrics.not_null_fct_account_months_account_id": {
            "resource_type": "test",
            "unique_id": "test.cs_metrics.not_null_fct_account_months_account_id",
            "name": "not_null_fct_account_months_account_id",
            "schema": "audit",
            "depends_on": {"nodes": ["model.cs_metrics.fct_account_months"]},
            "config": {},
        },
    }
}


def _reader_args(command: str, db: Path, tmp_path: Path) -> list[str]:
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in READERS[command]]
    if "--artifacts" in args:  # artifacts of a build, so the database is what fails
        artifacts = tmp_path / "artifacts"
        artifacts.mkdir(exist_ok=True)
        (artifacts / "run_results.json").write_text(
            json.dumps({"results": [], "metadata": {}, "args": {"which": "build"}})
        )
        (artifacts / "manifest.json").write_text(json.dumps(_ONE_MART_TEST))
    return [*args, "--db", str(db)]


@pytest.mark.parametrize("command", list(READERS))
@pytest.mark.parametrize("case", list(BAD_DATABASES))
def test_every_reader_answers_a_bad_database_in_one_line(
    command: str, case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make, expected = BAD_DATABASES[case]
    work = tmp_path / "work"
    work.mkdir()
    db = make(tmp_path)
    code, _, err = _run(_reader_args(command, db, work), capsys)
    line = _one_line(err, command)
    assert code == 1, line
    assert expected in line, line
    assert str(db) in line, "the message names the file"
    assert "make build" in line or "--db" in line, "and says what to do"


@pytest.mark.parametrize("command", list(READERS))
def test_every_reader_answers_a_database_locked_by_a_build(
    command: str, held: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(_reader_args(command, held, tmp_path), capsys)
    line = _one_line(err, command)
    assert code == 1
    assert f"{held} is locked by another process (PID " in line
    assert "wait for it to finish, then run this again" in line


@pytest.mark.parametrize("command", ["summary", "report"])
def test_a_page_that_fails_at_the_first_read_is_one_line(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _damaged(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    code, _, err = _run(_reader_args(command, db, work), capsys)
    line = _one_line(err, command)
    assert code == 1
    assert f"{db} is truncated or damaged" in line and "Corrupt database file" in line


def test_the_installed_summary_on_a_locked_database(held: Path) -> None:
    command = Path(sys.executable).with_name("cs-metrics")
    completed = subprocess.run(
        [str(command), "summary", "--db", str(held)], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 1
    assert len(completed.stderr.splitlines()) == 1
    assert "is locked by another process" in completed.stderr


# ---------------------------------------------------------------------------------- --help
def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = _build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_help_describes_every_command_and_option() -> None:
    parser = _build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {action.dest: action.help for action in sub._choices_actions}
    commands = _commands()
    assert set(commands) == {
        "generate",
        "validate",
        "load",
        "summary",
        "report",
        "quality-report",
        "calibrate",
    }
    for name, command in commands.items():
        assert helps.get(name), f"{name}: no one-line help in `cs-metrics --help`"
        assert command.description, f"{name}: no description in `cs-metrics {name} --help`"
        assert command.epilog and "Exit codes" in command.epilog, name
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help, f"cs-metrics {name} {'/'.join(action.option_strings)}: no help"


@pytest.mark.parametrize("command", [[], *([name] for name in _commands())])
def test_help_exits_0(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run([*command, "--help"], capsys)
    assert code == 0 and err == ""
    assert "Exit codes: 0 done; 1" in " ".join(out.split())


def test_no_command_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run([], capsys)
    assert code == 2
    assert err.splitlines() == [
        "cs-metrics: the following arguments are required: COMMAND (`cs-metrics --help` lists"
        " every option)"
    ]


# ----------------------------------------------------------------------------- hostile text
HOSTILE = "Evil\x1b]0;pwned\x07\x1b[2J\x1b[H Corp\r\u202egnp.exe\x9b"


def test_printable_escapes_every_control_character() -> None:
    assert printable(HOSTILE) == (
        "Evil\\x1b]0;pwned\\x07\\x1b[2J\\x1b[H Corp\\r\\u202egnp.exe\\x9b"
    )
    kept = "Müller & Söhne 株式会社 👩‍💻"
    assert printable(kept) == kept, "text that is not a control character stays as it is"
    assert printable("a\tb\nc") == "a\\tb\\nc"


def _summary_marts(path: Path, account_name: str, months: int = 1) -> Path:
    """The marts the summary reads, by hand: complete months and one NRR driver."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        f"""
        create table marts.fct_mrr_bridge_monthly as select
            date '2025-05-01' - to_days(cast(range as integer)) as month_start,
            true as is_month_complete,
            100.0 as starting_mrr, 20.0 as new_mrr, 5.0 as reactivation_mrr,
            3.0 as expansion_mrr, -1.0 as contraction_mrr, -10.0 as churned_mrr,
            0.0 as fx_impact_mrr, 117.0 as ending_mrr, 10 as starting_customers,
            2 as new_customers, 1 as reactivated_customers, 1 as churned_customers,
            12 as ending_customers
        from range({months})
        """
    )
    con.execute(
        """
        create table marts.fct_account_months as select
            date '2025-06-01' as month_start, false as is_month_complete, true as is_active,
            'smb' as tier, 'green' as health_status, 'mature' as lifecycle_stage
        from range(12)
        """
    )
    con.execute(
        """
        create table marts.fct_retention_change_drivers as select
            date '2025-05-01' as month_start, 'all' as segment_type, 'nrr_ttm' as metric,
            1 as driver_rank, 0.02 as metric_change, 'acc_1' as account_id,
            ? as account_name, 'expansion' as driver, 0.015 as contribution
        """,
        [account_name],
    )
    con.close()
    return path


def test_summary_prints_a_hostile_account_name_as_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _summary_marts(tmp_path / "built.duckdb", HOSTILE)
    code, out, err = _run(["summary", "--db", str(db)], capsys)
    assert code == 0, err
    assert not any(char in out for char in "\x1b\x07\r\x9b\u202e"), "no control character"
    assert "largest driver Evil\\x1b]0;pwned\\x07\\x1b[2J\\x1b[H Corp\\r\\u202egnp.exe\\x9b" in out
    assert "Customers      12 active  = 10 at start + 2 new + 1 reactivated − 1 churned" in out


def test_summary_of_marts_without_a_complete_month_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _summary_marts(tmp_path / "built.duckdb", "Acme")
    with duckdb.connect(str(db)) as con:
        con.execute("update marts.fct_mrr_bridge_monthly set is_month_complete = false")
    code, out, err = _run(["summary", "--db", str(db)], capsys)
    assert code == 1 and out == ""
    assert "holds no complete month yet" in _one_line(err, "summary")
