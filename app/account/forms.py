"""Account forms: deleting the account asks for the password."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, SubmitField
from wtforms.validators import DataRequired


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired("Password is required.")])
    submit = SubmitField("Delete my account")


class ExportForm(FlaskForm):
    """Only the CSRF token: the download is a POST so no other site can start it in a resident's name."""

    submit = SubmitField("Download my data")
