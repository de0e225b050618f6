"""Tampering with the ledger behind the app's back (raw SQL, guards switched off) is caught by
`ledger-check` at the right posting: a changed amount, a deleted posting, an inserted line, reordered
postings, a changed time, a posting slipped in without a place in the chain."""

# ruff: noqa: F811  (the `funding` fixture is imported, then requested by name)

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.services.funding import ledger
from tests.funding.ledger_chain_world import check, money_world
from tests.funding_fixtures import funding  # noqa: F401  (fixture)

GUARDED = ("ledger_postings", "ledger_lines", "ledger_chain")


def tamper(app: Flask, *statements: tuple[str, dict[str, object]]) -> None:
    """Raw SQL, as someone with database access would write it: past the ORM's append-only guard, and with
    the database's own no-update triggers switched off for the moment (and back on afterwards)."""
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        saved = {}
        for table in GUARDED:
            if postgres:
                db.session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_no_update"))
            else:
                saved[table] = db.session.scalar(
                    text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
                    {"n": f"{table}_no_update"},
                )
                db.session.execute(text(f"DROP TRIGGER {table}_no_update"))
        for sql, params in statements:
            db.session.execute(text(sql), params)
        for table in GUARDED:
            if postgres:
                db.session.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {table}_no_update"))
            else:
                db.session.execute(text(saved[table]))
        db.session.commit()


def test_the_database_refuses_to_update_postings_lines_and_links(app: Flask, funding) -> None:
    _ref, ids = money_world(funding)
    for sql in (
        "UPDATE ledger_postings SET kind = 'refund' WHERE id = :p",
        "UPDATE ledger_lines SET amount_cents = 1 WHERE posting_id = :p",
        "UPDATE ledger_chain SET hash = 'x' WHERE posting_id = :p",
    ):
        with app.app_context():
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(sql), {"p": ids[0]})
            db.session.rollback()


def test_a_changed_amount_is_caught_at_its_posting(app: Flask, runner, funding) -> None:
    _ref, ids = money_world(funding)
    match = ids[3]  # the second match: shrinking both of its lines keeps every balance invariant true
    tamper(
        app,
        ("UPDATE ledger_lines SET amount_cents = amount_cents / 10 WHERE posting_id = :p", {"p": match}),
    )
    code, output = check(runner)
    assert code == 1
    assert f"LEDGER VIOLATION: hash chain broken at posting {match} (position 4 in the chain)" in output
    assert "hash to" in output


def test_a_deleted_posting_is_caught_at_the_posting_after_it(app: Flask, runner, funding) -> None:
    _ref, ids = money_world(funding)
    gone = ids[2]
    tamper(
        app,
        ("DELETE FROM ledger_lines WHERE posting_id = :p", {"p": gone}),
        ("DELETE FROM ledger_chain WHERE posting_id = :p", {"p": gone}),
        ("DELETE FROM ledger_postings WHERE id = :p", {"p": gone}),
    )
    code, output = check(runner)
    assert code == 1
    assert f"hash chain broken at posting {ids[3]} (position 3 in the chain)" in output
    assert "position 3 is missing" in output

    # Closing the gap in the positions does not hide it: the next posting names another hash before it.
    # (Out of the way first, then back one lower: a unique key is checked row by row, in no set order.)
    tamper(
        app,
        ("UPDATE ledger_chain SET seq = -seq WHERE seq > 3", {}),
        ("UPDATE ledger_chain SET seq = -seq - 1 WHERE seq < 0", {}),
    )
    code, output = check(runner)
    assert code == 1
    assert f"hash chain broken at posting {ids[3]} (position 3 in the chain)" in output
    assert "as the hash before it" in output


def test_an_inserted_line_is_caught_at_its_posting(app: Flask, runner, funding) -> None:
    ref, ids = money_world(funding)
    target = ids[3]  # a match: an extra balanced pair of lines keeps every balance invariant true
    pool_account = ledger.available_account(ref.pool_id)
    tamper(
        app,
        (
            "INSERT INTO ledger_lines (posting_id, account, amount_cents) VALUES (:p, 'city:match', -5)",
            {"p": target},
        ),
        (
            "INSERT INTO ledger_lines (posting_id, account, amount_cents) VALUES (:p, :a, 5)",
            {"p": target, "a": pool_account},
        ),
    )
    code, output = check(runner)
    assert code == 1
    assert f"hash chain broken at posting {target} (position 4 in the chain)" in output


def test_reordered_postings_are_caught_where_the_order_changed(app: Flask, runner, funding) -> None:
    _ref, ids = money_world(funding)
    tamper(
        app,
        ("UPDATE ledger_chain SET seq = 100 WHERE seq = 2", {}),
        ("UPDATE ledger_chain SET seq = 2 WHERE seq = 3", {}),
        ("UPDATE ledger_chain SET seq = 3 WHERE seq = 100", {}),
    )
    code, output = check(runner)
    assert code == 1
    assert f"hash chain broken at posting {ids[2]} (position 2 in the chain)" in output


def test_a_changed_time_and_a_posting_slipped_in_are_caught(app: Flask, runner, funding) -> None:
    _ref, ids = money_world(funding)
    tamper(
        app,
        (
            "UPDATE ledger_postings SET created_at = :t WHERE id = :p",
            {"t": "2020-01-01 00:00:00.000000", "p": ids[4]},
        ),
    )
    code, output = check(runner)
    assert code == 1
    assert f"hash chain broken at posting {ids[4]} (position 5 in the chain)" in output


def test_a_posting_written_around_the_service_has_no_place_in_the_chain(app: Flask, runner, funding) -> None:
    ref, _ids = money_world(funding)
    with app.app_context():
        forged = db.session.execute(
            text(
                "INSERT INTO ledger_postings (kind, memo, pool_id, created_at) "
                "VALUES ('match', 'forged', :pool, :t) RETURNING id"
            ),
            {"pool": ref.pool_id, "t": "2026-12-03 08:00:00.000000"},
        ).scalar_one()
        for account, cents in (("city:match", -5), (ledger.available_account(ref.pool_id), 5)):
            db.session.execute(
                text("INSERT INTO ledger_lines (posting_id, account, amount_cents) VALUES (:p, :a, :c)"),
                {"p": forged, "a": account, "c": cents},
            )
        db.session.commit()
    code, output = check(runner)
    assert code == 1
    assert f"hash chain broken at posting {forged} (position 6 in the chain)" in output
    assert "no place in the hash chain" in output
