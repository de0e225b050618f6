"""Commonfix web application: the factory that builds and wires the Flask app."""

from __future__ import annotations

import os
from collections.abc import Mapping
from email.utils import formataddr
from pathlib import Path
from typing import Any

from flask import Flask

from app.configuration_error import ConfigurationError
from app.secret_key import resolve_secret_key
from config import CONFIGS, Config, from_environment


def create_app(config: type[Config] | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app from a config class (default: COMMONFIX_ENV's), the environment, then overrides."""
    app = Flask(__name__, instance_relative_config=False)
    from app.converters import BoundedIntConverter
    from app.json_provider import OrjsonProvider

    # Before any blueprint: every `<int:...>` rule is built with the converter registered under "int".
    app.url_map.converters["int"] = BoundedIntConverter

    app.json = OrjsonProvider(app)
    load_config(app, config, overrides or {})
    from app.proxies import trust_proxies

    trust_proxies(app)

    from app.database.engines import configure_database, prepare_engine, register_read_commit
    from app.extensions import csrf, db, login_manager, migrate
    from app.ratelimit_storage import init_rate_limits

    configure_database(app)
    db.init_app(app)
    with app.app_context():
        prepare_engine(db.engine, int(app.config.get("DATABASE_STATEMENT_TIMEOUT") or 0))
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    init_rate_limits(app)
    login_manager.init_app(app)

    from app import models  # noqa: F401  (registers the tables)
    from app.auth.sessions import register_user_loaders
    from app.errors import register_error_handlers
    from app.input_rules import register_input_rules
    from app.schema_gate import register_schema_gate
    from app.security import register_security_headers

    register_user_loaders(login_manager)
    register_error_handlers(app)
    register_schema_gate(app)
    register_input_rules(app)
    register_security_headers(app)
    register_read_commit(app)

    from budgets.money import format_money

    # The one way templates show money: {{ cents|money(currency) }}, the rules of budgets.money.
    app.add_template_filter(format_money, "money")
    # The site's name as the city calls it (config.SITE_NAME): {{ site_name }} in every template.
    app.add_template_global(app.config["SITE_NAME"], "site_name")

    from app.mail import init_mail
    from app.photo_stores import init_photo_store

    init_mail(app)
    init_photo_store(app)
    check_services(app.config)

    from app.services.funding.backing_settlement import settle_on_issue_event
    from app.services.issues.events import issue_event

    # A closed or merged problem's backers are refunded in the transaction that closes it.
    issue_event.connect(settle_on_issue_event)

    from app.extensions import compress
    from app.static_assets import StaticCompressionCache, compression_cache_key, init_static_assets

    init_static_assets(app)
    app.config.setdefault("COMPRESS_CACHE_BACKEND", StaticCompressionCache)
    app.config.setdefault("COMPRESS_CACHE_KEY", compression_cache_key)
    compress.init_app(app)

    from app.account import bp as account_bp
    from app.api import bp as api_bp
    from app.auth import bp as auth_bp
    from app.feeds import bp as feeds_bp
    from app.flags import bp as flags_bp
    from app.follows import bp as follows_bp
    from app.groups import bp as groups_bp
    from app.issues import bp as issues_bp
    from app.main import bp as main_bp
    from app.matching import bp as matching_bp
    from app.open311 import bp as open311_bp
    from app.rounds import bp as rounds_bp
    from app.staff import bp as staff_bp
    from app.timeline import bp as timeline_bp
    from app.transparency import bp as transparency_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(flags_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(follows_bp)
    app.register_blueprint(groups_bp)
    app.register_blueprint(issues_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(open311_bp)
    app.register_blueprint(rounds_bp)
    app.register_blueprint(matching_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(timeline_bp)
    app.register_blueprint(transparency_bp)

    from app.cli import explain_database_outages, register_commands
    from app.jobs import registry  # noqa: F401  (declares every job before the queue binds them)
    from app.jobs.queue import init_queue
    from app.jobs.worker import register_worker_command

    register_commands(app)
    init_queue(app)
    register_worker_command(app)
    explain_database_outages(app)  # last: every command registered above
    return app


def load_config(app: Flask, config: type[Config] | None, overrides: dict[str, Any]) -> None:
    """Defaults from the config class, then the environment, then explicit overrides."""
    if config is None:
        name = os.environ.get("COMMONFIX_ENV", "development")
        if name not in CONFIGS:
            raise ConfigurationError(f"COMMONFIX_ENV must be one of {sorted(CONFIGS)}, not {name!r}")
        config = CONFIGS[name]
    app.config.from_object(config)
    try:
        app.config.update(from_environment(os.environ))
    except ValueError as error:  # config.py's parsers name the variable and the value's form
        raise ConfigurationError(str(error)) from None
    app.config.update(overrides)
    if not str(app.config.get("MAIL_DEFAULT_SENDER") or "").strip():  # unset, empty or blank
        # Mail comes from the site's name unless a sender is set (found from outside: a site the city
        # named had its mail still come "From: Commonfix").
        # Quoted as a display name: a comma, a semicolon or brackets in the name made two addresses of
        # one, and the SMTP server refused the sender (found from outside).
        app.config["MAIL_DEFAULT_SENDER"] = formataddr((str(app.config["SITE_NAME"]), "noreply@localhost"))
    app.config["SECRET_KEY"] = resolve_secret_key(
        app.config.get("SECRET_KEY"), str(app.config["SECRET_KEY_SOURCE"]), app.instance_path
    )
    if not app.config.get("UPLOAD_FOLDER"):
        app.config["UPLOAD_FOLDER"] = str(Path(app.instance_path) / "uploads")


def check_services(config: Mapping[str, Any]) -> None:
    """The geocoder and the payment provider the settings name, checked while the app is built, not by
    the first report or pledge that needs them (found from outside: GEOCODER=nominatim without
    GEOCODER_URL started, then every report was a 500)."""
    from app.services.funding.payments import get_provider
    from app.services.gazetteer.geocoders import geocoder_for

    try:
        geocoder_for(config)
        get_provider(str(config.get("PAYMENT_PROVIDER")))
    except (ValueError, RuntimeError) as error:
        raise ConfigurationError(str(error)) from None
