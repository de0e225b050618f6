"""Command-line tasks (flask --app wsgi ...): init-db, seed-demo, create-user, import-areas, rename-area,
and more."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask_migrate import upgrade
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.database.outages import database_unreachable, outage_summary
from app.database.schema_state import schema_state
from app.extensions import db
from app.models.timestamps import utcnow
from app.services.accounts import roles
from app.services.accounts import users as accounts
from app.services.gazetteer import geocoders, lookup
from app.services.gazetteer.imports import import_gazetteer
from app.services.issues import places
from app.services.kernel.errors import DomainError
from budgets.allocation import counted
from geo.areas import AreaError
from geo.geojson import read_areas
from geo.streets import GazetteerError, read_gazetteer


def register_commands(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db() -> None:
        """Create or migrate the database to the latest schema and load reference data."""
        upgrade()
        places.ensure_reference_data(db.session)
        db.session.commit()
        click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")

    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--role", type=click.Choice(["resident", "official", "admin"]), default="resident")
    @click.option(
        "--name", "display_name", default=None, help="Display name (default: the email's local part)."
    )
    def create_user(email: str, password: str, role: str, display_name: str | None) -> None:
        """Create an account with the given role."""
        name = display_name or email.split("@")[0]
        try:
            if role in ("official", "admin"):
                accounts.check_staff_password(password, *accounts.account_hints(email, name))
            user = accounts.register(db.session, email, name, password, role=role)
        except DomainError as exc:
            raise click.ClickException(f"{exc.field}: {exc.message}") from None
        user.email_confirmed_at = utcnow()  # whoever runs the command vouches for the address
        db.session.commit()
        click.echo(f"Created {user.role} {user.email} (id {user.id}, email confirmed).")

    @app.cli.command("set-role")
    @click.argument("email")
    @click.argument("role", type=click.Choice(["resident", "official", "admin"]))
    def set_role(email: str, role: str) -> None:
        """Change an account's role; a new official or admin sets a staff-strength password."""
        password = None
        if role != "resident" and roles.needs_password(db.session, email):
            password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
        try:
            changed = roles.change_role(db.session, email, role, password)
        except DomainError as exc:
            raise click.ClickException(f"{exc.field}: {exc.message}") from None
        db.session.commit()
        dropped = changed.assignments_dropped
        click.echo(
            f"{changed.user.email} is now {role} (was {changed.before}): "
            f"{counted(changed.logins_ended, 'login')} ended, {counted(changed.tokens_revoked, 'API token')} "
            "revoked" + (f", {counted(dropped, 'problem')} left unassigned." if dropped else ".")
        )

    @app.cli.command("import-areas")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option(
        "--allow-overlap",
        is_flag=True,
        help="Import an area even where it covers more than half of another (or is so covered).",
    )
    def import_areas(file: Path, allow_overlap: bool) -> None:
        """Load neighbourhood polygons (GeoJSON, a `name` per feature) as areas: a feature named as an
        existing area replaces its shape; all or nothing."""
        try:
            shapes = read_areas(file.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise click.ClickException(f"{file}: not a UTF-8 text file") from None
        except AreaError as exc:
            raise click.ClickException(f"{file}: {exc}") from None
        with click.progressbar(length=len(shapes), label="Importing areas") as bar:
            try:
                added, updated = places.import_areas(db.session, shapes, allow_overlap=allow_overlap)
            except DomainError as exc:
                raise click.ClickException(f"{file}: {exc.message} Nothing was imported.") from None
            bar.update(len(shapes))
        db.session.commit()
        click.echo(f"{added} areas added, {updated} updated.")

    @app.cli.command("rename-area")
    @click.argument("old")
    @click.argument("new")
    def rename_area(old: str, new: str) -> None:
        """Rename an area (its slug follows); the places named after it follow too."""
        try:
            renamed = places.rename_area(db.session, old, new)
        except DomainError as exc:
            raise click.ClickException(f"{exc.field}: {exc.message}") from None
        rows = lookup.placed_issues_of_area(db.session, renamed.area.id)
        placed = geocoders.place_issues(db.session, geocoders.configured_geocoder(), rows) if rows else 0
        db.session.commit()
        click.echo(
            f"Renamed {renamed.before!r} to {renamed.area.name!r} (slug {renamed.area.slug}); "
            f"{placed} of {len(rows)} problems' places named again."
        )

    @app.cli.command("import-streets")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_streets(file: Path) -> None:
        """Load named streets, addresses and landmarks (GeoJSON, e.g. an OpenStreetMap export with `name`,
        `addr:street` and `addr:housenumber` tags) into the gazetteer, then name the place of every problem
        that has none yet. Importing the same file again changes nothing."""
        try:
            gazetteer = read_gazetteer(file.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise click.ClickException(f"{file}: not a UTF-8 text file") from None
        except GazetteerError as exc:
            raise click.ClickException(f"{file}: {exc}") from None
        summary = import_gazetteer(db.session, gazetteer)
        placed = geocoders.place_issues(
            db.session, geocoders.configured_geocoder(), lookup.unplaced_issues(db.session)
        )
        db.session.commit()
        click.echo(f"{summary} {placed} problems placed.")

    @app.cli.command("locate-issues")
    @click.option(
        "--all", "everything", is_flag=True, help="Name every problem's place again, not only missing ones."
    )
    def locate_issues(everything: bool) -> None:
        """Name the nearest street of problems reported before the streets were imported."""
        rows = lookup.unplaced_issues(db.session, everything)
        placed = geocoders.place_issues(db.session, geocoders.configured_geocoder(), rows)
        db.session.commit()
        click.echo(f"{placed} of {len(rows)} problems placed.")

    @app.cli.command("seed-demo")
    @click.option("--issues", "issue_count", default=320, show_default=True)
    def seed_demo(issue_count: int) -> None:
        """Load the demo city once (areas, residents, problems, likes); deterministic."""
        from app.demo.seed import seed_demo_city

        summary = seed_demo_city(db.session, issue_count=issue_count, progress=click.progressbar)
        db.session.commit()
        click.echo(summary)

    from app.groups.cli import register_funding_commands

    register_funding_commands(app)

    from app.backups.commands import register_backup_commands

    register_backup_commands(app)


def explain_database_outages(app: Flask) -> None:
    """Every command of `flask --app wsgi` says in one line that the database is out of reach (where,
    without its password, and the driver's reason), or that its schema is behind this code (found
    from outside: create-user on a database never migrated printed 89 lines ending in "no such table"),
    and exits 1, instead of a page of traceback."""
    where = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)
    for command in app.cli.commands.values():
        if command.callback is not None:
            command.callback = _outage_said(command.callback, where)


def _outage_said(callback: Callable[..., Any], where: str) -> Callable[..., Any]:
    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except DBAPIError as error:
            if database_unreachable(error):
                raise click.ClickException(
                    f"The database at {where} is out of reach ({outage_summary(error)}). "
                    "Start it, or check DATABASE_URL, and run the command again."
                ) from None
            behind = _schema_behind()
            if behind is None:
                raise
            raise click.ClickException(f"The database at {where} is {behind}.") from None

    return run


def _schema_behind() -> str | None:
    """How the database's schema stands when it is behind this code (never migrated included)."""
    db.session.rollback()
    try:
        with db.engine.connect() as connection:
            state = schema_state(connection, current_app.extensions["migrate"].directory)
    except DBAPIError:
        return None
    return state.describe() if state.behind else None
