"""Accounts: registration, password checks and API bearer tokens."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from app.database.driver import DriverStatement
from app.database.sessions import DbSession
from app.models import ApiToken, User
from app.models.account import Role, TokenHolder
from app.models.timestamps import utcnow
from app.services.accounts.addresses import normalise_email
from app.services.accounts.blocking import refuse_blocked_domain
from app.services.kernel.errors import AuthenticationError, Conflict, ValidationError
from app.services.kernel.site import site_name
from app.services.kernel.text import clean_text, is_invisible, is_mark

# Deleted accounts keep a tombstone address here (mydata.deletion): .invalid is reserved (RFC 2606) and
# receives no mail, so no one may take such an address (email_validator refuses it as special-use, and
# normalise_email says so again), or a deletion would find its tombstone taken.
TOMBSTONE_DOMAIN = "commonfix.invalid"
PASSWORD_MIN = 8
PASSWORD_MAX = 200
DISPLAY_NAME_MAX = 60


@functools.cache
def dummy_hash() -> str:
    """A hash checked for unknown emails so they cost as much time as wrong passwords.

    Made on first use rather than at import: every process (web worker, job worker, command)
    would otherwise spend a password hash's work on starting.
    """
    return generate_password_hash("not-a-real-password", method="scrypt")


def check_display_name(raw: object) -> str:
    """Runs of whitespace become one space; control and only-invisible characters are refused."""
    if raw is not None and not isinstance(raw, str):
        raise ValidationError("Display name must be text.", "display_name")
    name = " ".join((raw or "").split())
    if len(name) > DISPLAY_NAME_MAX:
        raise ValidationError(f"Display name must be at most {DISPLAY_NAME_MAX} characters.", "display_name")
    return clean_text(name, "display_name", "Display name", DISPLAY_NAME_MAX, multiline=False)


# Words that make a resident's name read as the city's or the platform's own: staff carry the "City
# staff" badge instead, and the city's own entries read "The city". Found from outside: a resident named
# "Olivia (city official)" posted "The city has decided to close this problem" beside the real
# official's updates; then "The city", "City_Official", "OfficialBob", "Moderator2" and a Cyrillic O got
# past whole-word matching, and later a soft hyphen inside "city", a dotless i, small capitals and
# digits drawn as letters ("0fficial", "Counc1l").
STAFF_TERMS = (
    "official", "officials", "staff", "moderator", "moderators", "administrator", "administrators",
    "admin", "admins", "commonfix", "city", "council", "mayor",
)  # fmt: skip
_STAFF_WORDS = re.compile(r"\b(?:" + "|".join(STAFF_TERMS) + r")\b")
# Letters drawn like the Latin ones of those words, read as those Latin letters: Cyrillic and Greek
# look-alikes, the dotless i, and small capitals (NFKD leaves all of them as they are).
_LOOK_ALIKES = str.maketrans(
    # Cyrillic look-alikes of a e o p c y x i s t m k h b, then of their capitals
    "\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0456\u0455\u0442\u043c\u043a\u043d\u0432"
    "\u0410\u0415\u041e\u0420\u0421\u0423\u0425\u0406\u0405\u0422\u041c\u041a\u041d\u0412"
    # Greek look-alikes of a e o p t u x i k v, then of A E O P T Y X I K N M
    "\u03b1\u03b5\u03bf\u03c1\u03c4\u03c5\u03c7\u03b9\u03ba\u03bd\u0391\u0395\u039f\u03a1\u03a4\u03a5\u03a7\u0399\u039a\u039d\u039c"
    # more look-alikes of c i d o o l l, Cherokee C and i; the dotless i, then small capitals a to z
    "\u03f2\u0269\u0501\u0585\u2c9f\u01c0\u04cf\u13df\u13a5"
    "\u0131"
    "\u1d00\u0299\u1d04\u1d05\u1d07\ua730\u0262\u029c\u026a\u1d0a\u1d0b\u029f\u1d0d\u0274\u1d0f\u1d18"
    "\ua7af\u0280\ua731\u1d1b\u1d1c\u1d20\u1d21\u0078\u028f\u1d22",
    "aeopcyxistmkhbAEOPCYXISTMKHBaeoptuxikvAEOPTYXIKNMcidoollCiiabcdefghijklmnopqrstuvwxyz",
)
# Digits and signs drawn like letters, and l read as i (as I and l look alike), on both sides of the
# comparison: "0fficial", "Counc1l" and "ADMlN" read as staff words.
_SKELETON = str.maketrans("l10|!3457$@", "iioiieastsa")
_STAFF_SKELETONS = re.compile(r"\b(?:" + "|".join(t.translate(_SKELETON) for t in STAFF_TERMS) + r")\b")


def _letters(name: str) -> str:
    """The name as a reader sees its letters: invisible characters dropped (a soft hyphen inside "city"
    split nothing on the page), full-width, accented and look-alike letters read as Latin."""
    folded = unicodedata.normalize("NFKD", name).translate(_LOOK_ALIKES)
    return "".join(c for c in folded if not (is_invisible(c) or is_mark(c)))


def _as_words(name: str) -> str:
    """The name as the words a reader sees: `_letters`, "OfficialBob" as two words, digits and
    punctuation as spaces, all lower case."""
    # "OfficialBob" and "OFFICIALbob" as two words (an upper-case run then lower case splits too)
    split = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z]{2})(?=[a-z])", " ", _letters(name))
    return " ".join(re.sub(r"[\W\d_]+", " ", split).split()).casefold()


def _as_skeleton(name: str) -> str:
    """The name's words with digits and signs read as the letters they look like, and l as i."""
    folded = _letters(name).casefold().translate(_SKELETON)
    words = re.sub(r"[\W\d_]+", " ", folded).split()
    # Letters spelled out one by one ("O.f.f.i.c.i.a.l", "C i t y") read as the word they make.
    return " ".join(re.sub(r"\b(\w) (?=\w\b)", r"\1", " ".join(words)).split())


