"""The audit and moderation logs in words: one renderer per action code, and a fallback for the rest.

A renderer gets the stored facts (action code, target, details) and the names it may need (statuses by
code), and returns what the actor did, as a phrase after their name: "moved status Planned above In
progress". Entries written before a renderer existed, or by a newer version, still read: the fallback
names the action and lists the details as plain text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from budgets.money import format_money

DETAIL_MAX = 160


@dataclass(frozen=True)
class Facts:
    action: str
    target_type: str
    target_id: str
    details: Mapping[str, Any]


@dataclass(frozen=True)
class Words:
    text: str
    issue_id: int | None  # the problem the entry is about, for a link


Names = Mapping[str, str]  # status code -> status name
Renderer = Callable[[Facts, Names], str]


def _short(value: object) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= DETAIL_MAX else text[: DETAIL_MAX - 1] + "…"


def _reason(value: object) -> str:
    return f": {_short(value)}" if value not in (None, "") else ""


def _status(names: Names, code: object) -> str:
    return names.get(str(code), str(code)) if code not in (None, "") else "none"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _ids(values: object, shown: int = 5) -> str:
    ids = [f"#{v}" for v in values] if isinstance(values, list) else []
    more = f" and {len(ids) - shown:,} more" if len(ids) > shown else ""
    return ", ".join(ids[:shown]) + more


def _status_change(f: Facts, n: Names) -> str:
    d = f.details
    return (
        f"moved #{f.target_id} from {_status(n, d.get('from_status'))} to {_status(n, d.get('to_status'))}"
        + _reason(d.get("note"))
    )


def _bulk_change(f: Facts, n: Names) -> str:
    d = f.details
    changed = d.get("issue_ids") or []
    unchanged = d.get("unchanged_ids") or []
    text = f"moved {_plural(len(changed), 'problem')} ({_ids(changed)}) to {_status(n, d.get('to_status'))}"
    if unchanged:
        text += f", leaving {len(unchanged):,} that already had it"
    return text + _reason(d.get("note"))


def _duplicate(f: Facts, _n: Names) -> str:
    d = f.details
    return (
        f"closed #{f.target_id} as a duplicate of #{d.get('original_id')}"
        f" ({_plural(int(d.get('likes_moved') or 0), 'like')} and"
        f" {_plural(int(d.get('followers_added') or 0), 'follower')} moved)"
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
        return f"{verb} {what}{_on_issue(f)}{again}" + _reason(f.details.get("reason"))

    return render


def _flags(verb: str) -> Renderer:
    def render(f: Facts, _n: Names) -> str:
        count = int(f.details.get("flags") or 0)
        what = TARGETS.get(f.target_type, f.target_type)
        if verb == "hid":
            return f"hid {what}{_on_issue(f)} after {_plural(count, 'flag')}" + _reason(
                f.details.get("reason")
            )
        return f"dismissed {_plural(count, 'flag')} on {what}{_on_issue(f)}" + _reason(
            f.details.get("reason")
        )

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


def _target(f: Facts, _n: Names) -> str:
    d = f.details
    days = d.get("days")
    if days is None:
        return f"returned the target time of {d.get('name')} to the default"
    return f"set the target time of {d.get('name')} to {_plural(int(days), 'day')}"


def _amount(f: Facts) -> str:
    """The entry's amount_cents with its currency when it recorded one ("money" when it has none)."""
    cents, currency = f.details.get("amount_cents"), f.details.get("currency")
    if not isinstance(cents, int):
        return "money"
    return format_money(cents, currency if isinstance(currency, str) else None)


def _fund(f: Facts, _n: Names) -> str:
    return f"funded #{f.target_id} with {_amount(f)} in round {f.details.get('round_id')}"


def _cents(f: Facts, key: str) -> str:
    """Another amount of the entry (spent_cents, budget_cents, ...), as `_amount` writes amount_cents."""
    return _amount(Facts(f.action, f.target_type, f.target_id, {**f.details, "amount_cents": f.details[key]}))


def _funded(f: Facts) -> str:
    funded = f.details.get("funded") or []
    return f"{_plural(len(funded), 'problem')}" + (f" ({_ids(funded)})" if funded else "")


def _payout(f: Facts, _n: Names) -> str:
    d = f.details
    kinds = {"contractor": "contractor", "department": "city department"}
    kind = kinds.get(str(d.get("payee_kind")), "payee")
    return (
        f"recorded a payout of {_amount(f)} on #{f.target_id} to {_short(d['payee_name'])} ({kind}),"
        f" invoice {_short(d['invoice_ref'])}, paid on {d['paid_on']}"
    )


def _tally(f: Facts, _n: Names) -> str:
    d = f.details
    return (
        f"tallied round {f.target_id} from {_plural(int(d['ballots']), 'ballot')}: a provisional result"
        f" spending {_cents(f, 'spent_cents')} of {_cents(f, 'budget_cents')} on {_funded(f)}"
    )


def _certify(f: Facts, _n: Names) -> str:
    return (
        f"certified the result of round {f.target_id}: {_cents(f, 'spent_cents')} to {_funded(f)},"
        f" {_cents(f, 'leftover_cents')} not spent"
    )


def _voting_close(f: Facts, _n: Names) -> str:
    ballots = f.details.get("ballots")
    counted = f" after {_plural(int(ballots), 'ballot')}" if ballots is not None else ""
    return f"closed voting in round {f.target_id}{counted}"


