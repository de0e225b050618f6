"""The ledger: pure invariants and exact splits, the service's postings, append-only, and ledger-check."""

# ruff: noqa: F811  (the `funding` fixture is imported, then requested by name)

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert, text

from app.extensions import db
from app.models import LedgerLine, LedgerPosting
from app.models.ledger import LedgerAppendOnly
from app.services.funding import ledger
from app.services.kernel.errors import ValidationError
from budgets.ledger import Line, Posting, first_violation, largest_remainder_split
from tests.funding_fixtures import funding  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]


# --- pure -------------------------------------------------------------------------------------------


@given(
    total=st.integers(min_value=0, max_value=10**9),
    weights=st.lists(st.integers(min_value=1, max_value=10**7), min_size=1, max_size=30),
)
def test_largest_remainder_split_is_exact_and_fair(total: int, weights: list[int]) -> None:
    named = [(f"resident:{i}", w) for i, w in enumerate(weights)]
    parts = dict(largest_remainder_split(total, named))
    assert sum(parts.values()) == total
    weight_sum = sum(weights)
    for key, w in named:
        exact = total * w / weight_sum
        assert abs(parts.get(key, 0) - exact) < 1  # never more than a cent from the exact share


def test_first_violation_reports_the_first_broken_rule() -> None:
    good = [
        Posting(1, "pledge", 1, (Line("resident:1", -500), Line("pool:1:available", 500))),
        Posting(2, "allocation", 1, (Line("pool:1:available", -300), Line("issue:9:funded", 300))),
    ]
    assert first_violation(good, {1: 500}) is None
    unbalanced = [*good, Posting(3, "pledge", 1, (Line("resident:1", -5), Line("pool:1:available", 7)))]
    assert str(first_violation(unbalanced)).startswith("balanced (posting 3): lines sum to 2 cents")
    overdrawn = [
        *good,
        Posting(3, "allocation", 1, (Line("pool:1:available", -201), Line("issue:2:funded", 201))),
    ]
    assert first_violation(overdrawn).rule == "non-negative"
    foreign = [*good, Posting(3, "allocation", 1, (Line("pool:2:available", -1), Line("issue:2:funded", 1)))]
    assert first_violation(foreign).rule == "own-pool"
    assert first_violation(good, {1: 400}).rule == "pledges-posted"


def test_a_problems_committed_money_never_goes_negative_and_returns_count_for_the_pool() -> None:
    funded = [
        Posting(1, "pledge", 1, (Line("resident:1", -500), Line("pool:1:available", 500))),
        Posting(2, "allocation", 1, (Line("pool:1:available", -300), Line("issue:9:funded", 300))),
        Posting(3, "payout", None, (Line("issue:9:funded", -250), Line("payee:1", 250))),
    ]
    assert first_violation(funded, {1: 500}) is None
    overpaid = [*funded, Posting(4, "payout", None, (Line("issue:9:funded", -51), Line("payee:2", 51)))]
    violation = first_violation(overpaid)
    assert violation is not None
    assert violation.rule == "non-negative"
    assert violation.posting_id == 4
    assert "issue:9:funded would be -1 cents" in violation.message
    escrow = [Posting(1, "commit", None, (Line("issue:3:escrow", -1), Line("issue:3:funded", 1)))]
    assert first_violation(escrow).rule == "non-negative"
    returned = [
        *funded,
        Posting(4, "return", 1, (Line("issue:9:funded", -50), Line("pool:1:available", 50))),
    ]
    assert first_violation(returned, {1: 500}) is None
    # Only a return counts as money coming back: the same lines under another kind break conservation.
    gift = [*funded, Posting(4, "gift", 1, (Line("issue:9:funded", -50), Line("pool:1:available", 50)))]
    broken = first_violation(gift)
    assert broken is not None
    assert broken.rule == "conservation"


# --- the service ------------------------------------------------------------------------------------


def test_post_refuses_unbalanced_or_overdrawing_postings(app, funding) -> None:
    ref = funding.group()
    with app.app_context():
        with pytest.raises(ValidationError, match="Unbalanced"):
            ledger.post(
                db.session,
                "pledge",
                "",
                [("resident:1", -5), (ledger.available_account(ref.pool_id), 6)],
                ref.pool_id,
            )
        with pytest.raises(ValidationError, match="holds too little"):
            ledger.post(
                db.session,
                "allocation",
                "",
                [(ledger.available_account(ref.pool_id), -1), ("issue:1:funded", 1)],
                ref.pool_id,
            )
        with pytest.raises(ValidationError, match="whole cents"):
            ledger.post(
                db.session,
                "pledge",
                "",
                [("resident:1", -1.5), (ledger.available_account(ref.pool_id), 1.5)],
                ref.pool_id,
            )
        with pytest.raises(ValidationError, match="cannot pay out"):
            ledger.post_allocation(db.session, ref.pool_id, 1, [(1, 1)])
        db.session.rollback()
    assert funding.counts() == (0, 0, 0)


