"""Officials' census page: each area's census (count, date, residents verified) and the CSV upload."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.wrappers import Response
from wtforms import BooleanField, SelectField, SubmitField

from app.auth.sessions import current_resident
from app.extensions import db
from app.services.issues import places
from app.services.kernel.errors import ValidationError
from app.services.rounds import census
from app.staff import bp
from app.unit_of_work import unit_of_work
from budgets.allocation import counted


class CensusForm(FlaskForm):
    area = SelectField("Area", coerce=int, validate_choice=False)
    census = FileField("Census file (CSV with an “identifier” column)")
    confirm_replace = BooleanField("Replace it even where residents verified against the current census")
    submit = SubmitField("Upload and replace the area's census")


@bp.route("/census", methods=["GET", "POST"])
def census_page() -> tuple[str, int] | Response:
    form = CensusForm()
    form.area.choices = [(a.id, a.name) for a in places.areas(db.session)]
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            names = {"census": "census", "area_id": "area", "confirm_replace": "confirm_replace"}
            with unit_of_work(form, field_names=names) as work:
                sent = form.census.data
                if sent is None or not getattr(sent, "filename", ""):
                    raise ValidationError("Choose the census CSV file to upload.", "census")
                config = current_app.config
                text = census.decode_file(sent.stream, config["CENSUS_MAX_BYTES"])
                stored = census.upload(
                    db.session,
                    current_resident(),
                    int(form.area.data or 0),
                    census.csv_rows(text),
                    config["CENSUS_MAX_ENTRIES"],
                    replace_verified=bool(form.confirm_replace.data),
                )
            if work.error is None:
                held = counted(stored.entries_count, "identifier")
                flash(
                    f"Census uploaded: {held}, kept only as salted hashes. "
                    "Residents verify again against it.",
                    "success",
                )
                return redirect(url_for("staff.census_page"))
            status = work.error.status
    return render_template("census/staff.html", form=form, areas=census.overview(db.session)), status
