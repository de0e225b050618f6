"""Email addresses as the accounts store them: one spelling per mailbox (its own module, so that the
domain blocks and the accounts both use it)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from app.services.kernel.errors import ValidationError


def normalise_email(raw: object) -> str:
    """One spelling per mailbox, so the domain blocks and the one-account-per-address rule see it:
    the syntax checked by email_validator (no DNS lookup), the domain in ASCII (IDNA, so a full-width
    letter is the letter itself), everything in lower case. Refused: a trailing dot (the same mailbox
    as without it), a bracketed IP address, a quoted local part, special-use domains such as .invalid."""
    if raw is not None and not isinstance(raw, str):  # found from outside: ["a@b.co"] was told about "["
        raise ValidationError("Email must be text.", "email")
    email = (raw or "").strip()
    if not email:
        raise ValidationError("Email is required.", "email")
    invalid = "Email must be a valid address like name@example.org."
    if len(email) > 254:
        raise ValidationError(invalid, "email")
    try:
        found = validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValidationError(f"{invalid} {error}", "email") from None
    address = f"{found.local_part}@{found.ascii_domain}".lower()
    if address.endswith(".invalid"):
        raise ValidationError(invalid, "email")
    return address
