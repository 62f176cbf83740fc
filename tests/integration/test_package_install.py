"""cs_metrics installed as a package of another dbt project (docs/package.md).

A host project in a temporary directory writes what the README's quick start says: a
`packages.yml` with `local: <this repository>`, and the preset and location vars in its own
dbt_project.yml (not on the command line: dbt resolves the two differently). `dbt deps`
(offline for a local package) and `dbt build --select package:cs_metrics` (models, seeds,
data tests and the project's hooks; unit tests test fixtures, the same in either case) build
the small company from the Fivetran layout. Every public mart equals the standalone build's,
but for the connector rows listed (as tests/integration/test_layouts.py), in the schemas the
host's naming gives (dbt's <target_schema>_<custom schema>, or the host's own macro).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from conftest import (
    ROOT,
    SMALL_AS_OF,
    apart_from_listed_connector_rows,
    generate_small,
    mart_differences,
    run_dbt,
)
from cs_metrics.generate.fivetran.registry import layout_converters, layout_vars

pytestmark = pytest.mark.slow

LAYOUT = "fivetran"
HOST = "acme_analytics"
HOST_MODEL = "select 1 as order_id\n"


@dataclass(frozen=True)
class Host:
    project_dir: Path
    db_path: Path
    target: Path

    @property
    def manifest(self) -> Path:
        return self.target / "manifest.json"

    def dbt(self, *args: str, vars_: dict | None = None) -> None:
        run_dbt(
            list(args),
            db_path=None,
            target_path=None if args[0] == "deps" else self.target,
            vars_=vars_,
            project_dir=self.project_dir,
            profiles_dir=self.project_dir,
        )


def write_host(project_dir: Path, raw_dir: Path, db_path: Path) -> None:
    """A host dbt project with cs_metrics in its packages.yml and the vars in its project."""
    (project_dir / "models").mkdir(parents=True)
    (project_dir / "models" / "orders.sql").write_text(HOST_MODEL)
    project = {
        "name": HOST,
        "version": "1.0.0",
        "config-version": 2,
        "profile": HOST,
        "vars": {"raw_data_dir": str(raw_dir), "as_of_date": SMALL_AS_OF, **layout_vars(LAYOUT)},
    }
    (project_dir / "dbt_project.yml").write_text(yaml.safe_dump(project, sort_keys=False))
    packages = {"packages": [{"local": str(ROOT)}]}
    (project_dir / "packages.yml").write_text(yaml.safe_dump(packages))
    profile = {
        HOST: {
            "target": "dev",
            "outputs": {
                "dev": {
                    "type": "duckdb",
                    "path": str(db_path),
                    "schema": "analytics",
                    "threads": 2,
                    "settings": {"TimeZone": "UTC"},
                }
            },
        }
    }
    (project_dir / "profiles.yml").write_text(yaml.safe_dump(profile))


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Host:
    work = tmp_path_factory.mktemp("package_install")
    raw_dir = generate_small(work / "raw", layout=LAYOUT)
    built = Host(work / "host", work / "host.duckdb", work / "host" / "target")
    write_host(built.project_dir, raw_dir, built.db_path)
    built.dbt("deps")
    built.dbt("build", "--select", "package:cs_metrics", "--exclude-resource-type", "unit_test")
    return built


def test_installed_package_builds_the_standalone_marts(host: Host, built_db: Path) -> None:
    differences = mart_differences(
        built_db,
        built_db.parent / "target" / "manifest.json",
        host.db_path,
        host.manifest,
        LAYOUT,
        layout_converters(LAYOUT),
    )
    unexpected, listed = apart_from_listed_connector_rows(differences, LAYOUT)
    assert not unexpected, "\n".join(unexpected[:30])
    assert listed == {row for c in layout_converters(LAYOUT) for row in c.extra_rows()}


def test_the_hosts_schema_naming_applies(host: Host, tmp_path: Path) -> None:
    """dbt's default naming, <target_schema>_<custom schema>; the host's own
    generate_schema_name when it has one."""
    import json

    def schemas(manifest: Path) -> set[tuple[str, str]]:
        nodes = json.loads(manifest.read_text())["nodes"].values()
        return {
            (node["name"], node["schema"])
            for node in nodes
            if node["package_name"] == "cs_metrics"
            and node["name"] in ("fct_account_months", "stg_crm__accounts", "feature_catalog")
        }

    assert schemas(host.manifest) == {
        ("fct_account_months", "analytics_marts"),
        ("stg_crm__accounts", "analytics_staging"),
        ("feature_catalog", "analytics_config"),
    }
    custom = tmp_path / "host"
    shutil.copytree(
        host.project_dir, custom, symlinks=True, ignore=shutil.ignore_patterns("target")
    )
    (custom / "macros").mkdir()
    (custom / "macros" / "generate_schema_name.sql").write_text(
        "{% macro generate_schema_name(custom_schema_name, node) -%}\n"
        "    dw_{{ custom_schema_name or target.schema }}\n"
        "{%- endmacro %}\n"
    )
    Host(custom, host.db_path, custom / "target").dbt("parse")
    assert schemas(custom / "target" / "manifest.json") == {
        ("fct_account_months", "dw_marts"),
        ("stg_crm__accounts", "dw_staging"),
        ("feature_catalog", "dw_config"),
    }


def test_a_run_of_the_hosts_own_models_skips_the_package_hooks(host: Host, tmp_path: Path) -> None:
    """dbt runs a package's on-run-start hooks on every command: the raw contract check
    acts only when a cs_metrics node runs (here the raw data is missing)."""
    missing = {"raw_data_dir": str(tmp_path / "nothing")}
    host.dbt("run", "--select", "orders", vars_=missing)
    with pytest.raises(AssertionError, match="No raw table found at all"):
        host.dbt("run", "--select", "stg_crm__users", vars_=missing)
