"""budgets/ is a pure domain package: it imports nothing from the web, database or map layers."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

from tests.budgets.pabulib_files import REPO_ROOT

FORBIDDEN = ("flask", "sqlalchemy", "geoalchemy2", "folium", "app", "geo", "pabutools", "pabulib")
# numpy only where a benchmark shows it pays (DESIGN.md): the modules that move and count voter
# classes in arrays. Everything else stays standard library.
NUMPY_MODULES = {"mes_prefix.py", "mes_float_classes.py"}


def test_no_module_of_budgets_imports_a_forbidden_package() -> None:
    for path in sorted((REPO_ROOT / "budgets").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                roots = [node.module.split(".")[0]]
            else:
                continue
            assert not set(roots) & set(FORBIDDEN), f"{path.name} imports {roots}"
            assert "numpy" not in roots or path.name in NUMPY_MODULES, f"{path.name} imports numpy"


def test_importing_every_module_loads_no_forbidden_package() -> None:
    paths = (REPO_ROOT / "budgets").glob("*.py")
    modules = sorted(f"budgets.{p.stem}" for p in paths if p.stem != "__main__")
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    )
    loaded = set(json.loads(result.stdout))
    assert not loaded & set(FORBIDDEN)


def test_every_module_starts_with_a_one_line_docstring_and_stays_small() -> None:
    for path in sorted((REPO_ROOT / "budgets").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        docstring = ast.get_docstring(ast.parse(text))
        assert docstring, path.name
        assert text.count("\n") < 330, f"{path.name} has grown past ~300 lines"


def test_importing_the_package_keeps_numpy_to_one_thread_unless_the_caller_chose() -> None:
    code = "import os, budgets; print(os.environ['OPENBLAS_NUM_THREADS'])"
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    for setting, expected in ((None, "1"), ("3", "3")):
        run_env = env if setting is None else {**env, "OPENBLAS_NUM_THREADS": setting}
        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO_ROOT,
            env=run_env,
        )
        assert result.stdout.strip() == expected
