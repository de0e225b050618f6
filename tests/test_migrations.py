"""The migrations build exactly the schema the models describe, on SpatiaLite and on PostGIS."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from geoalchemy2 import alembic_helpers

from app.extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def env_include_object() -> Any:
    """migrations/env.py's own include_object (it cannot be imported: importing it runs migrations)."""
    tree = ast.parse((MIGRATIONS / "env.py").read_text(encoding="utf-8"))
    wanted: list[ast.stmt] = [
        node
        for node in tree.body
        if (isinstance(node, ast.FunctionDef) and node.name == "include_object")
        or (
            isinstance(node, ast.Assign)
            and any(getattr(t, "id", "") == "EXTENSION_TABLES" for t in node.targets)
        )
    ]
    namespace: dict[str, Any] = {"alembic_helpers": alembic_helpers}
    exec(compile(ast.Module(body=wanted, type_ignores=[]), "migrations/env.py", "exec"), namespace)
    return namespace["include_object"]


def test_the_database_is_at_the_single_head_revision(app: Flask) -> None:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(config).get_heads()

    with app.app_context(), db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()

    assert len(heads) == 1, f"the migrations have several heads, merge them: {heads}"
    assert tuple(current) == tuple(heads)


def test_the_migrated_schema_matches_the_models(app: Flask) -> None:
    include_object = env_include_object()
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_object": include_object,
                "compare_type": True,
                "compare_server_default": False,
                "render_item": alembic_helpers.render_item,
            },
        )
        differences = compare_metadata(context, db.metadata)

    assert differences == [], "run `flask --app wsgi db migrate` and review the new migration:\n" + "\n".join(
        map(str, differences)
    )
