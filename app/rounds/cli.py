"""`flask --app wsgi tally-round ID` (a tally in this process, with a progress bar) and `round-schedule`."""

from __future__ import annotations

import click
from flask import current_app

from app.extensions import db
from app.jobs.round_schedule import run_schedule_at
from app.models import User
from app.models.account import Role
from app.models.timestamps import utcnow
from app.rounds import bp
from app.services.kernel.errors import DomainError
from app.services.rounds import jobs as tally_jobs
from app.services.rounds import results as round_results
from app.tally_runner import lease_seconds, run_job


@bp.cli.command("tally-round")
@click.argument("round_id", type=int)
@click.option(
    "--as", "email", default=None, help="Tally as this official or group admin (default: the first admin)."
)
def tally_round(round_id: int, email: str | None) -> None:
    """Tally round ROUND_ID (claim, read ballots, run the rule: a provisional result for the city to
    certify; nothing is posted to the ledger) with a progress bar."""
    actor = db.session.scalar(
        db.select(User).where(User.email == email.strip().lower())
        if email
        else db.select(User).where(User.role == Role.ADMIN.value).order_by(User.id).limit(1)
    )
    if actor is None:
        raise click.ClickException("No such account: pass --as EMAIL of an official or a group admin.")
    try:
        job = tally_jobs.start_job(db.session, actor, round_id)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.field}: {exc.message}" if exc.field else exc.message) from None
    db.session.commit()
    with click.progressbar(length=100, label=f"Tallying round {round_id}", show_percent=True) as bar:
        shown = {"at": 0}

        def advance(percent: int, _message: str) -> None:
            if percent > shown["at"]:
                bar.update(percent - shown["at"])
                shown["at"] = percent

        summary = run_job(db.session, job.id, lease_seconds(current_app), advance)
    if summary is None:
        failed = tally_jobs.get_job(db.session, job.id)
        raise click.ClickException(f"The tally failed: {failed.error}")
    outcome = round_results.results(db.session, round_id)
    click.echo(
        f"Funded {len(outcome.funded)} of {len(outcome.funded) + len(outcome.unfunded)} candidates: "
        f"spent {outcome.spent_cents} of {outcome.budget_cents} cents, "
        f"{outcome.leftover_cents} cents {'rolled over' if outcome.leftover == 'rollover' else 'refunded'}."
    )
    click.echo(
        "The result is provisional: no money moves until a city official certifies it "
        f"(POST /api/v1/rounds/{round_id}/certification, or the round page)."
    )


@bp.cli.command("round-schedule")
def round_schedule() -> None:
    """One pass of the rounds' schedule now: open and close voting whose time has come, send reminders.

    The worker runs the same pass every minute; this runs it at once (cron without a worker, tests).
    """
    done = run_schedule_at(utcnow())
    click.echo(
        f"Opened voting in {len(done.opened)} round(s), closed {len(done.closed)}, "
        f"reminded {sum(done.reminded.values())} member(s)."
    )
