"""PORTAL_TODAY: the date a demo or training portal believes it is. Every rule that reads the date reads
it from the one clock, and every page says which date it is."""
import pytest

from portal import create_app
from portal.kernel import clock


def portal_on(database_url: str, day: str | None):
    return create_app({"PORTAL_ENV": "testing", "SECRET_KEY": "test-secret-key-not-for-production",
                       "SQLALCHEMY_DATABASE_URI": database_url, "SESSION_COOKIE_SECURE": False,
                       "PORTAL_TODAY": day or ""})


def test_the_portal_believes_the_date_it_is_set_to_and_keeps_the_time_of_day(database_url):
    app = portal_on(database_url, "2024-10-15")
    with app.app_context():
        assert clock.today().isoformat() == "2024-10-15"
        assert clock.current_school_year() == "2024-25"
        assert clock.now().date().isoformat() == "2024-10-15"
    assert clock.today().isoformat() != "2024-10-15"  # outside the application, the real date


def test_every_page_says_which_date_the_portal_believes_it_is(database_url):
    page = portal_on(database_url, "2024-10-15").test_client().get("/login").get_data(as_text=True)
    assert "Demo district, as of 15 October 2024" in page


def test_a_portal_on_the_real_date_shows_no_banner(database_url):
    page = portal_on(database_url, None).test_client().get("/login").get_data(as_text=True)
    assert "Demo district, as of" not in page


@pytest.mark.parametrize("setting", ["2024-13-01", "15/10/2024", "2024-1-5", "9999-12-31", "２０２４-10-15"])
def test_a_date_setting_that_is_not_a_date_stops_the_portal_from_starting(database_url, setting):
    with pytest.raises(RuntimeError, match="PORTAL_TODAY"):
        portal_on(database_url, setting)
