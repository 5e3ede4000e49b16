"""The XML mappers and renderer stay inside their layer: no lxml, no outside libraries."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from tests.unit.xml.support import REPO_ROOT

ALLOWED_HUB = ("hub.errors", "hub.domain", "hub.mappers", "hub.parsing.xml.document")
MAPPERS = sorted((REPO_ROOT / "hub" / "mappers").glob("xml*.py"))
MODULES = [*MAPPERS, REPO_ROOT / "hub" / "rendering" / "xml.py"]


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_imports_only_stdlib_and_the_hub_core(path: Path) -> None:
    for name in _imports(path):
        top = name.split(".")[0]
        if top == "hub":
            assert name.startswith(ALLOWED_HUB), f"{path.name} imports {name}"
        else:
            assert top in sys.stdlib_module_names or top == "__future__", f"{path.name}: {name}"
