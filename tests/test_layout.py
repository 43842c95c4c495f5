"""Data flows one way: crawl → raw store → analyze → index → serve. No package reaches back."""
from __future__ import annotations

import ast

import pytest

from tests.conftest import REPO

# package → packages it must never import
FORBIDDEN = {
    "crawler": {"analyzers", "indexer", "search_api", "ui", "zhengce"},
    "analyzers": {"crawler", "indexer", "search_api", "ui", "zhengce"},
    "indexer": {"crawler", "search_api", "ui", "zhengce"},
    "search_api": {"crawler"},
    "ui": {"crawler", "indexer.tantivy_engine"},
    "sites": {"crawler", "analyzers", "indexer", "search_api", "ui", "zhengce"},
}


def imported_modules(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_backward_imports(package):
    offenders = []
    for path in (REPO / package).rglob("*.py"):
        for module in imported_modules(path):
            for forbidden in FORBIDDEN[package]:
                if module == forbidden or module.startswith(forbidden + "."):
                    offenders.append(f"{path.relative_to(REPO)} imports {module}")
    assert offenders == []


def test_search_api_depends_on_the_interface_not_an_engine():
    for path in (REPO / "search_api").rglob("*.py"):
        assert "indexer.tantivy_engine" not in imported_modules(path), path
