"""The web views' unit of work: commit on success; on a domain error roll back, show it where it belongs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, get_flashed_messages
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField

from app.extensions import db
from app.models import Category
from app.services.kernel.errors import NotFound, PermissionDenied, ValidationError
from app.unit_of_work import is_access_error, unit_of_work

CountRows = Callable[..., int]


class NameForm(FlaskForm):
    name = StringField("Name")
    amount = StringField("Amount")
    submit = SubmitField("Save")


def add_bench() -> None:
    db.session.add(Category(code="bench", name="Bench"))
    db.session.flush()


def benches(count_rows: CountRows) -> int:
    return count_rows(Category, Category.code == "bench")


def test_the_work_is_committed_when_it_succeeds(app: Flask, count_rows: CountRows) -> None:
    with app.test_request_context(method="POST"):
        form = NameForm()
        with unit_of_work(form) as work:
            add_bench()
        assert not work.failed
        assert form.errors == {}
        assert get_flashed_messages() == []
    assert benches(count_rows) == 1


def test_a_domain_error_is_rolled_back_and_shown_on_its_field(app: Flask, count_rows: CountRows) -> None:
    with app.test_request_context(method="POST"):
        form = NameForm()
        with unit_of_work(form) as work:
            add_bench()
            raise ValidationError("Name is taken.", "name")
        assert work.error is not None
        assert work.error.status == 422
        assert form.name.errors == ["Name is taken."]
        assert form.form_errors == []
        assert get_flashed_messages() == []
    assert benches(count_rows) == 0


def test_the_services_field_name_can_be_renamed_to_the_forms(app: Flask) -> None:
    with app.test_request_context(method="POST"):
        form = NameForm()
        with unit_of_work(form, field_names={"amount_cents": "amount"}):
            raise ValidationError("Too much.", "amount_cents")
        assert form.amount.errors == ["Too much."]


@pytest.mark.parametrize("field", [None, "colour", "submit", "data"])
def test_an_error_no_input_of_the_form_takes_is_shown_on_the_form(app: Flask, field: str | None) -> None:
    with app.test_request_context(method="POST"):
        form = NameForm()
        with unit_of_work(form):
            raise ValidationError("Something is off.", field)
        assert form.form_errors == ["Something is off."]
        assert not form.name.errors
        assert get_flashed_messages() == []


def test_a_view_that_redirects_flashes_the_error(app: Flask, count_rows: CountRows) -> None:
    with app.test_request_context(method="POST"):
        with unit_of_work(flash_prefix="The match was not added ({field}): ") as work:
            add_bench()
            raise ValidationError("Give a ratio like 1:1.", "ratio")
        assert work.failed
        assert get_flashed_messages(with_categories=True) == [
            ("error", "The match was not added (ratio): Give a ratio like 1:1.")
        ]
    assert benches(count_rows) == 0


def test_a_page_that_shows_the_error_itself_gets_it_unshown(app: Flask) -> None:
    with app.test_request_context(method="POST"):
        form = NameForm()
        with unit_of_work(form, show=False) as work:
            raise ValidationError("Pick at most 2.", "name")
        assert work.error is not None
        assert work.error.field == "name"
        assert form.errors == {}
        assert get_flashed_messages() == []


def fail_after_a_write(error: Exception, **options: Any) -> None:
    with unit_of_work(**options):
        add_bench()
        raise error


@pytest.mark.parametrize("error", [PermissionDenied("No."), NotFound("Gone.", "round_id")])
def test_access_errors_go_on_to_the_error_pages_after_the_rollback(
    app: Flask, count_rows: CountRows, error: Any
) -> None:
    with app.test_request_context(method="POST"):
        with pytest.raises(type(error)):
            fail_after_a_write(error, reraise=is_access_error)
        assert get_flashed_messages() == []
    assert benches(count_rows) == 0


def test_other_exceptions_propagate_and_nothing_is_committed(app: Flask, count_rows: CountRows) -> None:
    with app.test_request_context(method="POST"):
        with pytest.raises(RuntimeError):
            fail_after_a_write(RuntimeError("a bug"))
        db.session.rollback()  # what the app's error handler does
    assert benches(count_rows) == 0
