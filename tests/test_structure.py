"""The shape of the code: rooms import only downwards (import-linter, pyproject.toml), no import hides in a
function to dodge a cycle, and no module grows past about 500 lines. (That no view commits is checked beside the
request's unit of work, tests/test_unit_of_work.py.)"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "marketplace"
MAX_LINES = 500
# The app factory and the command line put the rooms together, so they may import them late.
MAY_IMPORT_LATE = {PACKAGE / "__init__.py", PACKAGE / "cli.py"}


def _modules() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if "translations" not in path.parts)


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    """Run the contracts of pyproject.toml on the package under ``root``, as `lint-imports` does."""
    command = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache",
               str(ROOT / "pyproject.toml")]
    return subprocess.run(command, cwd=root, env={"PYTHONPATH": str(root)}, capture_output=True, text=True,
                          timeout=300)


def test_rooms_import_only_downwards():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout


@pytest.mark.parametrize("lower, higher", [("db", "api.views"), ("listings.models", "reservations.models"),
                                           ("accounts.services", "admin.views")])
def test_a_wrong_way_import_breaks_the_contract(tmp_path, lower, higher):
    shutil.copytree(PACKAGE, tmp_path / "marketplace", ignore=shutil.ignore_patterns("__pycache__", "translations"))
    module = tmp_path / "marketplace" / Path(*lower.split(".")).with_suffix(".py")
    module.write_text(module.read_text() + f"\nfrom marketplace.{higher} import *  # noqa\n")
    result = _lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout
    assert f"marketplace.{lower} -> marketplace.{higher}" in result.stdout


def _late_imports(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(), str(path))
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("marketplace")):
                found.append(f"{path.relative_to(root)}:{node.lineno} from {node.module}")
            elif isinstance(node, ast.Import):
                found += [f"{path.relative_to(root)}:{node.lineno} import {alias.name}" for alias in node.names
                          if alias.name.startswith("marketplace")]
    return found


def test_no_room_imports_another_inside_a_function():
    late = [line for path in _modules() if path not in MAY_IMPORT_LATE for line in _late_imports(path)]
    assert late == []


def test_no_module_is_longer_than_about_500_lines():
    long = {str(path.relative_to(ROOT)): lines for path in _modules()
            if (lines := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_the_checks_see_what_they_look_for(tmp_path):
    """The late-import check finds one when there is one (so an empty list means none)."""
    module = tmp_path / "marketplace" / "views.py"
    module.parent.mkdir()
    module.write_text("import os\n\n\ndef view():\n    from marketplace.db import db\n    import json\n")
    assert _late_imports(module, tmp_path) == ["marketplace/views.py:5 from marketplace.db"]
