"""Notifications in the portal, told as each person meets them: the bell in the header counts what
they have not read, the notifications page lists what they were told (newest first, unread marked,
the reviewer's comment quoted) and opens each at its page, the home page shows the latest unread, each
person chooses how they hear each kind of message, and an administrator sees the e-mail that failed
and sends it again. Everything through the pages with CSRF on; nobody reaches another's notification."""
import logging
import re

import pytest
from sqlalchemy import select, update

from portal.extensions import db
from portal.kernel import clock
from portal.kernel.policy import Role
from portal.notifications.models import FAILED, PENDING, SENT, Notification, OutboxEmail, Preference
from portal.notifications.outbox import notify
from portal.targets.models import PlanStatus
from portal.worker import deliver_all
from tests.mail_server import body

BELL = re.compile(r'<a class="bell[^"]*" id="bell"[^>]*>'
                  r'\s*<svg[^>]*>.*?</svg>\s*<span class="bell__label">Notifications</span>'
                  r'(?:<span class="bell__count"><span aria-hidden="true">([^<]+)</span>'
                  r'<span class="visually-hidden"> (\d+) unread</span></span>)?\s*</a>', re.S)


@pytest.fixture
def person(app, factories, login_as):
    """A principal of a school of their own, logged in."""
    with app.app_context():
        user = factories.principal(factories.school())
        facts = {"id": user.id, "email": user.email}
        db.session.remove()
    login_as(Role.principal, email=facts["email"])
    return facts


def tell(app, user_id: int, count: int = 1, kind: str = "plan_returned", comment: str | None = None,
         subject: str = "Your plan came back") -> list[int]:
    with app.app_context():
        from portal.org.models import User

        user = db.session.get(User, user_id)
        ids = []
        for n in range(count):
            [note_id] = notify([user], kind, f"{subject} ({n + 1})" if count > 1 else subject,
                            "Your regional office returned your targets with a comment.", "/targets/",
                            comment=comment)
            ids.append(note_id)
        db.session.commit()
        db.session.remove()
        return ids


def bell(client) -> tuple[int, str | None]:
    """(the unread count screen readers hear, the visible badge) of the bell fragment."""
    html = client.get("/notifications/bell", headers={"HX-Request": "true"}).get_data(as_text=True)
    match = BELL.fullmatch(html.strip())
    assert match, html
    return int(match.group(2) or 0), match.group(1)


def read_at(app, note_id: int):
    with app.app_context():
        value = db.session.get(Notification, note_id).read_at
        db.session.remove()
        return value


# ---------------------------------------------------------------- the bell

def test_the_page_draws_the_bell_as_a_plain_link_and_htmx_fills_in_the_count(client, person):
    home = client.get("/home").get_data(as_text=True)
    bell_link = re.search(r'<a class="bell[^"]*" id="bell" href="/notifications"[^>]*>', home)
    assert bell_link, "the bell is a link to the notifications page that works without script"
    assert 'hx-get="/notifications/bell"' in bell_link.group(0) and 'hx-trigger="load, every 60s"' in bell_link.group(0)
    assert "bell__count" not in home  # the page itself does not count


