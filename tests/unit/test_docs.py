"""The documentation a user reads points at things the project has.

- Every relative Markdown link and every backticked repository path in README.md,
  CONTRIBUTING.md and docs/*.md exists.
- The dbt docs site opens on the project's own overview (doc block `__overview__`), and every
  model it names exists.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
PATH = re.compile(r"`([A-Za-z0-9_./-]+\.(?:md|sql|yml|yaml|py|csv|sh|toml|lock|in|png|html))`")
# files the project's commands write, not files it ships
GENERATED = ("target/", "data/demo/")


def _exists(page: Path, target: str) -> bool:
    if (page.parent / target).exists() or (ROOT / target).exists():
        return True
    # a bare file name: anywhere in the repository (outside the virtual environment)
    return "/" not in target and any(
        ".venv" not in found.parts for found in ROOT.glob(f"**/{target}")
    )


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_links_and_paths_exist(page: Path) -> None:
    text = page.read_text()
    missing = [
        target
        for target in LINK.findall(text) + PATH.findall(text)
        if not re.match(r"[a-z]+://", target)
        and not target.startswith(GENERATED)
        and not _exists(page, target)
    ]
    assert not missing, f"{page.relative_to(ROOT)} points at files the project does not have"


def test_docs_site_opens_on_the_project_overview() -> None:
    blocks = {
        path: text
        for path in (ROOT / "models").rglob("*.md")
        if "{% docs __overview__ %}" in (text := path.read_text())
    }
    assert len(blocks) == 1, "exactly one __overview__ doc block"
    (text,) = blocks.values()
    models = {path.stem for path in (ROOT / "models").rglob("*.sql")}
    named = set(re.findall(r"`((?:fct|dim|int|stg)_[a-z0-9_]+)`", text))
    assert {"fct_account_months", "dim_accounts"} <= named
    assert named <= models, f"the overview names models that do not exist: {named - models}"
