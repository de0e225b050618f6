"""The audit and moderation logs in words: one renderer per action code, and a fallback for the rest.

A renderer gets the stored facts (action code, target, details) and the names it may need (statuses by
code), and returns what the actor did, as a phrase after their name: "moved status Planned above In
progress". Entries written before a renderer existed, or by a newer version, still read: the fallback
names the action and lists the details as plain text.
"""

from __future__ import annotations

from typing import Any

from app.services.issues.places import status_words
from app.services.workspace.audit_money_words import MONEY_LABELS, MONEY_RENDERERS
from app.services.workspace.audit_phrases import Facts, Names, Renderer, Words, ids, named, reason, short
from budgets.allocation import counted


def _status(names: Names, code: object) -> str:
    return status_words(names, str(code)) if code not in (None, "") else "none"


def _status_change(f: Facts, n: Names) -> str:
    d = f.details
    return (
        f"moved #{f.target_id} from {_status(n, d.get('from_status'))} to {_status(n, d.get('to_status'))}"
        + reason(d.get("note"))
    )


def _bulk_change(f: Facts, n: Names) -> str:
    d = f.details
    changed = d.get("issue_ids") or []
    unchanged = d.get("unchanged_ids") or []
    before = d.get("from_statuses")
    whence = ids(changed)
    if isinstance(before, dict) and isinstance(changed, list):  # entries since the previous statuses are kept
        by_status: dict[object, list[object]] = {}
        for issue_id in changed:
            by_status.setdefault(before.get(str(issue_id)), []).append(issue_id)
        whence = "; ".join(f"{ids(group)} from {_status(n, code)}" for code, group in by_status.items())
    text = f"moved {counted(len(changed), 'problem')} ({whence}) to {_status(n, d.get('to_status'))}"
    if unchanged:
        text += f", leaving {len(unchanged):,} that already had it"
    return text + reason(d.get("note"))


def _duplicate(f: Facts, _n: Names) -> str:
    d = f.details
    return (
        f"closed #{f.target_id} as a duplicate of #{d.get('original_id')}"
        f" ({counted(int(d.get('likes_moved') or 0), 'like')} and"
        f" {counted(int(d.get('followers_added') or 0), 'follower')} moved)"
    )


TARGETS = {"issue": "the report", "update": "an update", "photo": "a photo"}


def _on_issue(f: Facts) -> str:
    issue_id = f.details.get("issue_id") or (f.target_id if f.target_type == "issue" else None)
    return f" #{issue_id}" if f.target_type == "issue" else (f" on #{issue_id}" if issue_id else "")


def _moderation(verb: str) -> Renderer:
    def render(f: Facts, _n: Names) -> str:
        what = TARGETS.get(f.target_type, f.target_type)
        if verb == "edited":
            what = f"the {f.details.get('field') or 'text'} of the report"
        again = " again" if verb == "showed" else ""
        return f"{verb} {what}{_on_issue(f)}{again}" + reason(f.details.get("reason"))

    return render


def _flags(verb: str) -> Renderer:
    def render(f: Facts, _n: Names) -> str:
        count = int(f.details.get("flags") or 0)
        what = TARGETS.get(f.target_type, f.target_type)
        if verb == "hid":
            return f"hid {what}{_on_issue(f)} after {counted(count, 'flag')}" + reason(
                f.details.get("reason")
            )
        return f"dismissed {counted(count, 'flag')} on {what}{_on_issue(f)}" + reason(f.details.get("reason"))

    return render


def _status_move(f: Facts, n: Names) -> str:
    order = f.details.get("order")
    direction = f.details.get("direction")
    name = _status(n, f.target_id)
    if isinstance(order, list) and f.target_id in order and direction in ("up", "down"):
        index = order.index(f.target_id)
        other = index + 1 if direction == "up" else index - 1
        if 0 <= other < len(order):
            where = "above" if direction == "up" else "below"
            return f"moved status {name} {where} {_status(n, order[other])}"
    return f"moved status {name} {direction or ''}".rstrip()


def _status_update(f: Facts, _n: Names) -> str:
    before = f.details.get("before") or {}
    after = f.details.get("after") or {}
    parts = []
    if before.get("name") != after.get("name"):
        parts.append(f"renamed status {before.get('name')} to {after.get('name')}")
    if before.get("type") != after.get("type"):
        who = after.get("name") or f.target_id
        parts.append(f"made status {who} count as {after.get('type')} (was {before.get('type')})")
    return " and ".join(parts) or f"saved status {after.get('name') or f.target_id} unchanged"


def _assign(f: Facts, _n: Names) -> str:
    d = f.details
    text = f"assigned #{f.target_id} to {d.get('assignee')}"
    return text + (f" (was {d['previous']})" if d.get("previous") else "")


def _team_delete(f: Facts, _n: Names) -> str:
    unassigned = f.details.get("unassigned_ids")
    text = f"deleted the team {f.details.get('name')}"
    if isinstance(unassigned, list) and unassigned:
        text += f", unassigning {counted(len(unassigned), 'problem')} ({ids(unassigned)})"
    return text


