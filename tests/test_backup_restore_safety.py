"""What a restore must not do, found from outside: restore a file its manifest does not list, leave the
data of a failed restore in place without a word, or send again the mail that was waiting when the
backup was taken (it may have gone out since)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from app.extensions import db
from app.models import MailFanout, OutgoingMail
from app.models.timestamps import utcnow
from tests.test_backup_refusals import backup_dir, close, fresh_app, refused, users_in  # noqa: F401


def test_a_file_the_manifest_does_not_list_is_refused(
    backup_dir: Path,  # noqa: F811
    backend: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    (backup_dir / "photos" / "extra.jpg").write_bytes(b"\xff\xd8 added later \xff\xd9")
    target = fresh_app(backend, tmp_path, request, "unlisted")

    refused(
        target.test_cli_runner().invoke(args=["restore", str(backup_dir)]),
        "holds files its manifest does not list: photos/extra.jpg",
    )

    assert not Path(target.config["UPLOAD_FOLDER"]).exists()
    close(target)


def test_a_restore_that_fails_its_last_check_says_what_the_target_holds(
    backup_dir: Path,  # noqa: F811
    backend: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    """Every file passes its checksum, only the counts differ (a manifest edited by hand)."""
    manifest_file = backup_dir / "manifest.json"
    good = manifest_file.read_text()
    manifest = json.loads(good)
    manifest["tables"]["users"] += 1
    manifest_file.write_text(json.dumps(manifest))
    target = fresh_app(backend, tmp_path, request, "unproven")
    runner = target.test_cli_runner()

    output = refused(runner.invoke(args=["restore", str(backup_dir)]), "does not match the backup")

    uploads = Path(target.config["UPLOAD_FOLDER"])
    manifest_file.write_text(good)
    if backend == "spatialite":
        # Into an empty SQLite target, the restored file and photos go again: a retry needs no --force.
        assert "Nothing was kept: the target is as empty as before." in output
        assert not any(p.is_file() for p in uploads.rglob("*"))
        retried = runner.invoke(args=["restore", str(backup_dir)])
    else:
        # PostgreSQL committed the restore: the operator is told, and --force puts a good backup over it.
        assert "The target now holds this backup's data and photos, unproven: do not serve it." in output
        assert "--force" in output
        retried = runner.invoke(args=["restore", "--force", str(backup_dir)])
    assert retried.exit_code == 0, retried.output
    assert users_in(target) == manifest["tables"]["users"] - 1
    close(target)


def queue_waiting_mail(app: Flask) -> None:
    """A status mail not yet sent and a fan-out not yet done, as a backup may catch them."""
    with app.app_context():
        db.session.add(
            OutgoingMail(
                event_key="issue-event:1:to:1",
                recipient="follower@example.org",
                subject="“Pothole on Elm Street” is now Planned",
                message=b"Subject: x\r\n\r\nPlanned.\r\n",
            )
        )
        db.session.add(MailFanout(subject="Planned", body="Planned.", recipients="[]", created_at=utcnow()))
        db.session.commit()
        db.session.remove()


def statuses(app: Flask) -> tuple[list[tuple[str, str | None]], list[bool]]:
    with app.app_context():
        mails = [(m.status, m.last_error) for m in db.session.scalars(select(OutgoingMail))]
        fanouts = [f.done_at is not None for f in db.session.scalars(select(MailFanout))]
        db.session.remove()
        return mails, fanouts


@pytest.mark.parametrize("send", [False, True])
def test_mail_waiting_at_the_backup_is_held_unless_asked(
    runner: FlaskCliRunner,
    app: Flask,
    backend: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    send: bool,
) -> None:
    queue_waiting_mail(app)
    assert runner.invoke(args=["backup", str(tmp_path / "with-mail")]).exit_code == 0
    target = fresh_app(backend, tmp_path, request, "mail")

    asked = ["restore", *(["--send-waiting-mail"] if send else []), str(tmp_path / "with-mail")]
    result = target.test_cli_runner().invoke(args=asked)

    assert result.exit_code == 0, result.output
    mails, fanouts = statuses(target)
    if send:
        assert mails == [("queued", None)]
        assert fanouts == [False]
        assert "Held" not in result.output
    else:
        assert "Held, not sent: 1 mail and 1 unfinished mail fan-out" in result.output
        assert "--send-waiting-mail" in result.output
        assert [status for status, _ in mails] == ["failed"]
        assert (mails[0][1] or "").startswith("Held at restore: it was waiting when the backup of ")
        assert fanouts == [True]
    close(target)
