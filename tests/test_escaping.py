"""Text from residents is escaped wherever it is shown, and returned verbatim as data by the API."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from app.models import Issue, User

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_a_script_title_is_data_in_the_api(client: FlaskClient, make_issue: Callable[..., Issue]) -> None:
    issue = make_issue(title=SCRIPT, description=f'"quoted" & {SCRIPT}')

    props = client.get(f"/api/v1/issues/{issue.id}").get_json()["properties"]
    listed = client.get("/api/v1/issues").get_json()["features"][0]["properties"]

    assert props["title"] == listed["title"] == SCRIPT
    assert props["description"] == f'"quoted" & {SCRIPT}'


def test_a_script_is_escaped_everywhere_on_the_issue_page(
    client: FlaskClient, make_issue: Callable[..., Issue], make_user: Callable[..., User]
) -> None:
    reporter = make_user(display_name=f"Eve {SCRIPT}")
    issue = make_issue(reporter=reporter, title=SCRIPT, description=f"Look: {SCRIPT}")

    response = client.get(f"/issues/{issue.id}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert SCRIPT not in html  # not in the heading, the title tag, the map script or anywhere else
    assert ESCAPED in html
    assert html.count(ESCAPED) >= 3  # title, description, reporter


def test_a_script_title_is_escaped_in_the_priorities_list(
    client: FlaskClient, make_issue: Callable[..., Issue]
) -> None:
    make_issue(title=SCRIPT)

    html = client.get("/priorities").get_data(as_text=True)

    assert SCRIPT not in html
    assert ESCAPED in html