def take_resident_name(session: DbSession, user: User, raw: object) -> None:
    """Give the resident's account the display name `raw`, checked as a resident's (the owner of an
    address taking back an account someone else registered first chooses its name)."""
    name = check_display_name(raw)
    refuse_staff_likeness(session, name, user.id)
    user.display_name = name


def refuse_staff_likeness(session: DbSession, name: str, user_id: int | None = None) -> None:
    """A resident's display name may not use the staff's or the city's words, nor be a staff member's
    name (compared as a reader sees both)."""
    # The site's own name as a phrase too (a resident "Fix Lyon Team" on a site the city calls "Fix
    # Lyon"), not its single words: "Lyon" alone is a resident's name.
    site, site_skeleton = _as_words(site_name()), _as_skeleton(site_name())
    if (
        _STAFF_WORDS.search(_as_words(name))
        or _STAFF_SKELETONS.search(_as_skeleton(name))
        or (site and re.search(rf"\b{re.escape(site)}\b", _as_words(name)))
        # Drawn alike too, as the staff's words are ("F1x Lyon", "F i x Lyon"; found from outside).
        or (site_skeleton and re.search(rf"\b{re.escape(site_skeleton)}\b", _as_skeleton(name)))
    ):
        raise ValidationError(
            f"Display name must not read as the city, its staff or {site_name()} (words such as “city”, "
            "“official” or “moderator”): staff answers carry a “City staff” badge instead.",
            "display_name",
        )
    staff_roles = (Role.OFFICIAL.value, Role.ADMIN.value)
    seen = " ".join(_letters(name).split()).casefold()
    staff_names = session.scalars(
        select(User.display_name).where(User.role.in_(staff_roles), User.id != (user_id or 0))
    )
    if any(" ".join(_letters(other).split()).casefold() == seen for other in staff_names):
        raise ValidationError(
            "Display name is that of a member of the city's staff: choose another.", "display_name"
        )


#: zxcvbn's score (0-4) every password must reach: 1 refuses only the very guessable ones the length
#: rule lets through (a top common password such as "password1", a keyboard row, one character
#: repeated, the account's own address or name), as NIST SP 800-63B asks of a blocklist.
RESIDENT_PASSWORD_SCORE = 1
#: The score a staff account's password must reach: 3 is "safely unguessable", about 10^10 guesses.
#: Found from outside: `create-user --role admin --password password` made an admin.
STAFF_PASSWORD_SCORE = 3
#: zxcvbn refuses (ValueError) a password longer than this: a longer one is judged by its beginning,
#: which a long passphrase passes anyway. It had been cut at 100, so 73 characters or more were a 500.
ESTIMATED_CHARS = 72


