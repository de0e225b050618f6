"""Parsing API input: JSON bodies and query parameters, each error naming its field."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, get_args

from flask import current_app, request
from pydantic import BaseModel, RootModel
from werkzeug.exceptions import BadRequest

from app.api.contract import JSON
from app.services.kernel.errors import DomainError, ValidationError
from app.services.kernel.parsing import ID_MAX, optional_int


def json_body(known: Collection[str] | None = None) -> dict[str, Any]:
    """The request's JSON object; any key that is not `known` is refused naming it (found from outside:
    a PATCH of the account with `email` answered 200 and changed nothing, which read as done; a round
    created with `min_turnuot` had no minimum turnout). `known` defaults to the fields of the body the
    view's contract declares (app/api/contract.operation), so the document and the check agree."""
    if known is None:
        known = declared_fields()
    data = None
    if request.is_json:
        try:
            data = request.get_json()
        except BadRequest:
            # Found from outside: a JSON object with a number like 1e400 was told to send a JSON object.
            raise DomainError(
                "The request body is not JSON this API can read: check its syntax, and that each number "
                "fits a 64-bit integer or a double (like 51.05, not 1e400)."
            ) from None
    if not isinstance(data, dict):
        raise DomainError("The request body must be a JSON object (Content-Type: application/json).")
    _refuse_unknown(data, known)
    return data


MULTIPART = "multipart/form-data"


def form_body() -> tuple[dict[str, str], bytes | None]:
    """A multipart request's fields and its `photo` (None when no file is sent), checked as json_body()
    checks JSON: a field the view's multipart contract does not declare, or one sent twice, is refused
    naming it (found from outside: a report with `hide_nmae=true` was published under the reporter's
    name, and a second `lat` was ignored)."""
    names = [*request.form.keys(), *request.files.keys()]
    _refuse_unknown(names, declared_fields(MULTIPART))
    for name in names:
        if len(request.form.getlist(name)) + len(request.files.getlist(name)) > 1:
            raise ValidationError(f"{str(name)[:40]} is sent more than once: send each field once.", name)
    if "photo" in request.form:  # found from outside: a photo sent as a text part was dropped unsaid
        raise ValidationError("photo must be sent as a file (a part with a filename), not as text.", "photo")
    upload = request.files.get("photo")
    photo = upload.read() if upload is not None and upload.filename else None
    return request.form.to_dict(), photo


def _refuse_unknown(names: Collection[Any], known: Collection[str] | None) -> None:
    unknown = [str(key)[:40] for key in names if known is not None and key not in known]
    if unknown and known is not None:
        takes = ", ".join(sorted(known))
        said = unknown[0] or '""'  # an empty key is named as one (found from outside: "  is not a field")
        raise ValidationError(f"{said} is not a field this request takes: it takes {takes}.", unknown[0])


def int_param(
    name: str, default: int | None = None, minimum: int = 1, maximum: int | None = None
) -> int | None:
    return optional_int(
        request.args.get(name), name, default=default, minimum=minimum, maximum=maximum or ID_MAX
    )


def declared_fields(media: str = JSON) -> set[str] | None:
    """The keys of the body of this media type the current view's contract declares (the members' of
    a union of shapes, such as a ballot's), by alias where a field has one; None when it declares none."""
    view = current_app.view_functions.get(request.endpoint or "")
    described = getattr(view, "__api_operation__", None)
    model = (getattr(described, "body", None) or {}).get(media)
    if model is None:
        return None
    shapes = [model]
    if issubclass(model, RootModel):
        root = model.model_fields["root"].annotation
        shapes = [
            shape for shape in get_args(root) if isinstance(shape, type) and issubclass(shape, BaseModel)
        ]
    return {field.alias or name for shape in shapes for name, field in shape.model_fields.items()}