def test_refunds_are_pro_rata_to_every_source_and_exact(app, funding) -> None:
    from app.services.funding import matching

    ref = funding.group()
    members = [funding.member(ref) for _ in range(3)]
    for user, cents in zip(members, (100, 100, 101), strict=True):
        funding.pledge(ref, user, cents)
    with app.app_context():
        matching.apply_match(db.session, ref.pool_id, 1, 1, 1, 100)  # the city put in 100
        posting = ledger.post_refunds(db.session, ref.pool_id, 1, 200)
        db.session.commit()
        lines = dict(
            db.session.execute(
                db.select(LedgerLine.account, LedgerLine.amount_cents).where(
                    LedgerLine.posting_id == posting.id
                )
            ).all()
        )
    # Sources: 100, 100, 101 from residents and 100 from the city (401); 200 split by largest remainder.
    refunds = {k: v for k, v in lines.items() if not k.startswith("pool:")}
    assert sum(refunds.values()) == 200
    assert refunds == {
        f"resident:{members[0].id}": 50,
        f"resident:{members[1].id}": 50,
        f"resident:{members[2].id}": 50,
        "city:match": 50,
    }
    assert funding.balance(ref).balance_cents == 401 - 200


def test_rollover_keeps_money_in_the_pool_and_is_spent_first(app, funding) -> None:
    ref = funding.group()
    funding.pledge(ref, funding.member(ref), 1000)
    with app.app_context():
        ledger.post_allocation(db.session, ref.pool_id, 1, [(5, 400)])
        ledger.post_rollover(db.session, ref.pool_id, 1, 600)
        db.session.commit()
    figures = funding.balance(ref)
    assert (figures.rolled_over_cents, figures.balance_cents, figures.allocated_cents) == (600, 600, 400)
    funding.pledge(ref, funding.member(ref), 500)
    with app.app_context():
        ledger.post_allocation(db.session, ref.pool_id, 2, [(6, 700)])
        db.session.commit()
    figures = funding.balance(ref)
    assert (figures.rolled_over_cents, figures.balance_cents) == (0, 400)


def test_ledger_rows_are_never_updated_or_deleted(app, funding) -> None:
    ref = funding.group()
    funding.pledge(ref, funding.member(ref), 500)
    with app.app_context():
        line = db.session.scalars(db.select(LedgerLine)).first()
        line.amount_cents = 1
        with pytest.raises(LedgerAppendOnly):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.scalars(db.select(LedgerPosting)).first())
        with pytest.raises(LedgerAppendOnly):
            db.session.flush()
        db.session.rollback()
        # The database refuses too (a trigger on both engines).
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text("UPDATE ledger_lines SET amount_cents = 1"))
        db.session.rollback()
    assert funding.balance(ref).confirmed_cents == 500


def test_no_service_or_view_has_an_update_or_delete_path_for_the_ledger() -> None:
    """Static check: nothing under app/ builds update()/delete() on ledger models or their tables."""
    offenders = []
    for path in (ROOT / "app").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                "update",
                "delete",
            ):
                names = {getattr(a, "id", getattr(a, "attr", "")) for a in node.args}
                if names & {"LedgerPosting", "LedgerLine"}:
                    offenders.append(f"{path}:{node.lineno}")
        source = path.read_text(encoding="utf-8").lower()
        for statement in ("update ledger_", "delete from ledger_"):
            if statement in source and path.name != "ledger.py":
                offenders.append(f"{path}: {statement}")
    assert offenders == []


# --- ledger-check -----------------------------------------------------------------------------------


def test_ledger_check_passes_on_good_data_and_fails_on_an_unbalanced_posting(app, runner, funding) -> None:
    from app.services.funding import matching

    ref = funding.group()
    funding.pledge(ref, funding.member(ref), 1500)
    funding.pledge(ref, funding.member(ref), 900, confirm=False)
    with app.app_context():
        matching.apply_match(db.session, ref.pool_id, None, 1, 1, 10_000)
        ledger.post_allocation(db.session, ref.pool_id, 3, [(1, 1000)])
        ledger.post_refunds(db.session, ref.pool_id, 3, 999)
        ledger.post_rollover(db.session, ref.pool_id, 3, 1001)
        db.session.commit()
    good = runner.invoke(args=["ledger-check"])
    assert good.exit_code == 0, good.output
    assert "Ledger OK: 5 postings" in good.output
    # It says what it checked: problem accounts too, and money returned by fixes counts as coming in.
    assert "no pool or problem account ever went negative" in good.output
    assert "pledged + matched + returned = allocated + refunded + rolled over + held" in good.output

    with app.app_context():  # corrupt: a posting whose lines do not sum to zero, written directly
        posting_id = db.session.execute(
            insert(LedgerPosting)
            .values(kind="pledge", memo="forged", pool_id=ref.pool_id)
            .returning(LedgerPosting.id)
        ).scalar_one()
        db.session.execute(
            insert(LedgerLine),
            [
                {"posting_id": posting_id, "account": "resident:1", "amount_cents": -100},
                {
                    "posting_id": posting_id,
                    "account": ledger.available_account(ref.pool_id),
                    "amount_cents": 150,
                },
            ],
        )
        db.session.commit()
    bad = runner.invoke(args=["ledger-check"])
    assert bad.exit_code == 1
    assert f"LEDGER VIOLATION: balanced (posting {posting_id}): lines sum to 50 cents, not 0" in bad.output
