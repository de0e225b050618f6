"""Database models; importing this package registers every table on the metadata."""

from app.models.account import ApiToken, LoginSession, User
from app.models.funding import Group, Membership, Pledge, Pool, PoolMatch
from app.models.issue import Issue, Like, Photo
from app.models.ledger import LedgerLine, LedgerPosting
from app.models.moderation import AuditEntry, BlockedDomain, ModerationRecord
from app.models.place import Area, Category, Status
from app.models.rounds import Round, RoundBallot, RoundCandidate, TallyJob
from app.models.workflow import Follow, IssueEvent

__all__ = [
    "ApiToken",
    "Area",
    "AuditEntry",
    "BlockedDomain",
    "Category",
    "Follow",
    "Group",
    "Issue",
    "IssueEvent",
    "LedgerLine",
    "LedgerPosting",
    "Like",
    "LoginSession",
    "Membership",
    "ModerationRecord",
    "Photo",
    "Pledge",
    "Pool",
    "PoolMatch",
    "Round",
    "RoundBallot",
    "RoundCandidate",
    "Status",
    "TallyJob",
    "User",
]
