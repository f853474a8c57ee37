"""The actuals import: each year's outcomes from a CSV or Excel file, all rows or none."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired

from portal.extensions import db
from portal.kernel.access import allow
from portal.kernel.formatting import count
from portal.kernel.policy import Role
from portal.targets import results as actuals

bp = Blueprint("results", __name__, url_prefix="/admin", template_folder="templates")


class ActualsForm(FlaskForm):
    file = FileField(_l("CSV or Excel file"), validators=[
        FileRequired(message=_l("Choose a CSV or Excel (.xlsx) file to import.")),
        FileAllowed(["csv", "xlsx"], message=_l("Upload a .csv or .xlsx file (save the spreadsheet as CSV UTF-8 "
                                                "or as an Excel workbook).")),
    ])


@bp.route("/actuals", methods=["GET", "POST"])
@allow(Role.admin)
def actuals_import():
    form = ActualsForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        report = actuals.import_actuals(upload.read(), upload.filename)
        if not report.ok:
            db.session.rollback()
        else:
            db.session.commit()
            flash(_("Imported %(rows)s rows: %(new)s new results, %(updated)s updated and %(unchanged)s unchanged.",
                    rows=count(report.rows), new=count(report.created), updated=count(report.updated),
                    unchanged=count(report.unchanged)), "success")
            return redirect(url_for("results.actuals_import"), code=303)
    status = 422 if (report and not report.ok) or form.errors else 200
    return render_template("admin/actuals.html", form=form, report=report, columns=actuals.COLUMNS,
                           loaded=actuals.loaded_years()), status
