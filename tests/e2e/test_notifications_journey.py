"""Notifications in Chromium, end to end through a real SMTP server: the regional leader chooses to
hear of submitted plans straight away; a principal submits; the worker sends the leader an e-mail
whose link opens the plan; the leader returns it with a comment; the principal's bell counts it, the
principal's e-mail quotes the comment, and the notifications page opens the plan."""
import re

from playwright.sync_api import expect
from sqlalchemy import delete, select

from portal.extensions import db
from portal.kernel.policy import Role
from portal.notifications.models import Preference
from portal.org.models import User
from portal.worker import deliver_all
from tests.conftest import ROLE_EMAILS
from tests.e2e import arrange
from tests.mail_server import body

COMMENT = "Please raise the first schoolwide target by two points."
LINK = re.compile(r"Open it in the portal: (\S+)")


def send_mail(app):
    """What the worker does every few seconds: send the e-mail that is due."""
    with app.app_context():
        run = deliver_all()
        db.session.remove()
        return run


def bell_count(page) -> int:
    """The unread count the bell reads out, once htmx has filled it in."""
    bell = page.locator('#bell[hx-trigger="every 60s"]')
    expect(bell).to_be_attached()
    found = re.search(r"(\d+) unread", bell.inner_text() or "")
    return int(found.group(1)) if found else 0


def forget_leaders_choice(app) -> None:
    with app.app_context():
        leader = db.session.scalar(select(User.id).where(User.email == ROLE_EMAILS[Role.regional_leader]))
        db.session.execute(delete(Preference).where(Preference.user_id == leader))
        db.session.commit()
        db.session.remove()


def test_a_submitted_plan_reaches_the_leader_by_email_and_the_return_reaches_the_principal(
        app, browser, live_server, login, factories, mailbox, monkeypatch, screenshot):
    monkeypatch.setitem(app.config, "PORTAL_BASE_URL", live_server)  # the e-mail's links open this server
    with app.app_context():
        facts = arrange.plan_facts(factories, arrange.central_plan(factories))
        db.session.remove()
    school, principal_email, rows = facts["school"], facts["principal"], facts["rows"]
    leader = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    principal = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    try:
        # The leader hears of submitted plans once a day unless they choose otherwise: straight away.
        login(leader, Role.regional_leader)
        leader.get_by_role("link", name="Notification settings").click()
        submitted = leader.get_by_role("group", name="Plans submitted or resubmitted in my region")
        expect(submitted.get_by_role("radio", name="In a daily digest")).to_be_checked()
        submitted.get_by_role("radio", name="Straight away").check()
        leader.get_by_role("button", name="Save my choices").click()
        expect(leader.locator(".flash--success")).to_contain_text("Your choices are saved.")
        expect(submitted.get_by_role("radio", name="Straight away")).to_be_checked()
        screenshot(leader, "notifications-1-leader-settings")

        # The principal fills every required row and submits.
        login(principal, principal_email)
        principal.goto(f"{live_server}/targets/plans/{facts['id']}")
        for row_id, value in rows:
            principal.locator(f"#year_target-{row_id}").fill(str(value))
            expect(principal.locator(f"#fb-{row_id}")).to_contain_text("Saved at")
        principal.get_by_role("button", name="Submit for review").click()
        expect(principal.locator(".status-badge")).to_contain_text("Submitted")
        before = bell_count(principal)

        # The worker sends the leader's e-mail; its link opens the plan in the leader's browser.
        send_mail(app)
        to_leader = mailbox.to(ROLE_EMAILS[Role.regional_leader])
        assert len(to_leader) == 1, "the leader, who chose to hear straight away, is e-mailed the submission"
        [message] = to_leader
        assert school in body(message)
        link = LINK.search(body(message))
        assert link and link.group(1).startswith(live_server + "/"), body(message)
        leader.goto(link.group(1))
        expect(leader.get_by_role("heading", level=1)).to_contain_text(school)

        # The leader returns the plan with a comment.
        leader.get_by_role("button", name="Return for revision").click()
        leader.get_by_label("What needs to change").fill(COMMENT)
        leader.get_by_role("button", name="Return for revision").click()
        expect(leader.locator(".flash--success")).to_be_visible()

        # The principal's bell counts it (on the next page, or the bell's next minute).
        principal.reload()
        expect(principal.get_by_role("link", name=f"Notifications {before + 1} unread")).to_be_visible()
        screenshot(principal, "notifications-2-principal-bell")

        # The principal's e-mail quotes the leader's comment.
        send_mail(app)
        to_principal = mailbox.to(principal_email)
        assert len(to_principal) == 1, "the principal is e-mailed the return straight away (the default)"
        assert COMMENT in body(to_principal[0]) and COMMENT in body(to_principal[0], "html")

        # The bell leads to the notification, which opens the plan and is read from then on.
        principal.get_by_role("link", name=f"Notifications {before + 1} unread").click()
        returned = principal.locator(".notification--unread").first
        expect(returned.locator("blockquote")).to_have_text(COMMENT)
        screenshot(principal, "notifications-3-principal-page")
        returned.get_by_role("button", name=re.compile(r"^Open")).click()
        expect(principal).to_have_url(re.compile(r"/targets/"))
        expect(principal.locator(".callout--returned")).to_contain_text("raise the first schoolwide target")
        assert bell_count(principal) == before
    finally:
        forget_leaders_choice(app)
