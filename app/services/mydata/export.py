"""Download my data: a ZIP holding data.json (everything tied to the account), the photos, and a README."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from sqlalchemy import or_, select

from app.database.sessions import DbSession
from app.models import (
    ApiToken,
    Area,
    AuditEntry,
    Backing,
    CensusEntry,
    CensusUpload,
    Flag,
    Follow,
    Group,
    Issue,
    IssueEvent,
    Like,
    LoginSession,
    Membership,
    Photo,
    Pledge,
    Pool,
    Round,
    RoundBallot,
    User,
    VotingCode,
)
from app.models.timestamps import rfc3339_or_none, utcnow
from app.services.funding import return_paybacks
from app.services.funding.pool_refunds import refunds_of
from app.services.issues.money import CITY_CURRENCY
from app.services.issues.photo_store import PhotoNotFound, PhotoStore
from app.services.issues.public_titles import public_title
from app.services.kernel.site import site_name
from app.services.mydata.mail_copies import mail_copies

FORMAT_VERSION = 1
AUTHORED_KINDS = ("update", "reopen")  # timeline entries a resident writes

README = """Your data from {site}
==============={rule}

Exported {exported} (UTC) for account #{user_id}.

data.json   everything {site} holds that is tied to your account, as JSON (UTF-8):
  profile         your email address (and when it was confirmed), display name, whether new reports
                  hide your name, role and when you registered
  reports         the problems you reported (text, place, category, status), each with its photos
  updates         the public updates and "not fixed" notes you wrote on problems, with their photos
  likes           the problems you liked, and when
  follows         the problems and neighbourhoods you follow (they decide which emails you get)
  pledges         the money you pledged to neighbourhood pools: amount in cents, state (pending,
                  confirmed, declined, or withdrawn by you), dates
  refunds         your parts of the refunds rounds made of pools' unspent money: group, pool, round,
                  amount in cents, when (also after you left the group)
  backings        the money you put behind single problems: amount in cents, state, what happens to it
                  if the problem is not funded, dates
  returned        your parts of fixes' unspent money given back: problem, amount in cents, when, and
                  when the city's cashier paid it back (for money you paid at the cashier)
  ballots         your ballots in participatory-budgeting rounds: problem id -> points
  memberships     the neighbourhood groups you belong to, and whether you run one
  flags           the content you flagged for moderators, and what they decided
  census          the neighbourhood censuses you verified your identifier against, and when (the
                  identifier itself is never stored, only a salted one-way digest, so it is not here)
  voting_codes    the one-time voting codes you typed in online: the round and when
  api_tokens      your API tokens: when each was made and when it expires (the tokens themselves are
                  never stored, only a one-way digest, so they are not here)
  logins          each login on a device: the browser it came from, when it started and when it ended
                  (logged out); the key the cookie holds is never stored, only a one-way digest
  audit_entries   entries of the audit log made by you or about your account
  mails           the copies {site} keeps of the emails it sent you (or is about to send), at
                  this address or an earlier one: to, subject, state, when, and the text you read
photos/     the photo files named in data.json ("file"), as stored (metadata was stripped on upload)