def test_the_bell_count_rises_with_each_notification_and_falls_as_they_are_read(app, client, auth, person):
    assert bell(client) == (0, None)  # no badge when nothing is unread
    first, second, third = tell(app, person["id"], 3)
    assert bell(client) == (3, "3")
    token = auth.csrf()
    assert client.post(f"/notifications/{first}/read", data={"csrf_token": token}).status_code == 303
    assert bell(client) == (2, "2")
    assert client.post(f"/notifications/{second}/open", data={"csrf_token": token}).status_code == 303
    assert bell(client) == (1, "1")
    response = client.post("/notifications/read-all", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/notifications"
    assert "Marked 1 notification read." in client.get("/notifications").get_data(as_text=True)
    assert bell(client) == (0, None) and read_at(app, third) is not None


def test_the_bell_says_ninety_nine_plus_but_reads_out_the_whole_count(app, client, person):
    tell(app, person["id"], 101)
    assert bell(client) == (101, "99+")


# ---------------------------------------------------------------- the notifications page

def test_the_page_lists_newest_first_marks_the_unread_and_quotes_the_comment(app, client, auth, person):
    older, newer = tell(app, person["id"], 2, comment="Raise the grade 3 target.\nSee the baseline.")
    client.post(f"/notifications/{older}/read", data={"csrf_token": auth.csrf()})
    html = client.get("/notifications").get_data(as_text=True)
    assert html.index("Your plan came back (2)") < html.index("Your plan came back (1)")
    unread = re.findall(r'<li class="notification notification--unread" id="notification-(\d+)"', html)
    assert unread == [str(newer)]
    assert '<span class="tag tag--unread">Unread</span> Your plan came back (2)' in html
    assert "<blockquote>Raise the grade 3 target.\nSee the baseline.</blockquote>" in html
    assert "All <span class=\"filter-tabs__count\">(2)</span>" in html
    only_unread = client.get("/notifications?show=unread").get_data(as_text=True)
    assert "Your plan came back (2)" in only_unread and "Your plan came back (1)" not in only_unread
    assert "Open<span class=\"visually-hidden\">: Your plan came back (2)</span>" in html


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(app, client, auth, person):
    [note] = tell(app, person["id"])
    response = client.post(f"/notifications/{note}/open", data={"csrf_token": auth.csrf("/notifications")})
    assert response.status_code == 303 and response.headers["Location"] == "/targets/"
    assert read_at(app, note) is not None


def test_marking_one_read_with_htmx_swaps_it_and_the_bell_in_place(app, client, auth, person):
    [note] = tell(app, person["id"])
    response = client.post(f"/notifications/{note}/read", data={"csrf_token": auth.csrf()},
                           headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="notification-{note}"' in html and "notification--unread" not in html and "Marked as read." in html
    assert 'id="bell"' in html and 'hx-swap-oob="true"' in html and "bell__count" not in html


def test_without_script_marking_read_returns_to_the_page_it_was_marked_on(app, client, auth, person):
    [note] = tell(app, person["id"])
    token = auth.csrf()
    response = client.post(f"/notifications/{note}/read", data={"csrf_token": token, "next": "/home"})
    assert response.headers["Location"] == "/home"
    [other] = tell(app, person["id"])
    response = client.post(f"/notifications/{other}/read", data={"csrf_token": token, "next": "//evil.example/"})
    assert response.headers["Location"] == "/notifications"


def test_another_persons_notification_is_not_found_and_the_refusal_is_logged(app, client, auth, person, factories,
                                                                           caplog):
    with app.app_context():
        someone = factories.principal(factories.school()).id
        db.session.remove()
    [theirs] = tell(app, someone)
    token = auth.csrf()
    for action in ("open", "read"):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="portal"):
            assert client.post(f"/notifications/{theirs}/{action}", data={"csrf_token": token}).status_code == 404
        logged = [r.getMessage() for r in caplog.records if "access denied" in r.getMessage()]
        assert logged and person["email"] in logged[0] and "another person's notification" in logged[0]
    client.post("/notifications/read-all", data={"csrf_token": token})
    assert read_at(app, theirs) is None  # marking all read is the person's own only
    assert client.post("/notifications/10000000/open", data={"csrf_token": token}).status_code == 404


def test_the_page_is_paged_fifty_at_a_time(app, client, person):
    tell(app, person["id"], 51)
    first = client.get("/notifications").get_data(as_text=True)
    assert first.count('class="notification notification--unread"') == 50
    assert "Page 1 of 2" in first
    second = client.get("/notifications?page=2").get_data(as_text=True)
    assert second.count('class="notification notification--unread"') == 1 and "Your plan came back (1)" in second
    assert "Page 2 of 2" in client.get("/notifications?page=99").get_data(as_text=True)


def test_an_empty_page_says_what_will_appear_here(client, person):
    html = client.get("/notifications").get_data(as_text=True)
    assert "You have no notifications yet." in html
    assert "My school&#39;s plan is returned with comments" in html  # what a principal hears about
    assert "Mark all read" not in html


def test_the_notifications_page_runs_as_many_queries_for_forty_notifications_as_for_three(app, client, person,
                                                                                          sql_counter):
    tell(app, person["id"], 3, comment="A comment.")
    client.get("/notifications")
    with sql_counter() as few:
        client.get("/notifications")
    tell(app, person["id"], 37, comment="A comment.")
    with sql_counter() as many:
        html = client.get("/notifications").get_data(as_text=True)
    assert html.count('class="notification notification--unread"') == 40
    assert few() == many() <= 6, (few(), many())


def test_the_bell_is_at_most_two_queries(app, client, person, sql_counter):
    tell(app, person["id"], 2)
    bell(client)
    with sql_counter() as counted:
        assert bell(client) == (2, "2")
    assert counted() <= 2, counted()


# ---------------------------------------------------------------- the home page

def test_the_home_page_shows_the_leaders_reminder(app, client, auth, factories, login_as):
    with app.app_context():
        school = factories.school(region="C")
        factories.district_plan(school, PlanStatus.draft)
        person = factories.principal(school)
        principal, name = person.email, school.name
        # The factory approved an earlier plan of the school, which told the principal: read already.
        db.session.execute(update(Notification).where(Notification.user_id == person.id)
                           .values(read_at=clock.now()))
        db.session.commit()
        db.session.remove()
    login_as(Role.regional_leader)
    response = client.post("/review/remind", data={"csrf_token": auth.csrf("/review/")})
    assert response.status_code == 303
    auth.logout()
    login_as(Role.principal, email=principal)
    home = client.get("/home").get_data(as_text=True)
    assert f"{name}&#39;s 2024-25 targets are overdue" in home
    assert f"your regional leader, reminds you that {name}&#39;s 2024-25 targets were due on" in home
    assert "See all notifications" in home
    assert bell(client)[0] == 1


# ---------------------------------------------------------------- how each person hears

def preferences_of(app, user_id: int) -> dict[str, str]:
    with app.app_context():
        rows = dict(db.session.execute(select(Preference.kind, Preference.mode)
                                       .where(Preference.user_id == user_id)).all())
        db.session.remove()
        return rows


def checked(html: str, name: str) -> str | None:
    """The value of the radio button of `name` that is checked."""
    found = re.findall(rf'<input checked id="{name}-\d" name="{name}" required type="radio" value="(\w+)">', html)
    return found[0] if len(found) == 1 else None


PRINCIPAL_DEFAULTS = {"target_window_open": "immediate", "plan_returned": "immediate", "plan_approved": "immediate",
                      "plan_reopened": "immediate", "window_extended": "immediate", "target_due": "immediate",
                      "reviewer_reminder": "immediate"}


def test_the_preferences_page_offers_each_kind_the_role_hears_and_security_always_on(client, person):
    html = client.get("/notifications/preferences").get_data(as_text=True)
    legends = re.findall(r"<legend>([^<]+)</legend>", html)
    assert legends[0] == "The target-setting window opens for my school"
    assert "Plans submitted or resubmitted in my region" not in html  # a leader's kind
    assert legends[-1] == "Password and sign-in security" and "Always on" in html
    assert html.count('type="radio"') == 3 * len(PRINCIPAL_DEFAULTS)
    assert 'name="security"' not in html
    assert checked(html, "plan_returned") == "immediate"
    assert "<label for=\"plan_returned-1\">In a daily digest</label>" in html


def test_saving_choices_writes_only_what_differs_from_the_default(app, client, auth, person):
    token = auth.csrf("/notifications/preferences")
    form = {**PRINCIPAL_DEFAULTS, "plan_returned": "daily", "target_due": "off", "csrf_token": token}
    response = client.post("/notifications/preferences", data=form)
    assert response.status_code == 303 and response.headers["Location"] == "/notifications/preferences"
    assert preferences_of(app, person["id"]) == {"plan_returned": "daily", "target_due": "off"}
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert "Your choices are saved." in page
    assert checked(html=page, name="plan_returned") == "daily"
    client.post("/notifications/preferences", data={**form, "plan_returned": "immediate"})
    assert preferences_of(app, person["id"]) == {"target_due": "off"}  # back to the default: no row


@pytest.mark.parametrize("change,message", [
    ({"plan_returned": "weekly"}, "Choose Straight away, In a daily digest or Off."),
    ({"plan_returned": None}, "Choose how to hear about this."),
    ({"security": "off"}, "Password and sign-in security messages are always sent straight away"),
    ({"plan_submitted": "immediate"}, "is not a message your role receives"),
    ({"board_memo": "off"}, "“board_memo” is not a kind of message the portal sends."),
], ids=["unknown-mode", "missing", "security-off", "another-roles-kind", "unknown-kind"])
def test_a_choice_that_is_not_one_is_refused_at_its_field_and_changes_nothing(app, client, auth, person, change,
                                                                               message):
    form = {**PRINCIPAL_DEFAULTS, "target_due": "off", "csrf_token": auth.csrf("/notifications/preferences")}
    form.update(change)
    response = client.post("/notifications/preferences", data={k: v for k, v in form.items() if v is not None})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'class="error-summary"' in html and message in html
    if "plan_returned" in change:  # at the field itself
        assert re.search(r'id="plan_returned-error"><span class="visually-hidden">Error:</span> [^<]*'
                         + re.escape(message), html)
    if "security" in change:
        assert 'id="security-error"' in html
    assert preferences_of(app, person["id"]) == {}


def test_the_preferences_page_needs_a_log_in_and_comes_back_after_it(client, auth, factories, app):
    response = client.get("/notifications/preferences")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/notifications/preferences"
    with app.app_context():
        email = factories.regional_leader(factories.region()).email
        db.session.remove()
    response = auth.login(email, next_url="/notifications/preferences")
    assert response.headers["Location"] == "/notifications/preferences"
    html = client.get("/notifications/preferences").get_data(as_text=True)
    assert "Plans submitted or resubmitted in my region" in html
    assert checked(html, "plan_submitted") == "daily"  # the kind's default


def test_the_preferences_page_is_linked_from_the_header_and_the_notifications_page(client, person):
    assert 'href="/notifications/preferences"' in client.get("/home").get_data(as_text=True)
    page = client.get("/notifications").get_data(as_text=True)
    assert page.count('href="/notifications/preferences"') == 2


# ---------------------------------------------------------------- failed e-mail, for administrators

def failed_email_for(app, user_id: int) -> int:
    [note] = tell(app, user_id)
    with app.app_context():
        email = db.session.get(Notification, note).email
        email.state, email.attempts, email.last_error = FAILED, 8, "Gave up after 8 attempts. 421 Busy"
        db.session.commit()
        email_id = email.id
        db.session.remove()
        return email_id


def state_of(app, email_id: int) -> str:
    with app.app_context():
        state = db.session.get(OutboxEmail, email_id).state
        db.session.remove()
        return state


def test_an_administrator_sees_a_failed_email_and_retrying_it_sends_it(app, client, auth, factories, login_as,
                                                                       mailbox):
    with app.app_context():
        principal = factories.principal(factories.school())
        user_id, address = principal.id, principal.email
        db.session.remove()
    email_id = failed_email_for(app, user_id)
    login_as(Role.admin)
    home = client.get("/home").get_data(as_text=True)
    assert "1 e-mail was refused by the mail server after every try" in home and 'href="/admin/outbox"' in home
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert address in page and "Gave up after 8 attempts. 421 Busy" in page
    assert "My school&#39;s plan is returned with comments" in page
    assert re.search(r"<dt>Failed</dt><dd>1</dd>", page)
    response = client.post(f"/admin/outbox/{email_id}/retry", data={"csrf_token": auth.csrf("/admin/outbox")})
    assert response.status_code == 303
    assert "is queued again" in client.get("/admin/outbox").get_data(as_text=True)
    assert state_of(app, email_id) == PENDING
    with app.app_context():
        assert deliver_all().sent == 1
        db.session.remove()
    [message] = mailbox.to(address)
    assert message["Subject"] == "Your plan came back" and "/targets/" in body(message)
    assert state_of(app, email_id) == SENT
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "No e-mail has failed." in page and re.search(r"<dt>Sent today</dt><dd>1</dd>", page)


def test_retry_all_queues_every_failed_email_again(app, client, auth, factories, login_as, mailbox):
    with app.app_context():
        people = [factories.principal(factories.school()).id for _ in range(2)]
        db.session.remove()
    emails = [failed_email_for(app, uid) for uid in people]
    login_as(Role.admin)
    response = client.post("/admin/outbox/retry-all", data={"csrf_token": auth.csrf("/admin/outbox")})
    assert response.status_code == 303
    assert "2 failed e-mails are queued again" in client.get("/admin/outbox").get_data(as_text=True)
    assert [state_of(app, e) for e in emails] == [PENDING, PENDING]


def test_only_administrators_see_the_outbox(client, person, auth):
    assert client.get("/admin/outbox").status_code == 403
    assert client.post("/admin/outbox/retry-all", data={"csrf_token": auth.csrf()}).status_code == 403
