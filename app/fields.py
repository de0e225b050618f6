"""Form fields that read numbers as the parsing layer does (ASCII digits only, within an id's range),
what views read from a form's photo field, and the forms a page draws beside the one it was sent."""

from __future__ import annotations

from typing import Any, TypeVar

from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from wtforms import Field, IntegerField

from app.services.kernel.parsing import ID_MAX, is_whole_number

# More digits than any count, ratio or id the forms take: refused before a range check compares the
# number as a float (found by sending 400 nines: NumberRange's float() overflowed, a 500).
WHOLE_NUMBER_DIGITS = 15


class WholeNumberField(IntegerField):
    """An IntegerField that refuses digits of other scripts, which int() would read (Arabic-Indic ones),
    and numbers of more than WHOLE_NUMBER_DIGITS digits."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and not (isinstance(valuelist[0], str) and is_whole_number(valuelist[0].strip())):
            self.data = None
            raise ValueError(self.invalid_value_message or self.gettext("Not a valid integer value."))
        if valuelist and len(valuelist[0].strip().lstrip("+-").lstrip("0")) > WHOLE_NUMBER_DIGITS:
            self.data = None
            raise ValueError(f"Too large a number: at most {WHOLE_NUMBER_DIGITS} digits.")
        super().process_formdata(valuelist)


def choice_id(value: object) -> int:
    """A select field's id (coerce=): ASCII digits within an id's range, else a value no choice has."""
    text = str(value).strip()
    if isinstance(value, int) or (is_whole_number(text) and len(text) <= 12 and 0 <= int(text) <= ID_MAX):
        return int(text)
    return -1  # fails choice validation with the field's own message


def chosen_file(data: object) -> FileStorage | None:
    """A file field's chosen file, or None when none was chosen."""
    return data if isinstance(data, FileStorage) and data.filename else None


def uploaded_bytes(data: object) -> bytes | None:
    """The chosen file's bytes, or None when no file was chosen."""
    chosen = chosen_file(data)
    return None if chosen is None else chosen.stream.read()


def ask_photo_again(photo: Field) -> None:
    """A browser never fills a file field in again: a form sent back says so under its photo (unless it
    says what was wrong with the photo already), or the photo is lost without a word once the rest is
    fixed (found from outside)."""
    if chosen_file(photo.data) is not None and not photo.errors:
        photo.errors = ["Choose the photo again: a form sent back cannot keep the file you chose."]


F = TypeVar("F", bound=FlaskForm)


def sent_or_fresh(cls: type[F], sent: bool, **kwargs: Any) -> F:
    """A form bound to this request's data only when it is the form the request posted (`sent`): a page
    drawn again after a refusal shows its other forms fresh (found from outside: a refused payout or
    duplicate came back with "Edit title or description" empty, and the duplicate's note in the status
    form)."""
    form: F = cls(**kwargs) if sent else cls(formdata=None, **kwargs)
    return form
