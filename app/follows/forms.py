"""Forms for following: buttons that carry only their CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm


class FollowForm(FlaskForm):
    """Follow or unfollow: the target is in the URL, the form proves the request came from our page."""
