"""Open311's dates in words a client can act on (found from outside)."""

from __future__ import annotations


def test_a_date_only_end_date_means_the_whole_day(client, make_issue) -> None:
    """Found from outside: start_date and end_date of the same day found nothing (the end was read as
    that day's midnight)."""
    issue = make_issue(title="Hole")
    day = client.get(f"/open311/v2/requests/{issue.id}.json").get_json()[0]["requested_datetime"][:10]
    found = client.get(f"/open311/v2/requests.json?start_date={day}&end_date={day}").get_json()
    assert str(issue.id) in [r["service_request_id"] for r in found]
