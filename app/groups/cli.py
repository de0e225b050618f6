"""Funding commands: `flask --app wsgi create-group AREA_NAME NAME` and `flask --app wsgi ledger-check`."""

from __future__ import annotations

import click
from flask import Flask

from app.extensions import db
from app.services.funding import groups, ledger_chain, transparency
from app.services.kernel.errors import DomainError


def register_funding_commands(app: Flask) -> None:
    @app.cli.command("create-group")
    @click.argument("area_name")
    @click.argument("name")
    @click.option("--currency", default="EUR", show_default=True)
    @click.option("--max-pledge-cents", default=50_000, show_default=True, type=int)
    def create_group(area_name: str, name: str, currency: str, max_pledge_cents: int) -> None:
        """Create a neighbourhood group (with its open pool) for the area called AREA_NAME."""
        try:
            area_id = groups.area_id_by_name(db.session, area_name)
            group = groups.create_group(
                db.session, None, area_id, name, currency=currency, max_pledge_cents=max_pledge_cents
            )
        except DomainError as exc:
            raise click.ClickException(f"{exc.field}: {exc.message}") from None
        db.session.commit()
        click.echo(f"Created group {group.name} (id {group.id}) in {area_name}.")

    @app.cli.command("ledger-check")
    def ledger_check() -> None:
        """Verify every ledger invariant and the hash chain; exit 1 printing the first violation."""
        violation, count = transparency.check_ledger(db.session)
        if violation is not None:
            click.echo(f"LEDGER VIOLATION: {violation}", err=True)
            raise SystemExit(1)
        broken = ledger_chain.check_chain(db.session)
        if broken is not None:
            click.echo(f"LEDGER VIOLATION: {broken}", err=True)
            raise SystemExit(1)
        tip = ledger_chain.tip(db.session)
        click.echo(
            f"Ledger OK: {count} postings; every posting balances, no pool or problem account ever "
            "went negative, and per pool pledged + matched + returned = allocated + refunded + "
            "rolled over + held. "
            f"Hash chain OK: {tip.postings} postings, latest hash {tip.last_hash}."
        )
