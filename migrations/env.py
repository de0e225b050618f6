"""Alembic environment: Flask-Migrate's, with GeoAlchemy2's helpers.

The spatial extensions' own tables are left alone."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from geoalchemy2 import alembic_helpers

from app.database.deadlines import unhurried

config = context.config
# Keep the app's loggers: migrations also run inside the app (init-db, the tests).
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

# Tables that SpatiaLite or PostGIS create for themselves: autogenerate must never drop them.
EXTENSION_TABLES = {
    "SpatialIndex",
    "KNN",
    "KNN2",
    "ElementaryGeometries",
    "data_licenses",
    "sql_statements_log",
    "spatialite_history",
    "spatial_ref_sys_aux",
    "geometry_columns_auth",
    "geometry_columns_field_infos",
    "geometry_columns_statistics",
    "geometry_columns_time",
    "vector_layers",
    "vector_layers_auth",
    "vector_layers_field_infos",
    "vector_layers_statistics",
    "views_geometry_columns_auth",
    "views_geometry_columns_field_infos",
    "views_geometry_columns_statistics",
    "virts_geometry_columns_auth",
    "virts_geometry_columns_field_infos",
    "virts_geometry_columns_statistics",
    "layer_styles",
    "topology",
    "layer",
}


def include_object(obj, name, obj_type, reflected, compare_to):
    if obj_type == "table" and (name in EXTENSION_TABLES or name.startswith(("rl2map_", "SE_", "ISO_"))):
        return False
    return alembic_helpers.include_object(obj, name, obj_type, reflected, compare_to)


def get_engine():
    return current_app.extensions["migrate"].db.engine


config.set_main_option(
    "sqlalchemy.url", get_engine().url.render_as_string(hide_password=False).replace("%", "%%")
)
target_db = current_app.extensions["migrate"].db


def configure_arguments():
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")
                return
        alembic_helpers.writer(context, revision, directives)

    args = dict(current_app.extensions["migrate"].configure_args)
    args.setdefault("process_revision_directives", process_revision_directives)
    args["include_object"] = include_object
    args["render_item"] = alembic_helpers.render_item
    # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
    args["render_as_batch"] = True
    return args


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
        **configure_arguments(),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    with get_engine().connect() as connection:
        context.configure(connection=connection, target_metadata=target_db.metadata, **configure_arguments())
        with context.begin_transaction(), unhurried(connection):  # no statement timeout for migrations
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