Times are UTC (ISO 8601). Money is in minor units (cents) with the pool's currency.
"""


def _photo(photo: Photo) -> dict[str, Any]:
    return {
        "id": photo.id,
        "file": f"photos/{photo.filename}",
        "content_type": photo.content_type,
        "width": photo.width,
        "height": photo.height,
        "hidden_by_moderator": photo.is_hidden,
        "created_at": rfc3339_or_none(photo.created_at),
    }


def account_data(session: DbSession, user: User) -> tuple[dict[str, Any], list[str]]:
    """data.json's content and the photo filenames it names."""
    photos: list[str] = []
    reports = []
    for issue in session.scalars(select(Issue).where(Issue.reporter_id == user.id).order_by(Issue.id)):
        own = [p for p in issue.photos if p.event_id is None]
        photos.extend(p.filename for p in own)
        reports.append(
            {
                "id": issue.id,
                "title": issue.title,
                "description": issue.description,
                "category": issue.category_code,
                "status": issue.status,
                "lat": issue.lat,
                "lon": issue.lon,
                "area": issue.area.name,
                "name_hidden": issue.hide_name,
                "hidden_by_moderator": issue.is_hidden,
                "created_at": rfc3339_or_none(issue.created_at),
                "photos": [_photo(p) for p in own],
            }
        )
    updates = []
    for event in session.scalars(
        select(IssueEvent)
        .where(IssueEvent.actor_id == user.id, IssueEvent.kind.in_(AUTHORED_KINDS))
        .order_by(IssueEvent.id)
    ):
        own = list(session.scalars(select(Photo).where(Photo.event_id == event.id).order_by(Photo.id)))
        photos.extend(p.filename for p in own)
        updates.append(
            {
                "id": event.id,
                "issue_id": event.issue_id,
                "kind": event.kind,
                "note": event.note,
                "hidden_by_moderator": event.is_hidden,
                "created_at": rfc3339_or_none(event.created_at),
                "photos": [_photo(p) for p in own],
            }
        )
    data: dict[str, Any] = {
        "format": "commonfix-account-export",
        "version": FORMAT_VERSION,
        "exported_at": rfc3339_or_none(utcnow()),
        "profile": {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role,
            "email_confirmed_at": rfc3339_or_none(user.email_confirmed_at),
            "hide_name_default": user.hide_name_default,
            "round_news": user.round_news,
            "blocked": user.is_blocked,
            "created_at": rfc3339_or_none(user.created_at),
        },
        "reports": reports,
        "updates": updates,
        "likes": [
            {"issue_id": issue_id, "title": title, "created_at": rfc3339_or_none(at)}
            for issue_id, title, at in session.execute(
                # Another's report the moderators hid keeps its title from its likers too (found from
                # outside: the download handed it out, while My page leaves such a like out).
                select(Like.issue_id, public_title(), Like.created_at)
                .join(Issue, Issue.id == Like.issue_id)
                .where(Like.user_id == user.id)
                .order_by(Like.id)
            ).tuples()
        ],
        "follows": [
            {"issue_id": issue_id, "area_id": area_id, "created_at": rfc3339_or_none(at)}
            for issue_id, area_id, at in session.execute(
                select(Follow.issue_id, Follow.area_id, Follow.created_at)
                .where(Follow.user_id == user.id)
                .order_by(Follow.id)
            ).tuples()
        ],
        "pledges": [
            {
                "id": pledge.id,
                "pool_id": pledge.pool_id,
                "group": group,
                "amount_cents": pledge.amount_cents,
                "currency": currency,
                "status": pledge.status,
                "name_shown": pledge.show_name,
                "provider": pledge.provider,
                "created_at": rfc3339_or_none(pledge.created_at),
                "confirmed_at": rfc3339_or_none(pledge.confirmed_at),
                "withdrawn_at": rfc3339_or_none(pledge.withdrawn_at),
            }
            for pledge, group, currency in session.execute(
                select(Pledge, Group.name, Pool.currency)
                .join(Pool, Pool.id == Pledge.pool_id)
                .join(Group, Group.id == Pool.group_id)
                .where(Pledge.user_id == user.id)
                .order_by(Pledge.id)
            ).tuples()
        ],
        "refunds": [
            {
                "group_id": part.group_id,
                "group": part.group,
                "pool_id": part.pool_id,
                "round_id": part.round_id,
                "round": part.round_name,
                "amount_cents": part.amount_cents,
                "currency": part.currency,
                "refunded_at": rfc3339_or_none(part.refunded_at),
            }
            for part in reversed(refunds_of(session, user.id))
        ],
        "returned": [
            {
                "issue_id": part.issue_id,
                "amount_cents": part.amount_cents,
                "currency": part.currency,
                "returned_at": rfc3339_or_none(part.returned_at),
                "paid_at_the_cashier": part.at_the_cashier,
                "paid_back_at": rfc3339_or_none(part.paid_back_at),
            }
            for part in reversed(return_paybacks.returned_to(session, user.id))
        ],
        "backings": [
            {
                "id": backing.id,
                "issue_id": backing.issue_id,
                "matching_period_id": backing.period_id,
                "amount_cents": backing.amount_cents,
                "currency": CITY_CURRENCY,
                "status": backing.status,
                "if_not_funded": backing.fallback,
                "name_shown": backing.show_name,
                "provider": backing.provider,
                "created_at": rfc3339_or_none(backing.created_at),
                "settled_at": rfc3339_or_none(backing.settled_at),
            }
            for backing in session.scalars(
                select(Backing).where(Backing.user_id == user.id).order_by(Backing.id)
            )
        ],
        "ballots": [
            {
                "round_id": round_id,
                "round": name,
                "phase": phase,
                "choices": choices,
                "created_at": rfc3339_or_none(created),
                "updated_at": rfc3339_or_none(updated),
            }
            for round_id, name, phase, choices, created, updated in session.execute(
                select(
                    Round.id,
                    Round.name,
                    Round.phase,
                    RoundBallot.choices,
                    RoundBallot.created_at,
                    RoundBallot.updated_at,
                )
                .join(Round, Round.id == RoundBallot.round_id)
                .where(RoundBallot.user_id == user.id)
                .order_by(RoundBallot.id)
            ).tuples()
        ],
        "memberships": [
            {"group_id": group_id, "group": name, "runs_group": is_admin, "joined_at": rfc3339_or_none(at)}
            for group_id, name, is_admin, at in session.execute(
                select(Group.id, Group.name, Membership.is_admin, Membership.joined_at)
                .join(Membership, Membership.group_id == Group.id)
                .where(Membership.user_id == user.id)
                .order_by(Membership.id)
            ).tuples()
        ],
        "flags": [
            {
                "target_type": flag.target_type,
                "target_id": flag.target_id,
                "issue_id": flag.issue_id,
                "reason": flag.reason,
                "note": flag.note,
                "status": flag.status,
                "created_at": rfc3339_or_none(flag.created_at),
                "resolved_at": rfc3339_or_none(flag.resolved_at),
            }
            for flag in session.scalars(select(Flag).where(Flag.user_id == user.id).order_by(Flag.id))
        ],
        "census": [
            {
                "area_id": area_id,
                "area": name,
                "verified_at": rfc3339_or_none(at),
                "census_replaced": replaced is not None,
            }
            for area_id, name, at, replaced in session.execute(
                select(Area.id, Area.name, CensusEntry.verified_at, CensusUpload.replaced_at)
                .join(CensusUpload, CensusUpload.id == CensusEntry.upload_id)
                .join(Area, Area.id == CensusUpload.area_id)
                .where(CensusEntry.user_id == user.id)
                .order_by(CensusEntry.id)
            ).tuples()
        ],
        "voting_codes": [
            {"round_id": round_id, "round": name, "used_via": via, "used_at": rfc3339_or_none(at)}
            for round_id, name, via, at in session.execute(
                select(Round.id, Round.name, VotingCode.used_via, VotingCode.used_at)
                .join(Round, Round.id == VotingCode.round_id)
                .where(VotingCode.user_id == user.id)
                .order_by(VotingCode.id)
            ).tuples()
        ],
        "api_tokens": [
            {"id": token_id, "created_at": rfc3339_or_none(created), "expires_at": rfc3339_or_none(expires)}
            for token_id, created, expires in session.execute(
                select(ApiToken.id, ApiToken.created_at, ApiToken.expires_at)
                .where(ApiToken.user_id == user.id)
                .order_by(ApiToken.id)
            ).tuples()
        ],
        "logins": [
            {
                "id": login_id,
                "device": device,
                "started_at": rfc3339_or_none(started),
                "expires_at": rfc3339_or_none(expires),
                "ended_at": rfc3339_or_none(ended),
            }
            for login_id, device, started, expires, ended in session.execute(
                select(
                    LoginSession.id,
                    LoginSession.device,
                    LoginSession.created_at,
                    LoginSession.expires_at,
                    LoginSession.ended_at,
                )
                .where(LoginSession.user_id == user.id)
                .order_by(LoginSession.id)
            ).tuples()
        ],
        "audit_entries": [
            {
                "action": entry.action,
                "by_you": entry.actor_id == user.id,
                "target_type": entry.target_type,
                "target_id": entry.target_id,
                "details": entry.details,
                "created_at": rfc3339_or_none(entry.created_at),
            }
            for entry in session.scalars(
                select(AuditEntry).where(about_account(user.id)).order_by(AuditEntry.id)
            )
        ],
        "mails": mail_copies(session, user),
    }
    return data, photos


def about_account(user_id: int) -> Any:
    """Audit entries made by the account or about it."""
    return or_(
        AuditEntry.actor_id == user_id,
        (AuditEntry.target_type == "user") & (AuditEntry.target_id == str(user_id)),
    )


def export_zip(session: DbSession, user: User, store: PhotoStore) -> bytes:
    """The ZIP a resident downloads: README.txt, data.json and photos/ read from the running photo store
    (photos the store no longer holds are skipped)."""
    data, photos = account_data(session, user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt",
            README.format(
                exported=data["exported_at"], user_id=user.id, site=site_name(), rule="=" * len(site_name())
            ),
        )
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False))
        for name in sorted(set(photos)):
            try:
                with store.open(name) as photo:
                    content = photo.read()
            except PhotoNotFound:
                continue
            archive.writestr(f"photos/{name}", content, compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()
