"""Atom feed views: /feeds/issues.atom, /feeds/areas/<id>.atom, /feeds/issues/<id>.atom."""

from __future__ import annotations

from flask import Response, request

from app.conditional_get import revalidated
from app.extensions import db
from app.feeds import bp
from app.feeds.atom import MIMETYPE, Entry, feed_document, latest_update
from app.services.issues import feeds as feed_queries
from app.services.issues.feeds import FeedEvent, FeedIssue
from app.services.issues.places import status_words
from app.services.kernel.links import external_url
from app.services.kernel.site import site_name

EVENT_TITLES = {
    "status": "Status changed to {to}",
    "update": "Update",
    "duplicate": "Closed as a duplicate",
    "merged": "Another report was merged into this one",
    "reopen": "Reopened: not fixed",
}


def _issue_entry(issue: FeedIssue, *, as_reported: bool = False) -> Entry:
    """A report as a feed entry, with its status now; `as_reported` (the report's own feed, where the
    entry stands at the report's date below its changes) leaves the status to those changes (found
    from outside: the first entry read "In progress"). An entry showing the status is updated when the
    status changes, so a feed reader shows it again; one "as reported" when its words change (found
    from outside: a reporter's correction showed new words under the old <updated>)."""
    link = external_url("issues.detail", issue_id=issue.id)
    said = "Reported" if as_reported else issue.status_name
    return Entry(
        id=link,
        title=f"{issue.title} ({issue.area_name})",
        updated=issue.words_changed_at if as_reported else issue.changed_at,
        published=issue.created_at,
        link=link,
        summary=f"{issue.category_name} · {said}\n\n{issue.description}",
        author=issue.reporter or "A resident",
        category=issue.category_name,
    )


def _event_entry(issue_id: int, event: FeedEvent, names: dict[str, str]) -> Entry:
    link = external_url("issues.detail", issue_id=issue_id)
    to = status_words(names, event.to_status or "")
    title = EVENT_TITLES.get(event.kind, event.kind.capitalize()).format(to=to)
    if event.kind == "status" and event.from_status:
        title = f"{status_words(names, event.from_status)} → {to}"
    author = "City staff" if event.by_staff else (event.actor or "A resident")
    return Entry(
        id=f"{link}#event-{event.id}",
        title=title,
        updated=event.created_at,
        link=f"{link}#event-{event.id}",
        summary=event.note or title,
        author=author,
    )


def _self_url() -> str:
    """The feed's canonical address (query strings ignored), also used as its permanent id."""
    return external_url(str(request.endpoint), **(request.view_args or {}))


def _atom(body: bytes) -> Response:
    response = Response(body, mimetype=MIMETYPE)
    response.headers["Cache-Control"] = "public, max-age=300"
    return revalidated(response)  # feed readers poll: an unchanged feed is a 304


@bp.get("/issues.atom")
def new_issues() -> Response:
    entries = [_issue_entry(i) for i in feed_queries.newest_issues(db.session)]
    return _atom(
        feed_document(
            feed_id=_self_url(),
            title=f"{site_name()}: new problems in the city",
            subtitle="The newest problems residents reported.",
            self_url=_self_url(),
            alternate_url=external_url("main.index"),
            updated=latest_update(entries),
            entries=entries,
        )
    )


@bp.get("/areas/<int:area_id>.atom")
def area_issues(area_id: int) -> Response:
    name = feed_queries.area_name(db.session, area_id)
    entries = [_issue_entry(i) for i in feed_queries.newest_issues(db.session, area_id)]
    return _atom(
        feed_document(
            feed_id=_self_url(),
            title=f"{site_name()}: new problems in {name}",
            subtitle=f"The newest problems residents reported in {name}.",
            self_url=_self_url(),
            alternate_url=external_url("main.index"),
            updated=latest_update(entries),
            entries=entries,
        )
    )


@bp.get("/issues/<int:issue_id>.atom")
def issue_updates(issue_id: int) -> Response:
    issue = feed_queries.visible_issue(db.session, issue_id)
    names = feed_queries.status_names(db.session)
    entries = [_event_entry(issue_id, e, names) for e in feed_queries.public_events(db.session, issue_id)]
    entries.append(_issue_entry(issue, as_reported=True))  # the report itself is the oldest entry
    return _atom(
        feed_document(
            feed_id=_self_url(),
            title=f"{site_name()}: updates on “{issue.title}”",
            subtitle=f"Status changes and public updates of problem #{issue.id} in {issue.area_name}.",
            self_url=_self_url(),
            alternate_url=external_url("issues.detail", issue_id=issue_id),
            updated=latest_update(entries),
            entries=entries,
        )
    )