def _role(f: Facts, _n: Names) -> str:
    d = f.details
    text = f"made {d.get('email') or f.target_id} {d.get('to')} (was {d.get('from')})"
    teams, unassigned = d.get("left_teams"), d.get("unassigned_ids")
    if isinstance(teams, list) and teams:
        text += f", taking them out of {counted(len(teams), 'team')} ({', '.join(map(str, teams))})"
    if isinstance(unassigned, list) and unassigned:
        text += f", unassigning {counted(len(unassigned), 'problem')} ({ids(unassigned)})"
    return text


def _target(f: Facts, _n: Names) -> str:
    d = f.details
    days = d.get("days")
    if days is None:
        return f"returned the target time of {d.get('name')} to the default"
    return f"set the target time of {d.get('name')} to {counted(int(days), 'day')}"


RENDERERS: dict[str, Renderer] = {
    "status.change": _status_change,
    "status.bulk_change": _bulk_change,
    "issue.duplicate": _duplicate,
    "issue.assign": _assign,
    "issue.unassign": lambda f, _n: (
        f"unassigned #{f.target_id}"
        + (f" (was {f.details['previous']})" if f.details.get("previous") else "")
    ),
    "note.add": lambda f, _n: f"wrote an internal note on #{f.target_id}",
    "moderation.hide": _moderation("hid"),
    "moderation.unhide": _moderation("showed"),
    "moderation.edit": _moderation("edited"),
    "flags.hide": _flags("hid"),
    "flags.dismiss": _flags("dismissed"),
    "status.add": lambda f, _n: f"added status {f.details.get('name')} ({f.details.get('type')})",
    "status.update": _status_update,
    "status.move": _status_move,
    "status.delete": lambda f, _n: f"deleted status {f.details.get('name') or f.target_id}",
    "census.upload": lambda f, n: (
        f"uploaded the census of {named(n, 'area', f.target_id)}"
        + (
            f" ({counted(int(f.details['entries']), 'entry', 'entries')})"
            if f.details.get("entries") is not None
            else ""
        )
    ),
    "census.verify": lambda f, n: f"verified against the census of {named(n, 'area', f.target_id)}",
    "category.add": lambda f, _n: f"added category {f.details.get('name')} ({f.target_id})",
    "category.rename": lambda f, _n: (
        f"renamed category {f.details.get('before')} to {f.details.get('name')} ({f.target_id})"
    ),
    "category.move": lambda f, _n: f"moved category {f.target_id} {f.details.get('direction')}",
    "area.rename": lambda f, _n: f"renamed the area {f.details.get('before')} to {f.details.get('name')}",
    "category.delete": lambda f, _n: f"deleted category {f.details.get('name') or f.target_id}",
    "account.block": lambda f, _n: (
        f"blocked the account {f.details.get('email') or f.target_id}"
        + (
            f" ({counted(int(f.details['unassigned']), 'problem')} unassigned)"
            if f.details.get("unassigned")
            else ""
        )
    ),
    "account.unblock": lambda f, _n: f"unblocked the account {f.details.get('email') or f.target_id}",
    "account.role": _role,
    "account.delete": lambda f, _n: "deleted their account",
    "account.confirm_email": lambda f, _n: (
        "confirmed their email address"
        + (
            f" with the link of a second registration: chose the password; "
            f"{counted(int(f.details.get('logins_ended') or 0), 'login')} and "
            f"{counted(int(f.details.get('tokens_revoked') or 0), 'API token')} ended"
            if f.details.get("password_chosen")
            else ""
        )
    ),
    "issue.publish_held": lambda f, _n: (
        f"published their report #{f.target_id}, held since before they confirmed"
    ),
    "issue.reporter_name": lambda f, _n: (
        f"{'hid' if f.details.get('hidden') else 'showed'} their name on their report #{f.target_id}"
    ),
    "issue.reporter_edit": lambda f, _n: f"corrected their report #{f.target_id} before anyone took it up",
    "issue.withdraw": lambda f, _n: f"withdrew their report #{f.target_id} before anyone took it up",
    "issue.discard_held": lambda f, _n: (
        f"discarded their unpublished report #{f.target_id}, made before they confirmed"
    ),
    "account.token_revoke": lambda f, _n: "revoked one of their API tokens",
    "account.logout_everywhere": lambda f, _n: (
        "logged out everywhere"
        + (f" ({counted(int(f.details['logins']), 'login')} ended)" if f.details.get("logins") else "")
    ),
    "account.password_change": lambda f, _n: "changed their password",
    "account.password_reset": lambda f, _n: "reset their password with a mailed link",
    "account.email_change_request": lambda f, _n: (
        f"asked to change their address to {f.details.get('email')}"
    ),
    "account.email_change": lambda f, _n: (
        f"changed their address from {f.details.get('previous_email')} to {f.details.get('email')}"
    ),
    "account.email_change_undo": lambda f, _n: (
        f"put their address {f.details.get('email')} back from the old address's link, dropping "
        f"{f.details.get('previous_email')}: every login and API token ended, the password replaced"
    ),
    "domain.block": lambda f, _n: (
        f"blocked the email domain {f.target_id}"
        + f" ({counted(int(f.details.get('accounts_blocked') or 0), 'account')} blocked with it)"
        + reason(f.details.get("reason"))
    ),
    "domain.unblock": lambda f, _n: f"allowed the email domain {f.target_id} again",
    "team.create": lambda f, _n: f"created the team {f.details.get('name')}",
    "team.delete": _team_delete,
    "team.add_member": lambda f, _n: f"added {f.details.get('member')} to the team {f.details.get('name')}",
    "team.remove_member": lambda f, _n: (
        f"removed {f.details.get('member')} from the team {f.details.get('name')}"
    ),
    "target.set": _target,
    "group.admin_appoint": lambda f, _n: (
        f"made {f.details.get('member')} an admin of the group {f.details.get('group') or f.target_id}"
    ),
    "group.admin_remove": lambda f, _n: (
        f"removed {f.details.get('member')} as an admin of the group {f.details.get('group') or f.target_id}"
    ),
    "group.leave": lambda f, _n: f"left the group {f.details.get('group') or f.target_id}",
    **MONEY_RENDERERS,
}

