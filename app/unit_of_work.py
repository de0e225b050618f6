"""The web views' unit of work: commit a use case's changes, or roll back and show its domain error."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from flask import flash
from flask_wtf import FlaskForm
from wtforms import Field, SubmitField

from app.extensions import db
from app.services.kernel.errors import DomainError

ACCESS_STATUSES = frozenset({401, 403, 404})


def is_access_error(error: DomainError) -> bool:
    """Not logged in, not allowed, or no such thing: the error page says it better than a form."""
    return error.status in ACCESS_STATUSES


@dataclass
class Work:
    """What the block did: `error` is the domain error it stopped on (nothing kept), or None (committed)."""

    error: DomainError | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None


def show_error(
    error: DomainError,
    form: FlaskForm | None = None,
    *,
    field_names: Mapping[str, str] | None = None,
    flash_prefix: str = "",
) -> None:
    """Show `error` on the field of `form` it names, else on `form` itself; flash it when no form is shown.

    `form` is the form the response shows again; a view that redirects passes none, because a field's
    message would not survive the redirect. `field_names` renames the service's field names to the
    form's (a service says `amount_cents` where the form has `amount`). A flashed message starts with
    `flash_prefix`, in which `{field}` stands for the error's field.
    """
    if form is None:
        flash(flash_prefix.format(field=error.field) + error.message, "error")
        return
    name = error.field and (field_names or {}).get(error.field, error.field)
    target = getattr(form, name, None) if name else None
    # Only a real input takes a message: the submit button and attributes that happen to share the name
    # (`data`, `errors`, ...) would swallow it unseen.
    if isinstance(target, Field) and not isinstance(target, SubmitField):
        target.errors = [*target.errors, error.message]
    else:
        form.form_errors.append(error.message)


@contextmanager
def unit_of_work(
    form: FlaskForm | None = None,
    *,
    field_names: Mapping[str, str] | None = None,
    flash_prefix: str = "",
    reraise: Callable[[DomainError], bool] | None = None,
    show: bool = True,
) -> Iterator[Work]:
    """Run the block as one transaction: commit when it ends, or roll back on a domain error and show it.

    The error is shown with `show_error` (unless `show` is false: the page shows `work.error` itself)
    and kept on the yielded `Work`, so the view can pick the page and its status; errors for which
    `reraise` is true go on to the app's error pages instead (after the rollback). Any other exception
    propagates; the app's error handlers roll back.
    """
    work = Work()
    try:
        yield work
    except DomainError as exc:
        db.session.rollback()
        if reraise is not None and reraise(exc):
            raise
        work.error = exc
        if show:
            show_error(exc, form, field_names=field_names, flash_prefix=flash_prefix)
    else:
        db.session.commit()


T = TypeVar("T")


def run_form_action(
    form: FlaskForm, action: Callable[[], T], done: str | Callable[[T], str]
) -> DomainError | None:
    """Run one action posted by `form` and commit, flashing `done` (or what it says of the action's
    result); returns the error (nothing kept) for the page to show, an expired form's included."""
    if not form.validate_on_submit():
        return DomainError("The form expired; reload the page and try again.", "csrf_token")
    with unit_of_work(show=False) as work:
        result = action()
    if work.error is None:
        flash(done if isinstance(done, str) else done(result), "success")
    return work.error
