"""Account forms: register and log in (messages name the field, as residents read them)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from app.services.accounts.users import DISPLAY_NAME_MAX, PASSWORD_MAX, PASSWORD_MIN


class RegisterForm(FlaskForm):
    # The address itself is checked by accounts.register (WTForms' Email() needs email_validator).
    email = EmailField("Email", validators=[DataRequired("Email is required."), Length(max=254)])
    display_name = StringField(
        "Display name",
        validators=[
            DataRequired("Display name is required."),
            Length(
                max=DISPLAY_NAME_MAX, message=f"Display name must be at most {DISPLAY_NAME_MAX} characters."
            ),
        ],
    )
    password = PasswordField(
        "Password",
        validators=[
            DataRequired("Password is required."),
            Length(
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
                message=f"Password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters long.",
            ),
        ],
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[DataRequired("Repeat the password."), EqualTo("password", "The passwords differ.")],
    )
    submit = SubmitField("Create account")


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Email is required.")])
    password = PasswordField("Password", validators=[DataRequired("Password is required.")])
    remember = BooleanField("Keep me logged in")
    submit = SubmitField("Log in")
