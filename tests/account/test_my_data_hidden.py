"""The data download keeps a like of a report the moderators hid since, without its title (found from
outside: the download handed the title of a report hidden for naming a private person to its likers,
while My page leaves such a like out)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from app.extensions import db
from app.models import Issue, User
from app.services.issues import likes
from app.services.mydata import export


def test_a_like_of_a_hidden_report_keeps_no_title(
    app: Flask, make_issue: Callable[..., Any], make_user: Callable[..., Any]
) -> None:
    me = make_user()
    liked, hidden = make_issue(title="Liked one"), make_issue(title="Names a private person")
    with app.app_context():
        for issue in (liked, hidden):
            likes.like(db.session, db.session.get(User, me.id), issue.id)
        db.session.get(Issue, hidden.id).is_hidden = True  # type: ignore[union-attr]
        db.session.commit()
        data, _photos = export.account_data(db.session, db.session.get(User, me.id))  # type: ignore[arg-type]

    assert [(like["issue_id"], like["title"]) for like in data["likes"]] == [
        (liked.id, "Liked one"),
        (hidden.id, "A problem hidden by the moderators"),
    ]
