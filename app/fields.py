"""Form fields that read numbers as the parsing layer does: ASCII digits only, within an id's range."""

from __future__ import annotations

from typing import Any

from wtforms import IntegerField

from app.services.kernel.parsing import ID_MAX, is_whole_number


class WholeNumberField(IntegerField):
    """An IntegerField that refuses digits of other scripts, which int() would read (Arabic-Indic ones)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and not (isinstance(valuelist[0], str) and is_whole_number(valuelist[0].strip())):
            self.data = None
            raise ValueError(self.invalid_value_message or self.gettext("Not a valid integer value."))
        super().process_formdata(valuelist)


def choice_id(value: object) -> int:
    """A select field's id (coerce=): ASCII digits within an id's range, else a value no choice has."""
    text = str(value).strip()
    if isinstance(value, int) or (is_whole_number(text) and len(text) <= 12 and 0 <= int(text) <= ID_MAX):
        return int(text)
    return -1  # fails choice validation with the field's own message
