"""Forms of the staff workspace (issue actions and admin pages); the services validate the values."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField, TextAreaField

from app.models.place import StatusType

TYPE_CHOICES = [(t.value, t.value) for t in StatusType]
CHOOSE_STATUS = "Choose the new status…"


class StatusForm(FlaskForm):
    status = SelectField("New status", choices=[], validate_choice=False)
    note = TextAreaField("Public note", render_kw={"maxlength": 2000, "rows": 3})
    submit = SubmitField("Change status")


class DuplicateForm(FlaskForm):
    # Chosen from the nearby open reports (radio buttons named original_choice), or typed: 321 or #321.
    original_choice = StringField()
    original_id = StringField("Or type the original's number", render_kw={"placeholder": "#321"})
    # Ids of their own: the status form on the same page has a "note" and the hide form a "reason".
    note = TextAreaField(
        "Public note (optional)", id="duplicate-note", render_kw={"maxlength": 2000, "rows": 2}
    )
    submit = SubmitField("Mark as duplicate")


class EditForm(FlaskForm):
    title = StringField("Title", render_kw={"maxlength": 120})
    description = TextAreaField("Description", render_kw={"maxlength": 4000, "rows": 5})
    reason = StringField(
        "Reason (kept in the moderation log)", id="edit-reason", render_kw={"maxlength": 2000}
    )
    submit = SubmitField("Save text")


class CategoryChangeForm(FlaskForm):
    category = SelectField("Category", choices=[], validate_choice=False)
    reason = StringField(
        "Reason (kept in the moderation log)", id="category-reason", render_kw={"maxlength": 2000}
    )
    submit = SubmitField("Move to this category")


class ReasonForm(FlaskForm):
    """Hide or show something; only the CSRF token and a reason (needed when the item is flagged)."""

    reason = StringField("Reason", render_kw={"maxlength": 2000})
    submit = SubmitField("Apply")


class StatusAddForm(FlaskForm):
    code = StringField("Code", render_kw={"maxlength": 40, "placeholder": "waiting-for-parts"})
    name = StringField("Name", render_kw={"maxlength": 80})
    type = SelectField("Type", choices=TYPE_CHOICES, validate_choice=False)
    submit = SubmitField("Add status")


class StatusEditForm(FlaskForm):
    name = StringField("Name", render_kw={"maxlength": 80})
    type = SelectField("Type", choices=TYPE_CHOICES, validate_choice=False)
    # Shown once a retype would move problems (the error on it says how many).
    confirm_retype = BooleanField("Yes, change the type of these problems")
    submit = SubmitField("Save")


class CategoryAddForm(FlaskForm):
    code = StringField("Code", render_kw={"maxlength": 40, "placeholder": "snow-clearing"})
    name = StringField("Name", render_kw={"maxlength": 80})
    submit = SubmitField("Add category")


class CategoryEditForm(FlaskForm):
    name = StringField("Name", render_kw={"maxlength": 80})
    submit = SubmitField("Save")


class MoveForm(FlaskForm):
    direction = HiddenField()


class BlockAccountForm(FlaskForm):
    email = StringField("Account email", render_kw={"type": "email", "maxlength": 254})
    action = HiddenField(default="block")
    # Shown once the account has work for others (the error on it names the work).
    confirm_work = BooleanField("Yes, block it anyway")
    submit = SubmitField("Block account")


class BlockDomainForm(FlaskForm):
    domain = StringField("Email domain", render_kw={"maxlength": 253, "placeholder": "spam.example"})
    reason = StringField("Reason (optional)", render_kw={"maxlength": 2000})
    # Shown once the block would block accounts (the error on it says how many).
    confirm_accounts = BooleanField("Yes, block these accounts too")
    submit = SubmitField("Block domain")
