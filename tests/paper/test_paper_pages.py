"""The web pages of voting codes and paper ballots: the batch page and its printable slips and CSV (codes
shown once), the code a resident types on the ballot page, the officials' double-entry screen with its
queue, and who may open them. Messages name the reason; refusals store nothing. Both engines."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import PaperBallot, User, VotingCode
from app.services.rounds.voter_keys import code_hash
from tests.conftest import AuthActions
from tests.funding.round_world import world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401
from tests.paper.paper_world import PaperWorld, paper  # noqa: F401

CODE = re.compile(r'data-testid="slip-code">([A-Z2-9-]{14})<')


def log_in(paper: PaperWorld, auth: AuthActions, user: User) -> None:
    auth.logout()
    auth.login_as(user)


def test_an_official_prints_slips_once_and_downloads_a_csv(paper: PaperWorld, auth: AuthActions) -> None:
    paper.setup()
    rid = paper.round("codes", voting=False)
    log_in(paper, auth, paper.clerks[0])
    client = paper.world.client

    page = client.get(f"/rounds/{rid}/codes")
    slips = client.post(
        f"/rounds/{rid}/codes", data={"count": "4", "label": "Market stall", "output": "slips"}
    )
    download = client.post(f"/rounds/{rid}/codes", data={"count": "2", "label": "", "output": "csv"})
    listed = client.get(f"/rounds/{rid}/codes").get_data(as_text=True)

    assert page.status_code == 200
    assert "Generate a batch" in page.get_data(as_text=True)
    html = slips.get_data(as_text=True)
    assert slips.status_code == 200
    assert slips.headers["Cache-Control"] == "no-store"
    assert slips.mimetype == "text/html"
    printed = CODE.findall(html)
    assert len(printed) == 4
    assert html.count("Spring round · Market stall") == 4
    assert f"/rounds/{rid}/ballot" in html
    assert "shown only now" in html
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert [r["round"] for r in rows] == ["Spring round", "Spring round"]
    with paper.world.app.app_context():
        stored = set(db.session.scalars(select(VotingCode.code_hash).where(VotingCode.round_id == rid)))
    assert stored == {code_hash(c) for c in printed + [r["code"] for r in rows]}
    assert not any(c in listed for c in printed)  # never shown again
    assert "Market stall" in listed
    assert [d["count"] for _, d in paper.audit("round.code_batch", rid)] == [4, 2]


@pytest.mark.parametrize("count", ["0", "5001", "many", ""])
def test_a_bad_batch_size_is_shown_on_its_field_and_nothing_is_generated(
    paper: PaperWorld, auth: AuthActions, count: str
) -> None:
    paper.setup()
    rid = paper.round("codes", voting=False)
    log_in(paper, auth, paper.clerks[0])

    response = paper.world.client.post(f"/rounds/{rid}/codes", data={"count": count, "output": "slips"})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="count-error"' in html
    assert paper.rows(VotingCode) == 0


@pytest.mark.parametrize("who", ["member", "group admin", "non-member"])
def test_only_officials_open_the_codes_and_paper_pages(
    paper: PaperWorld, auth: AuthActions, who: str
) -> None:
    paper.setup()
    rid = paper.round("codes")
    user = {"member": paper.world.members[0], "group admin": paper.world.admin}.get(
        who
    ) or paper.world.make_user()
    log_in(paper, auth, user)
    client = paper.world.client

    statuses = [
        client.get(f"/rounds/{rid}/codes").status_code,
        client.post(f"/rounds/{rid}/codes", data={"count": "3", "output": "slips"}).status_code,
        client.get(f"/rounds/{rid}/paper").status_code,
        client.post(f"/rounds/{rid}/paper", data={"code": "ABCD-EFGH-JKMN"}).status_code,
    ]

    assert statuses == [403, 403, 403, 403]
    assert paper.rows(VotingCode) == 0
    assert paper.state(rid)["papers"] == []


def test_a_resident_types_a_code_on_the_ballot_page(paper: PaperWorld, auth: AuthActions) -> None:
    paper.setup()
    rid = paper.round("codes")
    good, _other = paper.codes(rid, 2)
    voter = paper.world.members[0]
    log_in(paper, auth, voter)
    client = paper.world.client

    form = client.get(f"/rounds/{rid}/ballot").get_data(as_text=True)
    unknown = client.post(f"/rounds/{rid}/code", data={"code": "ABCD-EFGH-JKMN"}, follow_redirects=True)
    accepted = client.post(f"/rounds/{rid}/code", data={"code": good.lower()}, follow_redirects=True)

    assert "Your voting code" in form
    assert "There is no such voting code for this round" in unknown.get_data(as_text=True)
    page = accepted.get_data(as_text=True)
    assert "Your code is accepted" in page
    assert 'data-testid="code-held"' in page
    assert 'name="code"' not in page
    log_in(paper, auth, paper.world.members[1])
    used = client.post(f"/rounds/{rid}/code", data={"code": good}, follow_redirects=True)
    assert "This code was used online" in used.get_data(as_text=True)
    assert paper.rows(VotingCode, user_id=paper.world.members[1].id) == 0


@pytest.mark.config(RATELIMIT_ENABLED=True, RATE_LIMIT_VOTING_CODE="2 per hour")
def test_the_code_form_is_rate_limited_with_the_api(paper: PaperWorld, auth: AuthActions) -> None:
    paper.setup()
    rid = paper.round("codes")
    (code,) = paper.codes(rid, 1)
    voter = paper.world.members[0]

    api = paper.claim(voter, rid, "ABCD-EFGH-JKMN")  # the API and the form count together
    log_in(paper, auth, voter)
    web = paper.world.client.post(f"/rounds/{rid}/code", data={"code": "ABCD-EFGH-JKMP"})
    limited = paper.world.client.post(f"/rounds/{rid}/code", data={"code": code})

    assert (api.status_code, web.status_code) == (422, 302)
    assert limited.status_code == 429
    assert "Retry-After" in limited.headers
    assert paper.rows(VotingCode, user_id=voter.id) == 0


def test_two_officials_enter_a_paper_ballot_on_the_double_entry_screen(
    paper: PaperWorld, auth: AuthActions
) -> None:
    paper.setup()
    rid = paper.round("codes")
    a, b, c, _ = paper.world.issues
    first, second = paper.codes(rid, 2)
    one, two, three = paper.clerks
    client = paper.world.client
    log_in(paper, auth, one)

    entered = client.post(f"/rounds/{rid}/paper", data={"code": first, "issue_ids": [str(a), str(b)]})
    client.post(f"/rounds/{rid}/paper", data={"code": second, "issue_ids": [str(c)]})
    again = client.post(f"/rounds/{rid}/paper", data={"code": first, "issue_ids": [str(a), str(b)]})

    assert entered.status_code == 200
    assert "Entry 1 of 2 saved" in entered.get_data(as_text=True)
    html = again.get_data(as_text=True)
    assert again.status_code == 409
    assert "You entered this paper ballot already" in html
    assert 'id="code-error"' in html
    assert "Entries waiting for a second official (2)" in html

    log_in(paper, auth, two)
    agreed = client.post(f"/rounds/{rid}/paper", data={"code": first, "issue_ids": [str(b), str(a)]})
    disputed = client.post(f"/rounds/{rid}/paper", data={"code": second, "issue_ids": [str(a)]})
    assert "Both entries agree" in agreed.get_data(as_text=True)
    page = disputed.get_data(as_text=True)
    assert "Disagreements: a third look (1)" in page
    assert "Entries waiting for a second official (0)" in page

    log_in(paper, auth, three)
    pid = paper.state(rid)["papers"][1][0]
    empty = client.post(f"/rounds/{rid}/paper/{pid}/void", data={"reason": ""}, follow_redirects=True)
    assert "Not voided: reason is required" in empty.get_data(as_text=True)
    voided = client.post(f"/rounds/{rid}/paper/{pid}/void", data={"reason": "Torn"}, follow_redirects=True)
    assert f"Paper ballot {pid} is void" in voided.get_data(as_text=True)
    assert [s for _, s, _ in paper.state(rid)["papers"]] == ["agreed", "void"]


def test_the_paper_screen_says_when_it_takes_no_ballots(paper: PaperWorld, auth: AuthActions) -> None:
    paper.setup()
    members_round = paper.round("members")
    draft = paper.round("census", voting=False, name="Draft round")
    log_in(paper, auth, paper.clerks[0])

    members_page = paper.world.client.get(f"/rounds/{members_round}/paper").get_data(as_text=True)
    draft_page = paper.world.client.get(f"/rounds/{draft}/paper").get_data(as_text=True)
    refused = paper.world.client.post(f"/rounds/{draft}/paper", data={"identifier": "X1"})

    assert "it takes no paper ballots" in members_page
    assert "Paper ballots are entered once voting has opened" in draft_page
    assert refused.status_code == 409
    assert paper.state(draft)["papers"] == []


def test_a_cumulative_paper_ballot_is_entered_as_points_and_checked_like_online(
    paper: PaperWorld, auth: AuthActions
) -> None:
    paper.setup()
    rid = paper.round("codes", ballot="cumulative", points=5)
    a, b, *_ = paper.world.issues
    (code,) = paper.codes(rid, 1)
    log_in(paper, auth, paper.clerks[0])
    client = paper.world.client

    too_many = client.post(
        f"/rounds/{rid}/paper", data={"code": code, f"points-{a}": "4", f"points-{b}": "3"}
    )
    before = paper.state(rid)
    entered = client.post(f"/rounds/{rid}/paper", data={"code": code, f"points-{a}": "4", f"points-{b}": "1"})

    assert too_many.status_code == 422
    html = too_many.get_data(as_text=True)
    assert "These choices give 7 points, 2 more than the 5 points you have." in html
    assert f'name="points-{a}" type="number" min="0" step="1" inputmode="numeric" value="4"' in html
    assert before["papers"] == []
    assert "Entry 1 of 2 saved" in entered.get_data(as_text=True)
    log_in(paper, auth, paper.clerks[1])
    agreed = client.post(f"/rounds/{rid}/paper", data={"code": code, f"points-{a}": "4", f"points-{b}": "1"})
    assert "Both entries agree" in agreed.get_data(as_text=True)
    with paper.world.app.app_context():
        choices = db.session.scalar(select(PaperBallot.choices).where(PaperBallot.round_id == rid))
    assert choices == {str(a): 4, str(b): 1}
