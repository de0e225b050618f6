"""`flask --app wsgi backup DIR` and `flask --app wsgi restore DIR [--force]`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from app.backups.manifest import BackupError
from app.database.snapshots import SnapshotError
from budgets.allocation import counted


def register_backup_commands(app: Flask) -> None:
    @app.cli.command("backup")
    @click.argument("folder", type=click.Path(path_type=Path))
    def backup(folder: Path) -> None:
        """Write a consistent backup (database, photos, manifest.json) into the new or empty FOLDER."""
        from app.backups.taking import take_backup

        try:
            manifest = take_backup(app, folder)
        except (BackupError, SnapshotError) as exc:
            raise click.ClickException(str(exc)) from None
        tables = manifest.summary["tables"]
        click.echo(
            f"Backup written to {folder}: {manifest.engine} at schema revision "
            f"{manifest.summary['schema_revision']}, {counted(sum(tables.values()), 'row')} in "
            f"{counted(len(tables), 'table')}, {counted(len(manifest.files) - 1, 'photo')}, ledger "
            f"{counted(manifest.summary['ledger']['postings'], 'posting')}."
        )

    @app.cli.command("restore")
    @click.argument("folder", type=click.Path(path_type=Path))
    @click.option(
        "--force",
        is_flag=True,
        help="Restore even though the database or photo folder is not empty: the backup's tables replace "
        "those there (the whole file on SQLite; pg_restore --clean on PostgreSQL); photos are overwritten.",
    )
    @click.option(
        "--send-waiting-mail",
        is_flag=True,
        help="Send the mail that was waiting when the backup was taken. Without it that mail is held "
        "(marked failed, with the reason): it may have gone out after the backup, and residents would "
        "get it twice.",
    )
    def restore(folder: Path, force: bool, send_waiting_mail: bool) -> None:
        """Restore the backup in FOLDER into this app's empty database and photo folder, then verify it."""
        from app.backups.restoring import restore_backup

        try:
            restored = restore_backup(app, folder, force=force, send_waiting_mail=send_waiting_mail)
        except (BackupError, SnapshotError) as exc:
            raise click.ClickException(str(exc)) from None
        summary = restored.manifest.summary
        revision = summary["schema_revision"]
        click.echo(
            f"Restored the backup of {restored.manifest.created_at} from {folder}: "
            f"{counted(sum(summary['tables'].values()), 'row')} as the manifest counts them, "
            f"{counted(restored.photos, 'photo')}, ledger OK ({counted(restored.postings, 'posting')})."
        )
        if restored.held_mail or restored.held_fanouts:
            fanouts = (
                f" and {counted(restored.held_fanouts, 'unfinished mail fan-out')}"
                if restored.held_fanouts
                else ""
            )
            click.echo(
                f"Held, not sent: {counted(restored.held_mail, 'mail')}{fanouts} waiting when the backup was "
                "taken, which may have gone out since (they count as failed on the admins' desk). To send "
                "them, restore again with --send-waiting-mail."
            )
        if revision != restored.code_head:
            click.echo(
                f"The schema is at revision {revision}, this code's is {restored.code_head}: run "
                "`flask --app wsgi init-db` to migrate it before starting the app."
            )
