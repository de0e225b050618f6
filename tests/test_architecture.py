"""The dependency rule: the pure domains geo/ and budgets/ never import the web layer or its libraries."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

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
    "config_values",
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


def test_only_shapes_converts_between_stored_geometries_and_shapely() -> None:
    """DESIGN.md: app/shapes.py is the one boundary; nothing else in app/ or ops/ converts (WKB never
    reaches geo/, Shapely never reaches SQL)."""
    violations = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for package in ("app", "ops")
        for path in modules_of(package)
        if path != ROOT / "app" / "shapes.py"
        for line, module in imported_modules(path)
        if module == "geoalchemy2.shape"
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


def run_import_contracts(cwd: Path, config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--config", str(config), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(cwd)},
        check=False,
    )


def test_the_import_contracts_hold() -> None:
    """pyproject.toml's import-linter contracts: pure domains, services one way, no web layer in services."""
    result = run_import_contracts(ROOT, ROOT / "pyproject.toml")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_import_contracts_catch_a_service_that_reaches_up(tmp_path: Path) -> None:
    """The same layers contract breaks when a lower feature imports a higher one, even indirectly."""
    services = tmp_path / "app" / "services"
    for package, body in {
        "": "",
        "kernel": "",
        "issues": "",
        "rounds": "",
    }.items():
        (services / package).mkdir(parents=True, exist_ok=True)
        (services / package / "__init__.py").write_text(body)
    (tmp_path / "app" / "__init__.py").write_text("")
    (services / "rounds" / "tally.py").write_text("from app.services.issues import likes\n")
    (services / "issues" / "likes.py").write_text("from app.services.kernel import audit\n")
    (services / "kernel" / "audit.py").write_text("from app.services.rounds import tally\n")
    config = tmp_path / "contracts.toml"
    config.write_text(
        '[tool.importlinter]\nroot_packages = ["app"]\n\n[[tool.importlinter.contracts]]\n'
        'name = "one way"\ntype = "layers"\n'
        'layers = ["app.services.rounds", "app.services.issues", "app.services.kernel"]\n'
    )

    result = run_import_contracts(tmp_path, config)

    assert result.returncode != 0
    assert "app.services.kernel.audit -> app.services.rounds.tally" in result.stdout


def test_no_module_is_a_junk_drawer_or_too_long() -> None:
    """STYLE.md: modules named by what they hold (no utils.py), short enough to read (<= 400 lines)."""
    sources = [
        p
        for package in ("app", "geo", "budgets", "bench", "ops", "tests")
        for p in (ROOT / package).rglob("*.py")
    ]
    drawers = [str(p.relative_to(ROOT)) for p in sources if p.stem in ("utils", "helpers", "misc")]
    long = {str(p.relative_to(ROOT)): n for p in sources if (n := len(p.read_text().splitlines())) > 400}

    assert not drawers
    assert not long


def test_every_services_package_says_what_it_holds() -> None:
    packages = sorted(p for p in (ROOT / "app" / "services").iterdir() if (p / "__init__.py").exists())
    assert len(packages) >= 6
    for package in packages:
        docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text()))
        assert docstring, f"{package.name} has no docstring"
        assert "\n" not in docstring.strip(), f"{package.name}: one line, please"


def test_templates_get_no_functions_of_ours_to_call(app: Flask) -> None:
    """Views pass what a page shows: no global or context processor of ours lets a template query."""
    ours = sorted(
        name
        for name, value in app.jinja_env.globals.items()
        if str(getattr(value, "__module__", "")).startswith("app")
    )
    assert ours == []
    processors = [
        f"{processor.__module__}.{processor.__name__}"
        for processors in app.template_context_processors.values()
        for processor in processors
        if processor.__module__.startswith("app")
    ]
    assert processors == []
