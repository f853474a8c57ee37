"""People (list, create, password, enable/disable) and imports from CSV or Excel, for administrators."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_translations, gettext
from flask_login import current_user
from sqlalchemy import func, or_, select
from wtforms.fields.choices import SelectChoice

from portal.admin import bp, import_templates
from portal.admin.forms import EmptyForm, ImportForm, PasswordForm, SyncForm, UserForm
from portal.auth import notices as security
from portal.extensions import db
from portal.imports.report import ImportReport
from portal.kernel import formatting
from portal.kernel.access import allow
from portal.kernel.database import refresh_statistics
from portal.kernel.exports import export_response
from portal.kernel.htmx import render
from portal.kernel.numbers import page_number
from portal.kernel.policy import Role
from portal.org import imports
from portal.org.models import Office, Region, User
from portal.org.passwords import PasswordPolicyError, check_policy
from portal.targets import baselines

PAGE_SIZE = 50


def ngettext(singular: str, plural: str, n: int, **variables) -> str:
    """Flask-Babel's ngettext, with the count (num) written as the page's language writes figures: 1,250."""
    return get_translations().ngettext(singular, plural, n) % {"num": formatting.count(n), **variables}


def imported(report: ImportReport) -> str:
    """What an import wrote, in the page's language: 'Imported 2 rows: 2 new and 0 updated schools.'"""
    counts = {"created": formatting.count(report.created), "updated": formatting.count(report.updated)}
    if report.kind == "users":
        return ngettext("Imported %(num)s row: %(created)s new and %(updated)s updated accounts.",
                        "Imported %(num)s rows: %(created)s new and %(updated)s updated accounts.", report.rows,
                        **counts)
    if report.kind == "baselines":
        return ngettext("Imported %(num)s row: %(created)s new and %(updated)s updated school baselines.",
                        "Imported %(num)s rows: %(created)s new and %(updated)s updated school baselines.",
                        report.rows, **counts)
    return ngettext("Imported %(num)s row: %(created)s new and %(updated)s updated schools.",
                    "Imported %(num)s rows: %(created)s new and %(updated)s updated schools.", report.rows, **counts)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users")
@allow(Role.admin)
def users():
    q = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    page = page_number(request.args.get("page"))
    stmt = select(User)
    if q:
        # autoescape: a % or _ typed into the box is a character to find, not a wildcard
        stmt = stmt.where(or_(func.lower(User.email).contains(q.lower(), autoescape=True),
                              func.lower(User.name).contains(q.lower(), autoescape=True)))
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == Role(role))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.options(db.joinedload(User.school), db.joinedload(User.region),
                                           db.joinedload(User.office))
                              .order_by(User.role, User.email).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render("admin/users.html", "admin/_users_results.html", rows=rows, total=total, q=q, role=role,
                  page=page, pages=max(1, -(-(total or 0) // PAGE_SIZE)), roles=list(Role))


def _user_form() -> UserForm:
    form = UserForm()
    form.region_code.choices = [SelectChoice("", "—")] + [SelectChoice(r.code, r.name) for r in db.session.scalars(
        select(Region).order_by(Region.name))]
    form.office_code.choices = [SelectChoice("", "—")] + [SelectChoice(o.code, o.name) for o in db.session.scalars(
        select(Office).order_by(Office.name))]
    return form


@bp.route("/users/new", methods=["GET", "POST"])
@allow(Role.admin)
def new_user():
    form = _user_form()
    if form.validate_on_submit():
        scope = {"school_code": form.school_code.data, "region_code": form.region_code.data,
                 "office_code": form.office_code.data}
        errors = imports.validate_user_fields(form.email.data, form.name.data, form.role.data, scope)
        if not errors:
            user = imports.build_user(form.email.data, form.name.data, form.role.data, scope)
            db.session.add(user)
            db.session.commit()
            flash(gettext("Created the account for %(email)s. Set a password for it below.", email=user.email),
                  "success")
            return redirect(url_for("admin.user", user_id=user.id), code=303)
        form.form_errors.extend(errors)
    # A refused form says so in its status too (422), as every other form does.
    return render_template("admin/user_new.html", form=form), 422 if request.method == "POST" else 200


@bp.route("/users/<int:user_id>")
@allow(Role.admin)
def user(user_id: int):
    return render_template("admin/user.html", person=_user_or_404(user_id), password_form=PasswordForm(),
                           toggle_form=EmptyForm())


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@allow(Role.admin)
def set_password(user_id: int):
    person = _user_or_404(user_id)
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            check_policy(form.password.data, email=person.email, name=person.name)
        except PasswordPolicyError as exc:
            form.password.errors.append(str(exc))
        else:
            person.set_password(form.password.data)
            person.end_sessions()
            security.password_set(person, current_user)
            db.session.commit()
            flash(gettext("Set a new password for %(email)s. Their open sessions were ended.", email=person.email),
                  "success")
            return redirect(url_for("admin.user", user_id=person.id), code=303)
    return render_template("admin/user.html", person=person, password_form=form, toggle_form=EmptyForm()), 422


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@allow(Role.admin)
def toggle_active(user_id: int):
    person = _user_or_404(user_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    if person.id == current_user.id:
        flash(gettext("You cannot disable your own account."), "error")
    else:
        if person.active:
            security.account_disabled(person, current_user)  # told while active: notify() tells only active people
            person.active = False
        else:
            person.active = True
            security.account_enabled(person, current_user)
        person.end_sessions()
        db.session.commit()
        flash(gettext("%(email)s is now active.", email=person.email) if person.active else
              gettext("%(email)s is now disabled.", email=person.email), "success")
    return redirect(url_for("admin.user", user_id=person.id), code=303)


@bp.route("/imports", methods=["GET", "POST"])
@allow(Role.admin)
def imports_page():
    form = ImportForm()
    report: ImportReport | None = None
    if form.validate_on_submit():
        if form.kind.data == "baselines":
            report = baselines.import_baselines(form.file.data.read(), form.file.data.filename or "baselines.csv")
        else:
            report = imports.import_csv(form.kind.data, form.file.data.read(), current_user,
                                        filename=form.file.data.filename or "")
        if not report.ok:
            db.session.rollback()
        else:
            db.session.commit()
            if getattr(report, "large", False):
                refresh_statistics()
                db.session.commit()
            flash(imported(report), "success")
            return redirect(url_for("admin.imports_page"), code=303)
    status = 422 if (report and not report.ok) or form.errors else 200
    return render_template("admin/imports.html", form=form, report=report, sync_form=SyncForm(),
                           school_columns=imports.SCHOOL_COLUMNS, user_columns=imports.USER_COLUMNS,
                           baseline_columns=baselines.COLUMNS, template_kinds=import_templates.KINDS), status


@bp.route("/imports/templates/<kind>.<fmt>")
@allow(Role.admin)
def import_template(kind: str, fmt: str):
    """A file with the kind's columns and one example row, as CSV or as an Excel workbook."""
    if kind not in import_templates.KINDS or fmt not in ("csv", "xlsx"):
        abort(404)
    columns, example = import_templates.template(kind)
    return export_response(import_templates.FILE_NAMES[kind], columns, [example], fmt)
