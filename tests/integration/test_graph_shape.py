"""The shape of the dbt graph (dbt-project-evaluator's rules, tighter), from the manifest.

- no model joins more than 6 parents (a union of like rows, marked with
  `meta: {union_of_like_rows: true}`, is not a join; the run's month-window plan, marked
  `meta: {run_plan: true}`, is read by the month_window macro when the model compiles, not
  joined, so it is no parent here);
- no dimension is built from a fact;
- no model reads through more than 4 stacked views;
- the report marts (models/marts/reports/) aggregate the public facts and dimensions, and
  the intermediate models marked `meta: {report_input: true}` (a rule several reports share,
  such as the segment fan-out, kept in one model instead of a copy per report) only;
- marts never read sources or staging; staging reads only sources.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from conftest import run_dbt

MAX_PARENTS = 6
MAX_STACKED_VIEWS = 4


@pytest.fixture(scope="module")
def manifest(small_vars: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("graph")
    run_dbt(["parse"], db_path=work / "parse.duckdb", target_path=work / "target", vars_=small_vars)
    return json.loads((work / "target" / "manifest.json").read_text())


def _models(manifest: dict) -> dict[str, dict]:
    return {
        key: node
        for key, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["package_name"] == "cs_metrics"
    }


def _parents(node: dict, manifest: dict) -> list[str]:
    nodes = manifest["nodes"]
    return [
        p
        for p in node["depends_on"]["nodes"]
        if not p.startswith("seed.")
        and not (nodes.get(p, {}).get("config", {}).get("meta") or {}).get("run_plan")
    ]


def test_no_model_joins_more_than_six_parents(manifest: dict) -> None:
    wide = {
        node["name"]: len(_parents(node, manifest))
        for node in _models(manifest).values()
        if len(_parents(node, manifest)) > MAX_PARENTS
        and not (node["config"].get("meta") or {}).get("union_of_like_rows")
    }
    assert not wide, f"models with more than {MAX_PARENTS} parents: {wide}"


def test_no_dimension_is_built_from_a_fact(manifest: dict) -> None:
    models = _models(manifest)
    for node in models.values():
        if node["name"].startswith("dim_"):
            facts = [p for p in _parents(node, manifest) if p.split(".")[-1].startswith("fct_")]
            assert not facts, f"{node['name']} reads facts {facts}"


def test_no_model_reads_through_more_than_four_stacked_views(manifest: dict) -> None:
    models = _models(manifest)

    @functools.cache
    def views_below(key: str) -> int:
        node = models[key]
        below = max((views_below(p) for p in _parents(node, manifest) if p in models), default=0)
        return below + (1 if node["config"]["materialized"] == "view" else 0)

    deep = {
        models[key]["name"]: views_below(key) - (models[key]["config"]["materialized"] == "view")
        for key in models
    }
    too_deep = {name: depth for name, depth in deep.items() if depth > MAX_STACKED_VIEWS}
    assert not too_deep, too_deep


def test_layers_read_only_from_their_own_layer_or_the_one_above(manifest: dict) -> None:
    models = _models(manifest)
    problems = []
    for node in models.values():
        path = Path(node["original_file_path"])
        layer = path.parts[1]
        parents = _parents(node, manifest)
        names = [p.split(".")[-1] for p in parents]
        if layer == "staging":
            problems += [
                f"{node['name']} reads {p}" for p in parents if not p.startswith("source.")
            ]
        if layer == "marts":
            problems += [
                f"{node['name']} reads {n}"
                for p, n in zip(parents, names, strict=True)
                if p.startswith("source.") or n.startswith("stg_")
            ]
        if "reports" in path.parts:
            problems += [
                f"report {node['name']} reads {n} (reports aggregate public marts only)"
                for p, n in zip(parents, names, strict=True)
                if not n.startswith(("fct_", "dim_"))
                and not (models.get(p, {}).get("config", {}).get("meta") or {}).get("report_input")
            ]
    assert not problems, "\n".join(problems)
