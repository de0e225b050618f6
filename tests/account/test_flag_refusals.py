"""Flags refused: a bad reason, target type or target id is named, and nothing is stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.account.test_flags import flags_of
from tests.conftest import AuthActions


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"reason": "boring"}, 422, "reason"),
        ({}, 422, "reason"),
        ({"reason": "spam", "target_type": "comment"}, 422, "target_type"),
        ({"reason": "spam", "target_type": "update"}, 422, "target_id"),
        ({"reason": "spam", "target_type": "photo", "target_id": "7"}, 422, "target_id"),
        ({"reason": "spam", "target_type": "update", "target_id": 999999}, 404, "target_id"),
        ({"reason": "spam", "target_type": "photo", "target_id": 2**31}, 422, "target_id"),
        ({"reason": "spam", "note": "bad\x07bell"}, 422, "note"),
        ({"reason": "spam", "note": "x" * 2001}, 422, "note"),
        ({"reason": "spam", "note": []}, 422, "note"),  # not text: not taken as "no note"
        ({"reason": "spam", "note": {}}, 422, "note"),
        ({"reason": "spam", "note": 0}, 422, "note"),
        ({"reason": "spam", "target_type": []}, 422, "target_type"),  # not taken as "issue"
        ({"reason": "spam", "target_type": ["issue"]}, 422, "target_type"),
        ({"reason": "spam", "target_type": ""}, 422, "target_type"),
    ],
)
def test_bad_flags_name_the_field_and_store_nothing(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    body: dict[str, Any],
    status: int,
    field: str,
) -> None:
    issue = make_issue()
    response = client.post(f"/api/v1/issues/{issue.id}/flags", json=body, headers=auth.headers())
    assert response.status_code == status
    assert response.get_json()["error"]["field"] == field
    assert flags_of(app) == []


def test_a_flag_without_a_usable_target_id_says_which(
    client: FlaskClient, auth: AuthActions, make_issue: Callable[..., Any]
) -> None:
    """Found from outside: a huge target_id was told it "is required", and a photo was "an photo"."""
    issue = make_issue()
    headers = auth.headers()
    missing = client.post(
        f"/api/v1/issues/{issue.id}/flags", json={"reason": "spam", "target_type": "photo"}, headers=headers
    ).get_json()["error"]["message"]
    huge = client.post(  # sent as text: past 64 bits, as a client in another language may send it
        f"/api/v1/issues/{issue.id}/flags",
        data='{"reason": "spam", "target_type": "update", "target_id": 100000000000000000000}',
        content_type="application/json",
        headers=headers,
    ).get_json()["error"]["message"]
    assert missing == "target_id is required to flag a photo: the photo's id."
    assert huge == "target_id must be a whole number from 1 to 2147483647 to flag an update: the update's id."
