"""The school baselines import on the administrator's Imports page: every row checked first, all
rows written or none, a row-level report."""
import io

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.kernel.policy import Role
from portal.strategic_plan.models import Baseline, Metric, StudentGroup

HEADER = "school_code,metric,group,year,value,n_students\n"


@pytest.fixture
def school(app, factories):
    """An elementary school of the test's own: its baselines, imported ones too, go with it."""
    with app.app_context():
        made = factories.school("elementary")
        db.session.refresh(made)
        db.session.expunge(made)
    return made


def upload(client, token: str, text: str, filename: str = "baselines.csv"):
    return client.post("/admin/imports", data={"csrf_token": token, "kind": "baselines",
                                               "file": (io.BytesIO(text.encode()), filename)},
                       content_type="multipart/form-data")


def stored(app, school_id: int, year: str) -> dict:
    with app.app_context():
        rows = db.session.execute(select(Metric.code, StudentGroup.code, Baseline.value, Baseline.n_students)
                                  .join(Metric, Baseline.metric_id == Metric.id)
                                  .join(StudentGroup, Baseline.group_id == StudentGroup.id)
                                  .where(Baseline.school_id == school_id, Baseline.year == year)).all()
        return {(m, g): (v, n) for m, g, v, n in rows}


def test_the_imports_page_offers_school_baselines(login_as, client):
    login_as(Role.admin)
    page = client.get("/admin/imports").get_data(as_text=True)
    assert 'value="baselines"' in page and "school_code, metric, group, year, value, n_students" in page


def test_new_rows_are_added_and_a_second_import_replaces_them(app, login_as, client, auth, school):
    login_as(Role.admin)
    text = HEADER + f"{school.code},ela_g3,all,2016-17,-31.5,88\n{school.code},ela_g3,el,2016-17,-52.0,30\n"
    response = upload(client, auth.csrf("/admin/imports"), text)
    assert response.status_code == 303
    assert "2 new and 0 updated school baselines" in client.get("/admin/imports").get_data(as_text=True)
    assert stored(app, school.id, "2016-17") == {("ela_g3", "all"): (-31.5, 88), ("ela_g3", "el"): (-52.0, 30)}
    again = HEADER + f"{school.code},ela_g3,all,2016-17,-30.0,90\n{school.code},ela_g3,el,2016-17,-52.0,30\n"
    assert upload(client, auth.csrf("/admin/imports"), again).status_code == 303
    assert "0 new and 1 updated school baselines" in client.get("/admin/imports").get_data(as_text=True)
    assert stored(app, school.id, "2016-17")[("ela_g3", "all")] == (-30.0, 90)


def test_one_bad_row_and_nothing_is_written_with_each_problem_on_its_row(app, login_as, client, auth, school):
    login_as(Role.admin)
    text = (HEADER + f"{school.code},ela_g3,all,2015-16,-31.5,88\n"
            f"{school.code},ag_completion,all,2015-16,40,80\n"  # A-G does not apply to an elementary school
            f"{school.code},ela_g3,nobody,2015-16,-20,30\n"
            "0000,ela_g3,all,2015-16,-20,30\n")
    response = upload(client, auth.csrf("/admin/imports"), text)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "does not apply to school" in page and "Unknown student group" in page and "Unknown school code" in page
    assert stored(app, school.id, "2015-16") == {}


def test_only_administrators_import_baselines(login_as, client, auth):
    login_as(Role.superintendent)
    assert upload(client, auth.csrf(), HEADER).status_code == 403
