"""The read-only BI role on a real PostgreSQL server (run by scripts/engines/run.sh).

The engine suite builds the project on a throw-away server, then runs this module with a
login user that is a member of the role in var bi_role. Skipped elsewhere.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import import_script
from cs_metrics import contract

discover_marts = import_script("scripts/engines/compare.py").discover_marts

BI_USER = os.environ.get("CS_METRICS_ENGINES_BI_USER")
pytestmark = pytest.mark.skipif(
    not BI_USER, reason="needs the engine suite's PostgreSQL server (make test-engines)"
)


@pytest.fixture(scope="module")
def manifest() -> Path:
    return Path(os.environ["CS_METRICS_ENGINES_MANIFEST"])


@pytest.fixture()
def bi(request: pytest.FixtureRequest):
    import psycopg2

    connection = psycopg2.connect(
        host=os.environ.get("CS_METRICS_PG_HOST", "127.0.0.1"),
        port=int(os.environ["CS_METRICS_PG_PORT"]),
        dbname=os.environ.get("CS_METRICS_PG_DATABASE", "cs_metrics"),
        user=BI_USER,
        password=os.environ["CS_METRICS_ENGINES_BI_PASSWORD"],
    )
    connection.autocommit = True
    yield connection
    connection.close()


def _denied(connection, statement: str) -> bool:
    import psycopg2

    with connection.cursor() as cursor:
        try:
            cursor.execute(statement)
        except psycopg2.errors.InsufficientPrivilege:
            return True
    return False


def test_bi_role_reads_every_mart(bi, manifest: Path) -> None:
    marts = discover_marts(manifest)
    assert marts, "no public marts in the manifest"
    with bi.cursor() as cursor:
        for mart in marts:
            cursor.execute(f'select count(*) from "{mart.schema}"."{mart.name}"')
            assert cursor.fetchone()[0] >= 0


def test_bi_role_cannot_read_raw_data(bi) -> None:
    readable = [
        table.key
        for table in contract.TABLES
        if not _denied(bi, f'select 1 from "{table.source}"."{table.name}" limit 1')
    ]
    assert readable == [], f"the BI role can read raw tables: {readable}"


def test_bi_role_cannot_read_staging_or_intermediate_models(bi, manifest: Path) -> None:
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values()
    private = [
        f'"{node["schema"]}"."{node["alias"]}"'
        for node in nodes
        if node["resource_type"] == "model"
        and node.get("access") != "public"
        and node["config"]["materialized"] != "ephemeral"
    ]
    assert any(name.startswith('"staging"') for name in private)
    readable = [name for name in private if not _denied(bi, f"select 1 from {name} limit 1")]
    assert readable == [], f"the BI role can read non-public models: {readable}"


def test_bi_role_cannot_change_the_marts(bi, manifest: Path) -> None:
    mart = discover_marts(manifest)[0]
    assert _denied(bi, f'delete from "{mart.schema}"."{mart.name}"')
    assert _denied(bi, f'create table "{mart.schema}".bi_scratch (x int)')
