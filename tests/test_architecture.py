"""The dependency rule: the pure domains geo/ and budgets/ never import the web layer or its libraries."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE_PACKAGES = ("geo", "budgets")
FORBIDDEN = (
    "flask",
    "flask_login",
    "flask_wtf",
    "flask_sqlalchemy",
    "flask_migrate",
    "flask_limiter",
    "sqlalchemy",
    "geoalchemy2",
    "folium",
    "branca",
    "werkzeug",
    "app",
    "config",
    "wsgi",
)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every absolute import in a file, including those inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.append((node.lineno, str(node.args[0].value)))
    return found


def modules_of(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_pure_packages_import_nothing_from_the_web_layer(package: str) -> None:
    files = modules_of(package)
    assert files, f"{package}/ has no modules"
    violations = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in files
        for line, module in imported_modules(path)
        if module.split(".")[0] in FORBIDDEN
    ]

    assert not violations, "\n".join(violations)


def test_the_checker_sees_every_kind_of_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import flask\nfrom sqlalchemy.orm import Session\nimport os, folium.map\n"
        "def late():\n    from app.models import Issue\n    importlib.import_module('geoalchemy2')\n"
        "from . import sibling\n"
    )

    modules = [m for _, m in imported_modules(sample)]

    assert modules == ["flask", "sqlalchemy.orm", "os", "folium.map", "app.models", "geoalchemy2"]