def _backing(verb: str) -> Renderer:
    def render(f: Facts, _n: Names) -> str:
        d = f.details
        return f"{verb} backing {d.get('reference') or f.target_id} of {_amount(f)} for #{d['issue_id']}"

    return render


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
    "account.block": lambda f, _n: f"blocked the account {f.details.get('email') or f.target_id}",
    "account.unblock": lambda f, _n: f"unblocked the account {f.details.get('email') or f.target_id}",
    "account.delete": lambda f, _n: "deleted their account",
    "account.confirm_email": lambda f, _n: "confirmed their email address",
    "account.token_revoke": lambda f, _n: "revoked one of their API tokens",
    "account.logout_everywhere": lambda f, _n: (
        "logged out everywhere"
        + (f" ({_plural(int(f.details['logins']), 'login')} ended)" if f.details.get("logins") else "")
    ),
    "domain.block": lambda f, _n: (
        f"blocked the email domain {f.target_id}"
        + f" ({_plural(int(f.details.get('accounts_blocked') or 0), 'account')} blocked with it)"
        + _reason(f.details.get("reason"))
    ),
    "domain.unblock": lambda f, _n: f"allowed the email domain {f.target_id} again",
    "team.create": lambda f, _n: f"created the team {f.details.get('name')}",
    "team.delete": lambda f, _n: f"deleted the team {f.details.get('name')}",
    "team.add_member": lambda f, _n: f"added {f.details.get('member')} to the team {f.details.get('name')}",
    "team.remove_member": lambda f, _n: (
        f"removed {f.details.get('member')} from the team {f.details.get('name')}"
    ),
    "target.set": _target,
    "round.fund": _fund,
    "group.admin_appoint": lambda f, _n: (
        f"made {f.details.get('member')} an admin of the group {f.details.get('group') or f.target_id}"
    ),
    "group.admin_remove": lambda f, _n: (
        f"removed {f.details.get('member')} as an admin of the group {f.details.get('group') or f.target_id}"
    ),
    "pledge.decline": lambda f, _n: (
        f"declined pledge {f.target_id} of {_amount(f)} to pool {f.details.get('pool_id')}: "
        "its money never arrived"
    ),
    "issue.payout": _payout,
    "issue.return": lambda f, _n: (
        f"returned the {_amount(f)} not paid out on #{f.target_id} to where the money came from"
    ),
    "backing.confirm": _backing("confirmed"),
    "backing.cancel": _backing("cancelled"),
    "round.create": lambda f, _n: f"created round {f.target_id} in group {f.details['group_id']}",
    "round.phase": lambda f, _n: (
        f"closed round {f.target_id}"
        if f.details["phase"] == "closed"
        else f"moved round {f.target_id} to its {f.details['phase']} phase"
    ),
    "round.voting_close": _voting_close,
    "round.tally": _tally,
    "round.certify": _certify,
    "round.send_back": lambda f, _n: (
        f"sent the result of round {f.target_id} back" + _reason(f.details.get("reason"))
    ),
    "round.cancel": lambda f, _n: f"cancelled round {f.target_id}" + _reason(f.details.get("reason")),
    "round.release": lambda f, _n: (
        f"released the tally of round {f.target_id} with {_plural(int(f.details['ballots']), 'ballot')}"
        " cast, below its minimum turnout"
    ),
    "matching_period.create": lambda f, _n: (
        f"created the matching period {_short(f.details['name'])} with a fund of {_cents(f, 'fund_cents')}"
    ),
    "matching_period.close": lambda f, _n: f"closed the matching period {f.target_id}",
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
    "account.block": "Account blocked",
    "account.unblock": "Account unblocked",
    "account.delete": "Account deleted",
    "account.confirm_email": "Email confirmed",
    "account.token_revoke": "API token revoked",
    "account.logout_everywhere": "Logged out everywhere",
    "domain.block": "Domain blocked",
    "domain.unblock": "Domain allowed",
    "team.create": "Team created",
    "team.delete": "Team deleted",
    "team.add_member": "Team member added",
    "team.remove_member": "Team member removed",
    "target.set": "Target time set",
    "round.fund": "Problem funded",
    "round.eligibility": "Who may vote changed",
    "census.upload": "Census uploaded",
    "census.verify": "Verified against a census",
    "round.code_batch": "Voting codes generated",
    "round.code_use": "Voting code used online",
    "round.paper_entry": "Paper ballot entered",
    "round.paper_void": "Paper ballot voided",
    "group.admin_appoint": "Group admin appointed",
    "group.admin_remove": "Group admin removed",
    "pledge.decline": "Pledge declined",
    "issue.payout": "Payout recorded",
    "issue.return": "Remainder returned",
    "backing.confirm": "Backing confirmed",
    "backing.cancel": "Backing cancelled",
    "round.create": "Round created",
    "round.phase": "Round phase changed",
    "round.voting_close": "Voting closed",
    "round.tally": "Round tallied",
    "round.certify": "Result certified",
    "round.send_back": "Result sent back",
    "round.cancel": "Round cancelled",
    "round.release": "Tally released",
    "matching_period.create": "Matching period created",
    "matching_period.update": "Matching period changed",
    "matching_period.close": "Matching period closed",
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
    return f"did “{label}” on {target}" + (f" ({_short(details)})" if details else "")


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
