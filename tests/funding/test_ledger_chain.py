"""The ledger's hash chain: the recipe, sealing at commit, the public CSV recomputed by a resident's own
few lines, concurrent writers on several pools, and the migration's backfill (tampering: its own file)."""

# ruff: noqa: F811  (the `funding` fixture is imported, then requested by name)

from __future__ import annotations

import contextlib
import csv
import hashlib
import html
import io
import itertools
import re
import threading
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import LedgerChainLink, LedgerPosting
from app.services.funding import ledger, ledger_chain
from budgets.ledger_chain import GENESIS, canonical_text, posting_hash, public_account
from tests.funding.ledger_chain_world import check, money_world, post_match
from tests.funding_fixtures import funding  # noqa: F401  (fixture)
from tests.statements import counted_statements

# --- the recipe (pure) ------------------------------------------------------------------------------


def test_the_canonical_text_is_exactly_the_documented_recipe() -> None:
    lines = [("pool:3:available", 500), ("city:match", -500)]
    written = canonical_text(GENESIS, 7, "match", "2026-12-03T08:00:00.000001Z", 3, None, None, lines)
    assert written == (
        "commonfix-ledger-v1\n"
        f"prev {'0' * 64}\n"
        "posting 7\n"
        "kind match\n"
        "time 2026-12-03T08:00:00.000001Z\n"
        "pool 3\n"
        "issue -\n"
        "round -\n"
        "line city:match -500\n"
        "line pool:3:available 500"
    )
    digest = posting_hash(GENESIS, 7, "match", "2026-12-03T08:00:00.000001Z", 3, None, None, lines)
    assert digest == hashlib.sha256(written.encode()).hexdigest()
    # Line order does not matter; every field does.
    assert digest == posting_hash(
        GENESIS, 7, "match", "2026-12-03T08:00:00.000001Z", 3, None, None, lines[::-1]
    )
    assert digest != posting_hash(GENESIS, 7, "match", "2026-12-03T08:00:00.000001Z", 3, None, 1, lines)


def test_residents_are_published_as_unlinkable_codes() -> None:
    first, second = public_account("resident:42", "a" * 32), public_account("resident:42", "b" * 32)
    assert first.startswith("resident:")
    assert len(first) == len("resident:") + 20
    assert first != second
    assert public_account("pool:1:available", "a" * 32) == "pool:1:available"


# --- sealing and the check --------------------------------------------------------------------------


def test_postings_join_the_chain_when_they_commit_and_not_before(app: Flask, funding) -> None:
    ref, ids = money_world(funding)
    with app.app_context():
        links = db.session.execute(
            select(LedgerChainLink.seq, LedgerChainLink.posting_id).order_by(LedgerChainLink.seq)
        ).all()
        assert [tuple(row) for row in links] == list(enumerate(ids, start=1))
        assert ledger_chain.check_chain(db.session) is None
        # A posting rolled back leaves no link; one flushed but not yet committed has none yet.
        post_match(ref.pool_id, 4000)
        assert ledger_chain.tip(db.session).postings == 5
        db.session.rollback()
        assert ledger_chain.tip(db.session).postings == 5
        assert ledger_chain.check_chain(db.session) is None


def test_ledger_check_prints_the_chain_tip_when_all_holds(app: Flask, runner, funding) -> None:
    money_world(funding)
    code, output = check(runner)
    with app.app_context():
        tip = ledger_chain.tip(db.session)
    assert code == 0, output
    assert f"Hash chain OK: 5 postings, latest hash {tip.last_hash}." in output


# --- published: the page, the CSV, and a resident's own check --------------------------------------


