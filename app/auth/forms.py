"""Account forms: register, log in, reset the password, and the settings (messages name the field)."""

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


def new_password_field(label: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired("Choose a new password."),
            Length(
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
                message=f"The new password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters long.",
            ),
        ],
    )


class ForgotPasswordForm(FlaskForm):
    # Named "email" as on the login form: the rate limit per account reads that field.
    email = EmailField("Email", validators=[DataRequired("Email is required."), Length(max=254)])
    submit = SubmitField("Send me a reset link")


class ResetPasswordForm(FlaskForm):
    password = new_password_field("New password")
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired("Repeat the new password."), EqualTo("password", "The passwords differ.")],
    )
    submit = SubmitField("Set my new password")


class ProfileForm(FlaskForm):
    display_name = StringField(
        "Display name",
        validators=[
            DataRequired("Display name is required."),
            Length(
                max=DISPLAY_NAME_MAX, message=f"Display name must be at most {DISPLAY_NAME_MAX} characters."
            ),
        ],
    )
    hide_name_default = BooleanField("Hide my name on new reports")
    submit = SubmitField("Save")


class EmailChangeForm(FlaskForm):
    new_email = EmailField(
        "New email address", validators=[DataRequired("Email is required."), Length(max=254)]
    )
    password = PasswordField("Your password", validators=[DataRequired("Your password is required.")])
    submit = SubmitField("Send a link to the new address")


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Your current password is required.")]
    )
    new_password = new_password_field("New password")
    confirm = PasswordField(
        "Repeat the new password",
        validators=[
            DataRequired("Repeat the new password."),
            EqualTo("new_password", "The passwords differ."),
        ],
    )
    # Shown only to an account with API tokens, ticked at first (settings_routes.settings_page).
    revoke_tokens = BooleanField("Also stop my API tokens")
    submit = SubmitField("Change my password")
