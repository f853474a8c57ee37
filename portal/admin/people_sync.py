"""The people sync, for administrators: preview what the district's list of people would change, then
apply exactly that (portal.org.sync)."""
import base64
import binascii

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from portal.admin import bp
from portal.admin.forms import ApplySyncForm, SyncForm
from portal.extensions import db
from portal.kernel import formatting
from portal.kernel.access import allow
from portal.kernel.policy import Role
from portal.org import sync


def _preview(plan: sync.SyncPlan, data: bytes, status: int, changed_since: bool = False):
    form = ApplySyncForm(content=base64.b64encode(data).decode(), fingerprint=plan.fingerprint)
    return render_template("admin/people_sync.html", plan=plan, report=plan.report, apply_form=form,
                           changed_since=changed_since), status


@bp.route("/imports/people-sync", methods=["POST"])
@allow(Role.admin)
def people_sync_preview():
    form = SyncForm()
    if not form.validate_on_submit():
        return render_template("admin/people_sync.html", plan=None, report=None, sync_form=form), 422
    data = form.file.data.read()
    plan = sync.plan_sync(data, current_user)
    db.session.rollback()  # a preview writes nothing
    return _preview(plan, data, 422 if plan.report.errors else 200)


@bp.route("/imports/people-sync/apply", methods=["POST"])
@allow(Role.admin)
def people_sync_apply():
    form = ApplySyncForm()
    try:
        data = base64.b64decode(form.content.data or "", validate=True) if form.validate_on_submit() else None
    except (binascii.Error, ValueError):
        data = None
    if data is None:
        flash(gettext("That preview could not be read back. Choose the file and preview it again."), "error")
        return redirect(url_for("admin.imports_page"), code=303)
    plan = sync.plan_sync(data, current_user)
    if plan.report.errors or plan.fingerprint != form.fingerprint.data:
        db.session.rollback()
        return _preview(plan, data, 409, changed_since=True)
    try:
        sync.apply_sync(plan, current_user)
    except sync.StaleSync:
        db.session.rollback()
        return _preview(sync.plan_sync(data, current_user), data, 409, changed_since=True)
    db.session.commit()
    flash(gettext("The accounts now follow the list: %(created)s created, %(changed)s changed, %(deactivated)s "
                  "deactivated and %(reactivated)s reactivated.", created=formatting.count(len(plan.of("create"))),
                  changed=formatting.count(len(plan.of("update"))),
                  deactivated=formatting.count(len(plan.of("deactivate"))),
                  reactivated=formatting.count(len(plan.of("reactivate")))), "success")
    return redirect(url_for("admin.imports_page"), code=303)