def recompute(csv_text: str) -> tuple[int, str]:
    """A resident's own few lines, written from the recipe on the page (no Commonfix code)."""
    prev, count = "0" * 64, 0
    reader = csv.DictReader(io.StringIO(csv_text))
    for seq, group in itertools.groupby(reader, key=lambda row: int(row["seq"])):
        rows = list(group)
        first = rows[0]
        assert seq == count + 1
        assert first["prev_hash"] == prev
        parts = [
            "commonfix-ledger-v1",
            f"prev {prev}",
            f"posting {first['posting_id']}",
            f"kind {first['kind']}",
            f"time {first['time_utc']}",
            f"pool {first['pool_id'] or '-'}",
            f"issue {first['issue_id'] or '-'}",
            f"round {first['round_id'] or '-'}",
        ]
        for account, cents in sorted((row["account"], int(row["amount_cents"])) for row in rows):
            parts.append(f"line {account} {cents}")
        prev = hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()
        assert prev == first["hash"], f"posting {first['posting_id']}"
        count += 1
    return count, prev


def test_a_resident_recomputes_the_chain_from_the_downloaded_csv(
    app: Flask, client: FlaskClient, funding, tmp_path: Path
) -> None:
    ref, _ids = money_world(funding)
    page = client.get("/ledger").get_data(as_text=True)
    published = re.search(r'data-testid="chain-hash">([0-9a-f]{64})<', page)
    assert published is not None
    assert re.search(r'data-testid="chain-postings">5<', page)

    response = client.get("/ledger.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    csv_text = response.get_data(as_text=True)
    assert recompute(csv_text) == (5, published.group(1))

    # No resident's account number is published; each posting gives a resident a new code.
    with app.app_context():
        resident_ids = db.session.scalars(text("SELECT id FROM users")).all()
    codes = [row["account"] for row in csv.DictReader(io.StringIO(csv_text)) if row["kind"] == "pledge"]
    resident_codes = [c for c in codes if c.startswith("resident:")]
    assert len(resident_codes) == 2
    assert len(set(resident_codes)) == 2
    assert not {f"resident:{user_id}" for user_id in resident_ids} & set(codes)

    # The snippet printed on the page works as printed.
    snippet = html.unescape(re.search(r'data-testid="recipe"><code>(.*?)</code>', page, re.S).group(1))

    def run_snippet(csv_text: str) -> str:
        (tmp_path / "commonfix-ledger.csv").write_text(csv_text, encoding="utf-8", newline="")
        printed = io.StringIO()
        with contextlib.chdir(tmp_path), contextlib.redirect_stdout(printed):
            exec(compile(snippet, "recipe", "exec"), {})
        return printed.getvalue().strip()

    assert run_snippet(csv_text) == f"5 postings; latest hash {published.group(1)}"

    # A changed amount in the CSV is caught by the same lines.
    forged = csv_text.replace(",-1500,", ",-1400,", 1)
    assert forged != csv_text
    with pytest.raises(AssertionError):
        recompute(forged)
    with pytest.raises(AssertionError, match="does not match its hash"):
        run_snippet(forged)

    # Found from outside: the snippet read a posting's columns from its first line only, so a copy
    # moving a later line to another pool, or calling it another kind, still "verified".
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    second = next(i for i in range(1, len(rows)) if rows[i]["seq"] == rows[i - 1]["seq"])

    def written(edited: list[dict[str, str]]) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(edited)
        return out.getvalue()

    assert run_snippet(written(rows)) == f"5 postings; latest hash {published.group(1)}"
    for column, value in (("pool_id", "999"), ("kind", "payout"), ("hash", "0" * 64)):
        edited = [dict(row) for row in rows]
        edited[second][column] = value
        with pytest.raises(AssertionError, match="lines disagree"):
            run_snippet(written(edited))

    # The pool's page and its CSV carry the chain too.
    pool_page = client.get(f"/pools/{ref.pool_id}").get_data(as_text=True)
    assert published.group(1) in pool_page
    assert 'href="/ledger"' in pool_page
    pool_rows = list(csv.DictReader(io.StringIO(client.get(f"/pools/{ref.pool_id}/ledger.csv").text)))
    assert pool_rows[-1]["chain_seq"] == "5"
    assert pool_rows[-1]["posting_hash"] == published.group(1)


def test_the_chain_csv_streams_in_keyset_pages_and_still_recomputes(
    app: Flask, client: FlaskClient, funding, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Anyone may download it: a long chain must not be read into memory whole per request.
    money_world(funding)
    whole = client.get("/ledger.csv").get_data(as_text=True)
    monkeypatch.setattr(ledger_chain, "CHAIN_PAGE", 2)
    with app.app_context(), counted_statements() as seen:
        paged = client.get("/ledger.csv").get_data(as_text=True)
    assert paged == whole
    assert recompute(paged)[0] == 5
    keyset_pages = [s for s in seen if "ledger_chain" in s and "LIMIT" in s.upper()]
    assert len(keyset_pages) >= 3  # five postings, two a page


def test_the_ledger_page_of_an_empty_ledger_shows_the_genesis_hash(client: FlaskClient) -> None:
    page = client.get("/ledger").get_data(as_text=True)
    assert f'data-testid="chain-hash">{GENESIS}<' in page
    assert client.get("/ledger.csv").get_data(as_text=True).startswith("seq,posting_id,time_utc,kind")


# --- concurrency: several pools, one chain ----------------------------------------------------------

WRITERS = 4
TRANSACTIONS_EACH = 30


def test_concurrent_postings_on_several_pools_leave_one_unbroken_chain(app: Flask, funding) -> None:
    """Threads, each its own session: a posting on its own pool per transaction (nothing but the chain
    orders those), and in every third transaction one more on a pool they all share (two pool locks, then
    the chain's, which comes last: no deadlock)."""
    own = [funding.group(name=f"Writer {n}") for n in range(WRITERS)]
    shared = funding.group(name="Shared")
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def write(n: int) -> None:
        try:
            with app.app_context():
                start.wait()
                for i in range(TRANSACTIONS_EACH):
                    targets = [(own[n].pool_id, 100 + i)] + ([(shared.pool_id, 1)] if i % 3 == 0 else [])
                    for pool_id, cents in targets:
                        lines = [(ledger.CITY_MATCH, -cents), (ledger.available_account(pool_id), cents)]
                        ledger.post(db.session, ledger.PostingKind.MATCH, f"w{n}-{i}", lines, pool_id)
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:  # reported below, with the thread's own traceback
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        total = int(db.session.scalar(select(func.count(LedgerPosting.id))) or 0)
        assert total == WRITERS * (TRANSACTIONS_EACH + len(range(0, TRANSACTIONS_EACH, 3)))
        assert ledger_chain.check_chain(db.session) is None
        assert ledger_chain.tip(db.session).postings == total
        # A transaction's postings sit next to each other: the chain is sealed per commit.
        order = db.session.scalars(select(LedgerChainLink.posting_id).order_by(LedgerChainLink.seq)).all()
        memos = dict(db.session.execute(select(LedgerPosting.id, LedgerPosting.memo)).tuples().all())
        runs = [memo for memo, _ in itertools.groupby(memos[p] for p in order)]
        assert len(runs) == len(set(runs)) == WRITERS * TRANSACTIONS_EACH


# --- the migration chains the postings that exist ---------------------------------------------------


def test_the_migration_chains_existing_postings_in_id_order(app: Flask, runner, funding) -> None:
    _ref, ids = money_world(funding)
    with app.app_context():
        before = db.session.scalars(select(LedgerChainLink.hash).order_by(LedgerChainLink.seq)).all()
        db.session.remove()
        flask_migrate.downgrade(revision="0ede18de5b4e-1")
        flask_migrate.upgrade()
        links = db.session.execute(
            select(LedgerChainLink.seq, LedgerChainLink.posting_id).order_by(LedgerChainLink.seq)
        ).all()
        assert [tuple(row) for row in links] == list(enumerate(ids, start=1))
        assert ledger_chain.check_chain(db.session) is None
        after = db.session.scalars(select(LedgerChainLink.hash).order_by(LedgerChainLink.seq)).all()
    # Fresh salts give residents new codes, so the pledges' hashes differ; the matches' lines do not.
    assert len(after) == len(before) == 5
    code, output = check(runner)
    assert code == 0, output
