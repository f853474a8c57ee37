"""The notifications pages: the bell, the list, and each person's preferences; and, for
administrators, the e-mail that could not be delivered (/admin/outbox).

Every page works without script: the bell is a plain link to the list, and each action is a form that
posts and comes back. With htmx the bell fills in its unread count after the page has loaded (and
every minute), and marking one notification read swaps that notification and the bell in place."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.extensions import db
from portal.kernel.access import allow, deny
from portal.kernel.actions import safe_next
from portal.kernel.htmx import is_htmx, render
from portal.kernel.numbers import page_number
from portal.kernel.policy import Role
from portal.notifications import delivery, failures, inbox
from portal.notifications import preferences as prefs
from portal.notifications.kinds import for_role
from portal.notifications.models import FAILED, Notification, OutboxEmail

bp = Blueprint("notifications", __name__, template_folder="templates")


# ---------------------------------------------------------------- the bell and the list

@bp.route("/notifications/bell")
@allow()
def bell():
    """The bell with its unread count: the fragment the header loads with htmx, and asks for again every
    minute on every open page. Two queries (the person, the count): it is drawn with only what it is
    given, as the e-mail is, since the pages' context would look up the plan in view."""
    template = current_app.jinja_env.get_template("notifications/_bell.html")
    return template.render(unread=inbox.unread_count(current_user.id))


@bp.route("/notifications")
@allow()
def index():
    unread_only = request.args.get("show") == "unread"
    listing = inbox.listing(current_user.id, unread_only, page_number(request.args.get("page")))
    return render("notifications/index.html", "notifications/_list.html", listing=listing,
                  kinds=for_role(current_user.role))


def own_notification(notification_id: int) -> Notification:
    """The person's own notification; anyone else's is 404, as if it did not exist (and logged)."""
    note = db.session.get(Notification, notification_id)
    if note is None:
        abort(404)
    if note.user_id != current_user.id:
        deny(404, "another person's notification")
    return note


@bp.route("/notifications/<int:notification_id>/open", methods=["POST"])
@allow()
def open_notification(notification_id: int):
    """Mark the notification read and go to the page it is about."""
    note = own_notification(notification_id)
    inbox.mark_read(note)
    db.session.commit()
    return redirect(safe_next(note.link) or url_for("notifications.index"), code=303)


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@allow()
def mark_read(notification_id: int):
    """Mark one notification read: in place with htmx (the notification and the bell), else back to
    the page it was marked on (`next`, a path on this site) or the list."""
    note = own_notification(notification_id)
    inbox.mark_read(note)
    db.session.commit()
    if is_htmx():
        return render_template("notifications/_marked.html", note=note,
                               unread=inbox.unread_count(current_user.id))
    return redirect(safe_next(request.form.get("next")) or url_for("notifications.index"), code=303)


@bp.route("/notifications/read-all", methods=["POST"])
@allow()
def read_all():
    marked = inbox.mark_all_read(current_user.id)
    db.session.commit()
    if marked:
        flash(ngettext("Marked %(num)s notification read.", "Marked %(num)s notifications read.", marked), "success")
    else:
        flash(_("You had no unread notifications."), "info")
    return redirect(url_for("notifications.index"), code=303)


# ---------------------------------------------------------------- how each person hears

@bp.route("/notifications/preferences", methods=["GET", "POST"])
@allow()
def preferences():
    """For each kind of message the person's role receives: straight away, in a daily digest, or off.
    A choice that is not one, or a kind that is not the role's, is refused (422) and nothing is saved."""
    role = current_user.role
    form = prefs.build_form(role, prefs.chosen(current_user.id))
    if request.method == "POST":
        problems = prefs.unexpected(request.form.keys(), role)
        if form.validate() and not problems:
            changed = prefs.save(current_user.id, role, {kind.key: form[kind.key].data
                                                         for kind in prefs.choosable(for_role(role))})
            db.session.commit()
            flash(_("Your choices are saved.") if changed else _("Your choices are saved (nothing changed)."),
                  "success")
            return redirect(url_for("notifications.preferences"), code=303)
        form.form_errors.extend(problems)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("notifications/preferences.html", form=form, kinds=for_role(role),
                           always=prefs.ALWAYS, security_refused=str(prefs.ALWAYS) in form.form_errors), status


# ---------------------------------------------------------------- failed e-mail, for administrators

@bp.route("/admin/outbox")
@allow(Role.admin)
def outbox():
    summary = failures.summary()
    rows, page, pages = failures.failed_page(page_number(request.args.get("page")), summary.failed)
    return render_template("notifications/outbox.html", summary=summary, rows=rows, page=page, pages=pages,
                           kind_label=failures.kind_label)


@bp.route("/admin/outbox/<int:email_id>/retry", methods=["POST"])
@allow(Role.admin)
def retry(email_id: int):
    email = db.session.get(OutboxEmail, email_id)
    if email is None:
        abort(404)
    if email.state != FAILED:
        flash(_("The e-mail to %(address)s has not failed (it is %(state)s): there is nothing to retry.",
                address=email.to_address, state=email.state), "info")
    else:
        delivery.retry(email)
        db.session.commit()
        flash(_("The e-mail to %(address)s is queued again: the worker sends it on its next round.",
                address=email.to_address), "success")
    return redirect(url_for("notifications.outbox"), code=303)


@bp.route("/admin/outbox/retry-all", methods=["POST"])
@allow(Role.admin)
def retry_all():
    count = failures.retry_all()
    db.session.commit()
    if count:
        flash(ngettext("%(num)s failed e-mail is queued again: the worker sends it on its next round.",
                       "%(num)s failed e-mails are queued again: the worker sends them on its next round.", count),
              "success")
    else:
        flash(_("No e-mail has failed: there is nothing to retry."), "info")
    return redirect(url_for("notifications.outbox"), code=303)
