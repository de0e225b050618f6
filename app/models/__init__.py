"""Database models; importing this package registers every table on the metadata."""

from app.models.account import ApiToken, LoginSession, User
from app.models.backing import Backing, MatchingPeriod
from app.models.desk import Assignment, CategoryTarget, InboxVisit, InternalNote, Team, TeamMember
from app.models.eligibility import CensusEntry, CensusUpload, VotingCode, VotingCodeBatch
from app.models.funding import Group, Membership, Pledge, Pool, PoolMatch
from app.models.gazetteer import Address, Landmark, Street, StreetWord
from app.models.issue import Issue, IssueCell, IssueCount, Like, Photo
from app.models.ledger import LedgerChainLink, LedgerLine, LedgerPosting
from app.models.mail import MailFanout, MailStatus, OutgoingMail
from app.models.moderation import AuditEntry, BlockedDomain, Flag, ModerationRecord
from app.models.paper import PaperBallot, PaperBallotEntry
from app.models.payout import Payout, ReturnPayback
from app.models.period_match import PeriodMatchPosting
from app.models.place import Area, Category, Status
from app.models.rounds import Round, RoundBallot, RoundCandidate, TallyJob
from app.models.workflow import Follow, IssueEvent

__all__ = [
    "Address",
    "ApiToken",
    "Area",
    "Assignment",
    "AuditEntry",
    "Backing",
    "BlockedDomain",
    "Category",
    "CategoryTarget",
    "CensusEntry",
    "CensusUpload",
    "Flag",
    "Follow",
    "Group",
    "InboxVisit",
    "InternalNote",
    "Issue",
    "IssueCell",
    "IssueCount",
    "IssueEvent",
    "Landmark",
    "LedgerChainLink",
    "LedgerLine",
    "LedgerPosting",
    "Like",
    "LoginSession",
    "MailFanout",
    "MailStatus",
    "MatchingPeriod",
    "Membership",
    "ModerationRecord",
    "OutgoingMail",
    "PaperBallot",
    "PaperBallotEntry",
    "Payout",
    "PeriodMatchPosting",
    "Photo",
    "Pledge",
    "Pool",
    "PoolMatch",
    "ReturnPayback",
    "Round",
    "RoundBallot",
    "RoundCandidate",
    "Status",
    "Street",
    "StreetWord",
    "TallyJob",
    "Team",
    "TeamMember",
    "User",
    "VotingCode",
    "VotingCodeBatch",
]
