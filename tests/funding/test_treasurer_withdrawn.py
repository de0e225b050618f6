"""The treasurer page's list of pledges their pledgers withdrew: the latest ten, saying how many there
are, and all of them on request. Both engines."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import AuthActions
from tests.funding.test_pledge_withdraw import withdraw
from tests.funding_fixtures import Funding, funding  # noqa: F401


def test_the_treasurer_page_says_when_it_lists_only_the_latest_withdrawals(
    client: FlaskClient, auth: AuthActions, funding: Funding
) -> None:
    """Found from outside: with more than ten withdrawals the page listed ten and said nothing of the
    rest."""
    ref = funding.group()
    pledger = funding.member(ref)
    treasurer = funding.member(ref, admin=True)
    ids = [funding.pledge(ref, pledger, 100 + n, confirm=False) for n in range(11)]
    for pledge_id in ids:
        assert withdraw(client, pledge_id, auth.headers(pledger)).status_code == 200
    auth.login_as(treasurer)

    def listed(page: str) -> str:
        return page.split('data-testid="treasurer-withdrawn"', 1)[1].split("</ul>", 1)[0]

    page = client.get(f"/pools/{ref.pool_id}/treasurer").get_data(as_text=True)
    assert listed(page).count("<li") == 10
    assert f"pledge {ids[0]} " not in listed(page)  # the earliest is the one left out
    assert "The latest 10 of 11." in page
    assert f'href="/pools/{ref.pool_id}/treasurer?withdrawn=all#withdrawn-h">Show all 11</a>' in page

    everything = client.get(f"/pools/{ref.pool_id}/treasurer?withdrawn=all").get_data(as_text=True)
    assert listed(everything).count("<li") == 11
    assert f"pledge {ids[0]} " in listed(everything)
    assert 'data-testid="treasurer-withdrawn-count"' not in everything
