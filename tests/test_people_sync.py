"""Accounts follow the district's list of people: an administrator previews a sync, sees what would
change, confirms, and exactly that happens, each change in the audit trail; a deactivated person is
signed out at once; a file with a bad row changes nothing. Runs on a small portal of its own, since a
sync touches every account."""
import io
import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.org.models import User
from tests.conftest import DEMO_PASSWORD, csrf_from
from tests.people_lists import as_csv, close, small_portal, the_list
from tests.trust.conftest import dump


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    app = small_portal(tmp_path_factory.mktemp("sync"), "people-sync-tests-secret-key-0123456789")
    yield app
    close(app)


def flat(html: str) -> str:
    return " ".join(html.split())


def log_in(app, email: str):
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token}
                       ).status_code == 303
    return client


def preview(admin, rows: list[dict]):
    token = csrf_from(admin.get("/admin/imports").get_data(as_text=True))
    return admin.post("/admin/imports/people-sync", data={"csrf_token": token, "file": (io.BytesIO(as_csv(rows)),
                                                                                       "people.csv")},
                      content_type="multipart/form-data")


def confirm(admin, page: str):
    fields = dict(re.findall(r'name="(csrf_token|content|fingerprint)" type="hidden" value="([^"]*)"', page))
    return admin.post("/admin/imports/people-sync/apply", data=fields)


def test_the_preview_says_what_applying_does_and_applying_does_exactly_that(portal):
    admin = log_in(portal, "admin@district.example")
    rows = the_list(portal)
    principals = [r for r in rows if r["role"] == "principal"]
    leaving, staying_away = principals[0], principals[1]
    mover = principals[2]
    rows = [r for r in rows if r not in (leaving, staying_away)]
    mover["school_code"] = leaving["school_code"]  # takes over the school of the one who left
    rows.append({"email": "new.leader@district.example", "name": "New Leader", "role": "regional_leader",
                 "school_code": "", "region_code": rows[0]["region_code"] or "E", "office_code": ""})
    leaving_session = log_in(portal, leaving["email"])
    before = dump(portal)

    page = preview(admin, rows)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "2 accounts will be deactivated, 1 change role or scope, 1 will be created and 0 reactivated" in flat(text)
    assert leaving["email"] in text and staying_away["email"] in text and mover["email"] in text
    assert dump(portal) == before  # a preview changes nothing

    done = confirm(admin, text)
    assert done.status_code == 303
    with portal.app_context():
        accounts = {u.email: u for u in db.session.scalars(select(User))}
        assert not accounts[leaving["email"]].active and not accounts[staying_away["email"]].active
        assert accounts[mover["email"]].school.code == leaving["school_code"]
        assert accounts["new.leader@district.example"].role == Role.regional_leader
        actions = sorted(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("sync_%"))))
    assert actions == ["sync_create", "sync_deactivate", "sync_deactivate", "sync_update"]
    assert leaving_session.get("/home").status_code == 302  # signed out at once
    assert "1 created, 1 changed, 2 deactivated and 0 reactivated" in admin.get("/admin/imports").get_data(
        as_text=True)

    again = preview(admin, the_list(portal) + [staying_away])  # one comes back
    assert "0 accounts will be deactivated, 0 change role or scope, 0 will be created and 1 reactivated" in \
        flat(again.get_data(as_text=True))
    assert confirm(admin, again.get_data(as_text=True)).status_code == 303
    with portal.app_context():
        assert db.session.scalar(select(User.active).where(User.email == staying_away["email"]))


def test_a_file_with_a_bad_row_changes_nothing(portal):
    admin = log_in(portal, "admin@district.example")
    rows = the_list(portal)[:3] + [{"email": "pat@school..example", "name": "Pat", "role": "board",
                                    "school_code": "", "region_code": "", "office_code": ""}]
    before = dump(portal)
    page = preview(admin, rows)
    assert page.status_code == 422
    assert "Enter a valid email address" in page.get_data(as_text=True)
    assert "Apply these changes" not in page.get_data(as_text=True)
    assert dump(portal) == before


def test_a_preview_the_accounts_have_moved_on_from_is_not_applied(portal):
    admin = log_in(portal, "admin@district.example")
    rows = the_list(portal)
    gone = next(r for r in rows if r["role"] == "board")
    page = preview(admin, [r for r in rows if r is not gone]).get_data(as_text=True)
    with portal.app_context():  # meanwhile, someone deactivates that person by hand
        db.session.scalar(select(User).where(User.email == gone["email"])).active = False
        db.session.commit()
    before = dump(portal)
    stale = confirm(admin, page)
    assert stale.status_code == 409
    assert "The accounts changed after your preview" in stale.get_data(as_text=True)
    assert dump(portal) == before


def test_administrators_missing_from_the_list_stay_active(portal):
    admin = log_in(portal, "admin@district.example")
    rows = [r for r in the_list(portal) if r["role"] != "admin"]
    rows.append({"email": "admin@district.example", "name": "Portal Admin", "role": "admin",
                 "school_code": "", "region_code": "", "office_code": ""})
    with portal.app_context():
        db.session.add(User(email="breakglass@district.example", name="Break Glass", role=Role.admin,
                            password_hash="!"))
        db.session.commit()
    text = preview(admin, rows).get_data(as_text=True)
    assert "Administrators not in the list stay active: breakglass@district.example" in flat(text)


def test_the_imports_page_labels_each_file_box_for_its_own_form(portal):
    """Both forms have a file box: each label must name its own box, or the list's label (and a screen
    reader, and a click on it) would lead to the other form's."""
    html = log_in(portal, "admin@district.example").get("/admin/imports").get_data(as_text=True)
    labelled = re.findall(r'<label for="([^"]+)"', html)
    assert [target for target in labelled if html.count(f'id="{target}"') != 1] == []
    sync_form = html[html.index('action="/admin/imports/people-sync"'):]
    label = re.search(r'<label for="([^"]+)">The district&#39;s list of people \(CSV\)</label>', sync_form)
    assert label and f'id="{label.group(1)}"' in sync_form[:sync_form.index("</form>")]
