"""One URL, two uses: the full page normally and the partial with HX-Request."""
from portal.kernel.policy import Role


def test_the_plan_filter_returns_the_whole_page_or_just_the_results(login_as, client):
    login_as(Role.board)
    full = client.get("/plan?pillar=2&q=attendance")
    partial = client.get("/plan?pillar=2&q=attendance", headers={"HX-Request": "true"})
    full_html, partial_html = full.get_data(as_text=True), partial.get_data(as_text=True)
    assert "<html" in full_html and "The four District Goals" in full_html
    assert "<html" not in partial_html and "The four District Goals" not in partial_html
    for html in (full_html, partial_html):
        assert "1 of 20 priorities match" in html and "Outstanding Attendance" in html
        assert "Pillar 1:" not in html
    assert "HX-Request" in full.headers["Vary"] and "HX-Request" in partial.headers["Vary"]


def test_a_history_restore_gets_the_full_page(login_as, client):
    login_as(Role.board)
    response = client.get("/plan?pillar=3", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in response.get_data(as_text=True)


def test_the_school_directory_filters_in_place(login_as, client):
    login_as(Role.superintendent)
    partial = client.get("/schools?level=high", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in partial and "High School" in partial and "Elementary</a>" not in partial


def test_an_expired_session_answers_htmx_with_a_redirect_to_log_in(client):
    response = client.get("/schools?level=high", headers={"HX-Request": "true",
                                                           "HX-Current-URL": "http://localhost/schools?level=high"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login?next=")
    assert "schools" in response.headers["HX-Redirect"]


def test_unfiltered_plan_lists_all_twenty_priorities_and_the_goal_baselines(login_as, client):
    login_as(Role.central_office)
    html = client.get("/plan").get_data(as_text=True)
    assert "All 20 priorities across the five pillars." in html
    for code in [f"{p}{c}" for p in "12345" for c in "ABCD"]:
        assert f'id="priority-{code}"' in html
    for figure in ["48.1", "-92.1", "-141.6", "52.0", "70%", "+30 pts", "+40 pts", "+25 pts", "+50 pts"]:
        assert figure in html, figure


def test_a_filter_that_matches_nothing_says_what_to_do(login_as, client):
    login_as(Role.central_office)
    html = client.get("/plan?q=zzzzunmatched", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "No priority matches" in html and "Try fewer words" in html


def test_bad_filter_values_are_ignored_not_errors(login_as, client):
    login_as(Role.admin)
    assert client.get("/plan?pillar=abc&q=" + "x" * 5000).status_code == 200
    assert client.get("/schools?page=-4&level=nonsense&region=Atlantis").status_code == 200
    assert client.get("/admin/users?page=zz&role=wizard").status_code == 200


def test_a_nul_character_anywhere_is_refused_plainly(login_as, client, auth):
    login_as(Role.admin)
    for path in ["/schools?region=%00", "/plan?q=a%00b"]:
        response = client.get(path)
        assert response.status_code == 400
        assert "Something in that request was not right" in response.get_data(as_text=True)
    token = auth.csrf("/admin/users/new")
    response = client.post("/admin/users/new", data={"csrf_token": token, "email": "x\x00@d.example", "name": "N",
                                                     "role": "board"})
    assert response.status_code == 400