def check_password(raw: object, *hints: str) -> str:
    """A password of the right length that is not among the easiest to guess (`hints`: the account's
    email and name, which zxcvbn counts as known to an attacker)."""
    if raw is not None and not isinstance(raw, str):  # str() would make a password of a list's text
        raise ValidationError("Password must be text.", "password")
    password = raw or ""
    if len(password) < PASSWORD_MIN:
        raise ValidationError(f"Password must be at least {PASSWORD_MIN} characters.", "password")
    if len(password) > PASSWORD_MAX:
        raise ValidationError(f"Password must be at most {PASSWORD_MAX} characters.", "password")
    said = _guessable(password, RESIDENT_PASSWORD_SCORE, hints)
    if said is not None:
        raise ValidationError(
            f"Password is too easy to guess: {said}. Use a few unrelated words.", "password"
        )
    return password


def account_hints(email: str, name: str) -> tuple[str, ...]:
    """What an attacker knows of an account, for the password checks: its address, the address's
    local part, its display name and each word of it."""
    return (email, email.split("@")[0], name, *name.split())


def check_staff_password(password: str, *hints: str) -> None:
    """Refuse a password that is easy to guess for an official's or admin's account."""
    said = _guessable(password, STAFF_PASSWORD_SCORE, hints)
    if said is not None:
        raise ValidationError(
            f"Password is too easy to guess for an official's or admin's account: {said}. "
            "Use a passphrase of several unrelated words.",
            "password",
        )


def _guessable(password: str, score: int, hints: tuple[str, ...]) -> str | None:
    """Why a password scores below `score` (zxcvbn, the well-kept estimator: common passwords, words,
    dates, keyboard patterns and the `hints`), or None when it does not."""
    found = zxcvbn(password[:ESTIMATED_CHARS], user_inputs=[hint for hint in hints if hint])
    if found["score"] >= score:
        return None
    said = found["feedback"]["warning"] or "It is among those tried first, or close to your address or name"
    return str(said).rstrip(".")


def find_by_email(session: DbSession, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.lower()))


def register(
    session: DbSession,
    email: object,
    display_name: object,
    password: object,
    role: str = Role.RESIDENT.value,
) -> User:
    """A new account; the email must be unused. The unique index settles concurrent races."""
    clean_email = normalise_email(email)
    name = check_display_name(display_name)
    secret = check_password(password, *account_hints(clean_email, name))
    if role not in {r.value for r in Role}:
        raise ValidationError(f"Role must be one of {', '.join(r.value for r in Role)}.", "role")
    refuse_blocked_domain(session, clean_email)
    if find_by_email(session, clean_email) is not None:
        raise Conflict("An account with this email already exists.", "email")
    user = User(
        email=clean_email,
        display_name=name,
        password_hash=generate_password_hash(secret, method="scrypt"),
        role=role,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: DbSession, email: object, password: object) -> User:
    try:
        address = normalise_email(email)
    except ValidationError:
        # An address registered before email_validator checked them may fail it; its account still logs in.
        address = str(email or "").strip()
    user = find_by_email(session, address)
    if user is None:
        check_password_hash(dummy_hash(), str(password or ""))
        raise AuthenticationError("Wrong email or password.", "password")
    if not check_password_hash(user.password_hash, str(password or "")):
        raise AuthenticationError("Wrong email or password.", "password")
    refuse_blocked_domain(session, user.email)
    return user


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: DbSession, user: User, ttl: timedelta) -> IssuedToken:
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + ttl
    session.add(ApiToken(user_id=user.id, token_hash=token_digest(token), expires_at=expires_at))
    session.flush()
    return IssuedToken(token, expires_at)


# Built once: every API request with a token runs it, and building it cost more than running it.
_USER_FOR_TOKEN = (
    select(User, ApiToken.expires_at)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("digest"))
)


def user_for_token(session: DbSession, token: str) -> User | None:
    row = session.execute(_USER_FOR_TOKEN, {"digest": token_digest(token)}).first()
    if row is None or row.expires_at <= utcnow():
        return None
    return row._tuple()[0]


_HOLDER_FOR_TOKEN = DriverStatement(
    lambda _session: (
        select(User.id, User.role, User.is_blocked, User.email_confirmed_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == bindparam("digest"),
            ApiToken.expires_at > bindparam("now", type_=ApiToken.expires_at.type),
        )
    )
)


def holder_for_token(session: DbSession, token: str) -> TokenHolder | None:
    """The holder of a token that has not expired, read as three columns on the driver: loading the ORM
    user, or SQLAlchemy's execution machinery, cost a like request more (docs/benchmarks.md)."""
    row = _HOLDER_FOR_TOKEN.first(session, {"digest": token_digest(token), "now": utcnow()})
    if row is None:
        return None
    user_id, role, is_blocked, confirmed_at = row
    return TokenHolder(user_id, role, bool(is_blocked), confirmed_at is not None)
