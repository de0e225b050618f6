"""Glue between service errors and WTForms: a domain error becomes a message on its field."""

from __future__ import annotations

from flask_wtf import FlaskForm

from app.services.kernel.errors import DomainError


def apply_domain_error(form: FlaskForm, error: DomainError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*list(field.errors), error.message]
    else:
        form.form_errors.append(error.message)
