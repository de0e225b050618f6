"""The treasurers' records of their pool's pledges: the page lists the latest with what became of each,
when and by whom, and a CSV holds them all for the group's auditor; only those who run the group get
it (found from outside: a confirmed or declined pledge vanished from the treasurer's page, and nothing
matched the "pledge 42" residents quote to a ledger line). Both engines."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import csv
import io

from flask.testing import FlaskClient

from tests.conftest import AuthActions
from tests.funding.test_pledge_withdraw import withdraw
from tests.funding_fixtures import Funding, funding  # noqa: F401


def test_every_pledge_with_what_became_of_it_on_the_page_and_in_the_csv(
    client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    ref = funding.group()
    ana = funding.member(ref, display_name="=Ana")  # a name a spreadsheet would run as a formula
    treasurer = funding.member(ref, admin=True, display_name="Tess Treasurer")
    confirmed = funding.pledge(ref, ana, 1250, confirm=False)
    declined = funding.pledge(ref, ana, 700, confirm=False)
    gone = funding.pledge(ref, ana, 300, confirm=False)
    waiting = funding.pledge(ref, ana, 999, confirm=False)
    headers = auth.headers(treasurer)
    assert client.post(f"/api/v1/pledges/{confirmed}/confirm", headers=headers).status_code == 200
    assert client.post(f"/api/v1/pledges/{declined}/decline", headers=headers).status_code == 200
    assert withdraw(client, gone, auth.headers(ana)).status_code == 200

    auth.login_as(treasurer)
    page = client.get(f"/pools/{ref.pool_id}/treasurer").get_data(as_text=True)
    listed = page.split('data-testid="treasurer-pledges"', 1)[1].split("</table>", 1)[0]
    assert listed.count("<tr>") == 5  # the header and four pledges
    assert "Confirmed, " in listed
    assert "by Tess Treasurer" in listed
    assert "Declined, " in listed
    assert "Withdrawn by the pledger" in listed

    response = client.get(f"/pools/{ref.pool_id}/pledges.csv")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    by_id = {int(row["pledge"]): row for row in rows}
    assert sorted(by_id) == sorted([confirmed, declined, gone, waiting])
    assert by_id[confirmed]["amount"] == "12.50"
    assert by_id[confirmed]["status"] == "Confirmed"
    assert by_id[confirmed]["settled_by"] == "Tess Treasurer"
    assert by_id[declined]["status"] == "Declined"
    assert by_id[declined]["settled_by"] == "Tess Treasurer"
    assert by_id[declined]["settled_utc"].endswith("Z")
    assert by_id[gone]["status"] == "Withdrawn by the pledger"
    assert by_id[waiting]["status"] == "Waiting"
    assert by_id[waiting]["settled_utc"] == ""
    assert {row["pledger"] for row in rows} == {"'=Ana"}
    assert {row["currency"] for row in rows} == {"EUR"}


def test_only_those_who_run_the_group_get_its_pledges(
    client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    ref = funding.group()
    member = funding.member(ref)
    funding.pledge(ref, member, 500, confirm=False)
    other = funding.group()
    their_treasurer = funding.member(other, admin=True)
    for who in (member, their_treasurer):
        auth.login_as(who)
        assert client.get(f"/pools/{ref.pool_id}/pledges.csv").status_code == 403
    auth.logout()
    assert client.get(f"/pools/{ref.pool_id}/pledges.csv").status_code in (302, 401)
