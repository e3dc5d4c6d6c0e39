"""The import-layering contract (pyproject.toml, `lint-imports` in ./scripts/test) holds, and
it is not a rubber stamp: a copy of the tree with one wrong-way import fails it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
    "root_packages"
]


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    # Run from `tree` so its packages, not the installed ones, are the ones analysed.
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(lint), "--config", "pyproject.toml", "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    return tmp_path


def test_the_tree_keeps_the_contract(tree_copy: Path) -> None:
    result = lint_imports(tree_copy)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "wrong_way", "contract"),
    [
        ("domain/money.py", "import db.models", "domain is pure"),
        ("workflows/reports.py", "import db.engine", "workflows import only domain"),
        ("activities/fx/__init__.py", "import workers.worker", "activities never import"),
        ("db/engine.py", "import activities.ledger", "db never imports"),
        ("api/errors.py", "import workers.worker", "api never imports the worker"),
    ],
)
def test_a_wrong_way_import_breaks_it(
    tree_copy: Path, module: str, wrong_way: str, contract: str
) -> None:
    path = tree_copy / module
    path.write_text(path.read_text() + f"\n{wrong_way}  # the wrong way\n")
    result = lint_imports(tree_copy)
    assert result.returncode != 0
    broken = result.stdout[result.stdout.index("Broken contracts") :]
    assert contract in broken
    assert wrong_way.split()[-1] in broken
