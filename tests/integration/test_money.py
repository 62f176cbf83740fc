"""divide_money (macros/money.sql) on DuckDB: the exact quotient, rounded once, half away from
zero, at 6 decimals, for amounts from a millionth to 10^20 and every divisor the models use.

The macro's SQL is compiled by dbt and run on thousands of numerators and divisors; each result
is compared with the exact rational quotient computed in Python (fractions). PostgreSQL and
Spark run the macro through the dbt unit tests of int_subscription_items_priced and
int_invoice_lines_recognised_monthly (`make test-engines`).
"""

from __future__ import annotations

import os
import random
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import duckdb
import pytest

from conftest import ROOT, SMALL_AS_OF, _release_duckdb

pytestmark = pytest.mark.slow


def _compiled(sql: str, work: Path) -> str:
    from dbt.cli.main import dbtRunner

    os.environ["CS_METRICS_DB"] = str(work / "compile.duckdb")
    os.environ["CS_METRICS_TARGET"] = "duckdb"
    try:
        result = dbtRunner().invoke(
            [
                "compile",
                "--inline",
                sql,
                "--project-dir",
                str(ROOT),
                "--profiles-dir",
                str(ROOT / "profiles"),
                "--target-path",
                str(work / "target"),
                "--vars",
                f"{{as_of_date: {SMALL_AS_OF}}}",
                "--quiet",
            ]
        )
    finally:
        _release_duckdb()
    assert result.success, result.exception
    return result.result.results[0].node.compiled_code


def _exact(numerator: Fraction, denominator: int) -> Fraction:
    """The quotient rounded half away from zero at 6 decimals."""
    quotient = numerator / denominator
    units = int(abs(quotient) * 10**6 + Fraction(1, 2))
    return Fraction(units if quotient >= 0 else -units, 10**6)


def _cases() -> list[tuple[Fraction, int]]:
    rng = random.Random(17)
    cases = []
    for _ in range(5000):
        scale = rng.choice([0, 2, 4, 6, 8, 12])
        size = rng.choice([1, 10**3, 10**6, 10**12, 10**17, 10**20])
        numerator = Fraction(rng.randint(-size * 10**scale, size * 10**scale), 10**scale)
        # divisors the models use: 100 x interval months, days, seconds of a period
        denominator = rng.choice(
            [1, 2, 3, 7, 12, 24, 28, 31, 365, 1200, 2400, 14400, 31_536_000, rng.randint(1, 10**8)]
        )
        cases.append((numerator, denominator))
    for denominator in (2, 8, 40, 1200):  # exact halves of a millionth, both signs
        for k in range(25):
            numerator = Fraction(2 * k + 1, 2 * 10**6) * denominator
            cases += [(numerator, denominator), (-numerator, denominator)]
    cases.append((Fraction(10**9 * 10**6 * 100), 1200))  # 10^9 seats x 1,000,000 a year
    return cases


def test_divide_money_is_the_exact_quotient_rounded_half_away_from_zero(tmp_path: Path) -> None:
    """... and null for a null numerator or a zero divisor."""
    sql = _compiled(
        "select numerator, denominator,"
        " {{ cs_metrics.divide_money('numerator', 'denominator') }} as quotient from cases",
        tmp_path,
    )
    cases = _cases()
    con = duckdb.connect()
    con.execute("create table cases (numerator decimal(38, 12), denominator bigint)")
    con.executemany(
        "insert into cases values (?, ?)",
        [(str(Decimal(n.numerator) / Decimal(n.denominator)), d) for n, d in cases],
    )
    con.execute("insert into cases values (1, 0), (null, 3)")  # both give null
    rows = con.execute(sql).fetchall()
    assert con.execute(f"select typeof(quotient) from ({sql}) limit 1").fetchone()[0] == (
        "DECIMAL(28,6)"
    )
    con.close()
    assert len(rows) == len(cases) + 2
    assert [q for n, d, q in rows if d == 0 or n is None] == [None, None]
    wrong = [
        (numerator, denominator, quotient)
        for numerator, denominator, quotient in rows
        if denominator != 0
        and numerator is not None
        and Fraction(quotient) != _exact(Fraction(numerator), denominator)
    ]
    assert wrong == []
    huge = [q for n, d, q in rows if n == 10**17 and d == 1200]
    assert huge == [Decimal("83333333333333.333333")]
