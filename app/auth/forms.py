"""Account forms: register, log in, reset the password, and the settings (messages name the field)."""

from collections.abc import Callable

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Field, HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length
from wtforms.validators import ValidationError as WtformsValidationError

from app.services.accounts import users
from app.services.accounts.addresses import normalise_email
from app.services.accounts.users import DISPLAY_NAME_MAX, PASSWORD_MAX, PASSWORD_MIN
from app.services.kernel.errors import DomainError


def repeat_field(label: str, required: str, of: str = "password") -> PasswordField:
    """The password typed again, which must equal the field `of`."""
    return PasswordField(label, validators=[DataRequired(required), EqualTo(of, "The passwords differ.")])


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
    confirm = repeat_field("Repeat password", "Repeat the password.")
    submit = SubmitField("Create account")

    # Each field is checked as accounts.register checks it, so every refusal shows at once. Found from
    # outside: a bad address and a short password showed the password's errors first and the address's
    # only after they were fixed, one more round trip on a phone.
    def validate_email(self, field: Field) -> None:
        if not field.errors:
            as_field_error(normalise_email, field.data)

    def validate_display_name(self, field: Field) -> None:
        if not field.errors:
            as_field_error(users.check_display_name, field.data)

    def validate_password(self, field: Field) -> None:
        if not field.errors:  # its length is said already
            hints = users.account_hints(str(self.email.data or "").strip(), str(self.display_name.data or ""))
            as_field_error(users.check_password, field.data, *hints)


def as_field_error(check: Callable[..., object], *args: object) -> None:
    """Run a domain check on a field's value; its refusal becomes the field's error."""
    try:
        check(*args)
    except DomainError as error:
        raise WtformsValidationError(error.message) from None


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
    # Asked only of an account whose address is not confirmed yet (app/auth/reset_routes.py).
    display_name = StringField(
        "Your name as others see it", render_kw={"maxlength": 60, "autocomplete": "name"}
    )
    password = new_password_field("New password")
    confirm = repeat_field("Repeat the new password", "Repeat the new password.")
    submit = SubmitField("Set my new password")


class ConfirmAgainForm(ResetPasswordForm):
    """Confirming an address registered twice before it was confirmed: its opener chooses the name (the
    reset form's field) and the password (app.services.accounts.confirmation.AGAIN)."""

    password = new_password_field("Choose your password")
    confirm = repeat_field("Repeat the password", "Repeat the password.")
    submit = SubmitField("Confirm my address")


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
    # What the page showed, so that only what the resident changed on it is saved (found from outside:
    # saving one tab put back the display name another tab had just changed).
    shown_display_name = HiddenField()
    shown_hide_name_default = HiddenField()
    submit = SubmitField("Save")

    @classmethod
    def showing(cls, display_name: str, hide_name_default: bool) -> "ProfileForm":
        """The form as the settings page first draws it, with the account's values."""
        hidden = "1" if hide_name_default else "0"
        return cls(
            formdata=None,
            display_name=display_name,
            hide_name_default=hide_name_default,
            shown_display_name=display_name,
            shown_hide_name_default=hidden,
        )

    def edited(self) -> dict[str, object]:
        """The settings changed on the page: those whose value differs from what it showed (all,
        for a sender that does not say what it showed)."""
        found: dict[str, object] = {}
        if self.shown_display_name.data is None or self.display_name.data != self.shown_display_name.data:
            found["display_name"] = self.display_name.data
        hide = bool(self.hide_name_default.data)
        if self.shown_hide_name_default.data not in ("0", "1") or hide != (
            self.shown_hide_name_default.data == "1"
        ):
            found["hide_name_default"] = hide
        return found


class EmailsForm(FlaskForm):
    """Which emails the account gets besides those of what it follows (each follow has its own)."""

    round_news = BooleanField(
        "Funding rounds I may vote in: when voting opens, a reminder before it closes, the result or a "
        "cancellation"
    )
    submit = SubmitField("Save email choices")


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
    confirm = repeat_field("Repeat the new password", "Repeat the new password.", of="new_password")
    # Shown only to an account with API tokens, ticked at first (settings_routes.settings_page).
    revoke_tokens = BooleanField("Also stop my API tokens")
    submit = SubmitField("Change my password")
