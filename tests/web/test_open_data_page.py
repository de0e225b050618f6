"""The open-data page: found from outside, nothing on the site led to Open311, the feeds or the ledger's
files, and the footer's "API" opened a raw JSON document. The page names them all, and each of its own
links answers."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient

from app.models import Issue


def test_the_footer_leads_to_a_page_whose_every_link_answers(
    client: FlaskClient, make_issue: Callable[..., Issue]
) -> None:
    make_issue(title="Hole")
    home = client.get("/").get_data(as_text=True)
    assert '<a href="/open-data">Open data and API</a>' in home

    page = client.get("/open-data")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    links = set(re.findall(r'href="(/[^"]*)"', html.split("<main", 1)[1].split("</main>", 1)[0]))
    for must in ("/api/v1/openapi.json", "/open311/v2/discovery.json", "/feeds/issues.atom", "/ledger.csv"):
        assert must in links, must
    assert any(link.startswith("/feeds/areas/") for link in links)  # a feed per neighbourhood
    for link in sorted(links):
        answer = client.get(link.replace("&amp;", "&"))
        # The resident's tokens page asks for a login; every other link is public.
        expected = 302 if link == "/account/security" else 200
        assert answer.status_code == expected, link
