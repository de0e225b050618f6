"""Forms residents and staff use on an issue's timeline."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SubmitField, TextAreaField


class UpdateForm(FlaskForm):
    text = TextAreaField("Your update", render_kw={"maxlength": 2000, "rows": 3})
    photo = FileField("Photo (optional)", render_kw={"accept": "image/jpeg,image/png,image/webp"})
    submit = SubmitField("Post update")


class NotFixedForm(FlaskForm):
    note = TextAreaField("What is still wrong? (optional)", render_kw={"maxlength": 2000, "rows": 2})
    submit = SubmitField("It is not fixed")
