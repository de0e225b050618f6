"""Database models; importing this package registers every table on the metadata."""

from app.models.account import ApiToken, User
from app.models.funding import Group, Membership, Pledge, Pool, PoolMatch
from app.models.issue import Issue, Like, Photo
from app.models.ledger import LedgerLine, LedgerPosting
from app.models.place import Area, Category, Status

__all__ = [
    "ApiToken",
    "Area",
    "Category",
    "Group",
    "Issue",
    "LedgerLine",
    "LedgerPosting",
    "Like",
    "Membership",
    "Photo",
    "Pledge",
    "Pool",
    "PoolMatch",
    "Status",
    "User",
]
