"""A funded problem's money mail (funded, started, paid, fixed) to its backers and followers, and what
bounds it: a start or fix that comes again is an ordinary status change that followers hear of, and a
hidden problem's money mail goes only to staff (found from outside: a second start or fix mailed
nobody, and a hidden problem's title went to its followers and backers with a link to a 404)."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage

from app.extensions import db
from app.models import Backing, Follow, Issue, User
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding.test_payouts import funded_issue, give_back, pay, set_status
from tests.funding_fixtures import funding  # noqa: F401


def _followed_and_backed(world: RoundWorld) -> tuple[int, dict[str, User]]:
    people: dict[str, User] = {}

    def follow_and_back(issue_id: int) -> None:
        people["follower"] = world.make_user(display_name="Fran Follower")
        people["backer"] = world.make_user(display_name="Bea Backer")
        people["staff"] = world.make_user(role="official", display_name="Otto Official")
        people["bystander"] = world.make_user(display_name="Bo Bystander")
        with world.app.app_context():
            for who in ("follower", "staff"):
                db.session.add(Follow(user_id=people[who].id, issue_id=issue_id))
            db.session.add(
                Backing(
                    issue_id=issue_id,
                    user_id=people["backer"].id,
                    amount_cents=500,
                    status="committed",
                    provider="manual",
                    idempotency_key="b1",
                )
            )
            db.session.commit()

    return funded_issue(world, follow_and_back), people


def _subjects(outbox: Callable[[], list[EmailMessage]], to: User) -> list[str]:
    return [str(m["Subject"]) for m in outbox() if m["To"] == to.email]


def _title(world: RoundWorld, issue_id: int) -> str:
    with world.app.app_context():
        issue = db.session.get(Issue, issue_id)
        assert issue is not None
        return f"“{issue.title}”"


def test_a_fix_after_the_first_is_mailed_to_the_followers(world: RoundWorld, outbox) -> None:
    issue_id, people = _followed_and_backed(world)
    title = _title(world, issue_id)
    assert give_back(world, issue_id).status_code == 200  # a funded problem is fixed once its money is
    for status in ("in-progress", "fixed", "in-progress", "fixed"):
        assert set_status(world, issue_id, status).status_code == 200

    follower = _subjects(outbox, people["follower"])
    assert follower.count(f"Work started: {title}") == 1
    assert follower.count(f"Fixed: {title}") == 1
    # After the first fix, "in progress" and "fixed" again: each change reaches the follower once.
    assert follower.count(f"{title} is now In progress") == 1
    assert follower.count(f"{title} is now Fixed") == 1
    backer = _subjects(outbox, people["backer"])
    assert [s for s in backer if not s.startswith("Funded")] == [
        f"Unspent money returned: {title}",
        f"Work started: {title}",
        f"Fixed: {title}",
    ]


def test_a_hidden_problems_money_mail_goes_only_to_staff(world: RoundWorld, outbox) -> None:
    issue_id, people = _followed_and_backed(world)
    title = _title(world, issue_id)
    with world.app.app_context():
        issue = db.session.get(Issue, issue_id)
        assert issue is not None
        issue.is_hidden = True
        db.session.commit()
    before = {who: len(_subjects(outbox, person)) for who, person in people.items()}

    assert pay(world, issue_id, amount_cents=1000).status_code == 201
    assert give_back(world, issue_id).status_code == 200
    assert set_status(world, issue_id, "in-progress").status_code == 200
    assert set_status(world, issue_id, "fixed").status_code == 200

    for who in ("follower", "backer"):
        assert len(_subjects(outbox, people[who])) == before[who], who
    assert _subjects(outbox, people["staff"])[before["staff"] :] == [
        f"Paid: {title}",
        f"Unspent money returned: {title}",
        f"Work started: {title}",
        f"Fixed: {title}",
    ]


def test_backers_and_followers_are_mailed_at_funded_started_paid_and_fixed(world: RoundWorld, outbox) -> None:
    issue_id, people = _followed_and_backed(world)
    follower, backer = people["follower"].email, people["backer"].email

    def subjects(to: str) -> list[str]:
        return [m["Subject"] for m in outbox() if m["To"] == to]

    title = _title(world, issue_id)
    assert sorted(subjects(follower)) == [f"Funded: {title}", f"{title} is now Planned"]
    assert subjects(backer) == [f"Funded: {title}"]
    funded_mail = next(m for m in outbox() if m["To"] == backer)
    assert "EUR 30.00 is now committed" in funded_mail.get_content()
    # The backer reads their own part (found from outside: only the total was named).
    assert "Your backing of EUR 5.00 is part of it." in funded_mail.get_content()
    follower_funded = next(m for m in outbox() if m["To"] == follower and m["Subject"] == f"Funded: {title}")
    assert "Your backing" not in follower_funded.get_content()

    assert set_status(world, issue_id, "in-progress").status_code == 200
    assert set_status(world, issue_id, "planned").status_code == 200
    assert set_status(world, issue_id, "in-progress").status_code == 200  # started again: a status mail
    assert pay(world, issue_id, amount_cents=2000).status_code == 201
    assert give_back(world, issue_id).status_code == 200
    assert set_status(world, issue_id, "fixed").status_code == 200

    for to in (follower, backer):
        money_mails = [s for s in subjects(to) if not s.startswith(title)]
        assert money_mails == [
            f"Funded: {title}",
            f"Work started: {title}",
            f"Paid: {title}",
            f"Unspent money returned: {title}",
            f"Fixed: {title}",
        ]
    # The follower's workflow mail for the start and the fix is the money mail, not a second one; the
    # second start is an ordinary status change, mailed to the follower only.
    assert subjects(follower).count(f"{title} is now In progress") == 1
    assert f"{title} is now In progress" not in subjects(backer)
    assert f"{title} is now Fixed" not in subjects(follower)
    assert subjects(follower).count(f"{title} is now Planned") == 2  # certification, and back to planned
    assert subjects(backer).count(f"{title} is now Planned") == 0
    paid = next(m for m in outbox() if m["To"] == backer and m["Subject"] == f"Paid: {title}")
    text = paid.get_content()
    assert "paid EUR 20.00 to Green Streets Ltd" in text
    assert "Still to pay: EUR 10.00" in text
    returned = next(m for m in outbox() if m["To"] == backer and "Unspent money returned" in m["Subject"])
    assert "EUR 10.00 was not spent and went back where it came from" in returned.get_content()
    assert "EUR 10.00 to the pool of Old Town group" in returned.get_content()
    fixed = next(m for m in outbox() if m["To"] == follower and m["Subject"] == f"Fixed: {title}")
    assert "Returned unspent: EUR 10.00" in fixed.get_content()
    assert "List-Unsubscribe" in fixed  # a follower can stop these; a backer's mail is a receipt
    assert subjects(people["bystander"].email) == []
    assert world.official is not None
    assert subjects(world.official.email) == []
