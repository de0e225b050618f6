"""Database models; importing this package registers every table on the metadata."""

from app.models.account import ApiToken, User
from app.models.issue import Issue, Like, Photo
from app.models.place import Area, Category, Status

__all__ = ["ApiToken", "Area", "Category", "Issue", "Like", "Photo", "Status", "User"]