# What the action filter calls each code (the codes a log may hold that have no renderer show as codes).
ACTION_LABELS: dict[str, str] = {
    "status.change": "Status changed",
    "status.bulk_change": "Status changed in bulk",
    "issue.duplicate": "Closed as duplicate",
    "issue.assign": "Assigned",
    "issue.unassign": "Unassigned",
    "note.add": "Internal note",
    "moderation.hide": "Hidden",
    "moderation.unhide": "Shown again",
    "moderation.edit": "Text edited",
    "flags.hide": "Flags: hidden",
    "flags.dismiss": "Flags: dismissed",
    "status.add": "Status added",
    "status.update": "Status edited",
    "status.move": "Status moved",
    "status.delete": "Status deleted",
    "category.add": "Category added",
    "category.rename": "Category renamed",
    "category.move": "Category moved",
    "category.delete": "Category deleted",
    "area.rename": "Area renamed",
    "account.block": "Account blocked",
    "account.unblock": "Account unblocked",
    "account.role": "Role changed",
    "account.delete": "Account deleted",
    "account.confirm_email": "Email confirmed",
    "issue.publish_held": "Held report published",
    "issue.reporter_name": "Reporter's name shown or hidden",
    "issue.reporter_edit": "Report corrected by its reporter",
    "issue.withdraw": "Report withdrawn by its reporter",
    "issue.discard_held": "Held report deleted",
    "account.token_revoke": "API token revoked",
    "account.logout_everywhere": "Logged out everywhere",
    "account.password_change": "Password changed",
    "account.password_reset": "Password reset",
    "account.email_change_request": "Address change asked",
    "account.email_change": "Address changed",
    "account.email_change_undo": "Address change undone",
    "domain.block": "Domain blocked",
    "domain.unblock": "Domain allowed",
    "team.create": "Team created",
    "team.delete": "Team deleted",
    "team.add_member": "Team member added",
    "team.remove_member": "Team member removed",
    "target.set": "Target time set",
    "census.upload": "Census uploaded",
    "census.verify": "Verified against a census",
    "group.admin_appoint": "Group admin appointed",
    "group.admin_remove": "Group admin removed",
    "group.leave": "Group left",
    **MONEY_LABELS,
}


def _detail_value(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{k} {_detail_value(v)}" for k, v in value.items())
    return str(value)


def fallback(f: Facts, _n: Names) -> str:
    """An action without its own renderer: its label (or code), target and details, read plainly."""
    label = ACTION_LABELS.get(f.action, f.action)
    target = f"#{f.target_id}" if f.target_type == "issue" else f"{f.target_type} {f.target_id}"
    details = "; ".join(
        f"{k.replace('_', ' ')} {_detail_value(v)}" for k, v in f.details.items() if v not in (None, "", [])
    )
    return f"did “{label}” on {target}" + (f" ({short(details)})" if details else "")


def _issue_of(f: Facts) -> int | None:
    raw = f.details.get("issue_id") if f.target_type != "issue" else f.target_id
    try:
        return int(str(raw)) if raw not in (None, "") else None
    except ValueError:
        return None


def describe(facts: Facts, names: Names) -> Words:
    """The entry as words; a renderer that trips on odd stored details falls back rather than fail."""
    renderer = RENDERERS.get(facts.action, fallback)
    try:
        text = renderer(facts, names)
    except (KeyError, TypeError, ValueError, AttributeError):
        text = fallback(facts, names)
    return Words(text, _issue_of(facts))


def describe_moderation(
    action: str, target_type: str, issue_id: int | None, field: str | None, reason: str
) -> str:
    """A moderation-log row in words: "hid a photo on #321: spam"."""
    verb = {"hide": "hid", "unhide": "showed", "edit": "edited"}.get(action, action)
    details: dict[str, Any] = {"issue_id": issue_id, "field": field, "reason": reason}
    target_id = str(issue_id) if target_type == "issue" else ""
    return _moderation(verb)(Facts(f"moderation.{action}", target_type, target_id, details), {})
