"""The flag form: a reason from the list and an optional note."""

from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired

from app.services.kernel.text import NOTE_MAX
from app.services.workflow.flags import FLAG_REASONS


class FlagForm(FlaskForm):
    reason = RadioField(
        "Why should a moderator look at it?",
        choices=list(FLAG_REASONS.items()),
        validators=[DataRequired("Choose a reason.")],
        validate_choice=False,  # the service checks the reason and names the field
    )
    note = TextAreaField(f"Anything to add? (optional, at most {NOTE_MAX:,} characters)")
    submit = SubmitField("Send to the moderators")
