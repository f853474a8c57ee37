"""The demo district and the command line: flask seed, demo, create-user, import-*; config."""
import statistics

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.extensions import db
from portal.kernel.policy import Role
from portal.org.models import Region, School, User
from portal.strategic_plan.levels import applicable_levels
from portal.strategic_plan.models import Baseline, Metric, StudentGroup


def test_the_demo_district_spreads_schools_over_six_regions_with_a_realistic_mix(ctx):
    by_region = dict(db.session.execute(select(Region.short_name, func.count(School.id)).join(School)
                                        .group_by(Region.short_name)).all())
    assert sorted(by_region) == ["Central", "East", "Northeast", "Northwest", "South", "West"]
    assert max(by_region.values()) - min(by_region.values()) <= 1
    levels = dict(db.session.execute(select(School.level, func.count()).group_by(School.level)).all())
    assert levels["elementary"] > levels["high"] > 0 and levels["middle"] > 0


def test_every_role_has_an_account_and_every_school_a_principal(ctx):
    roles = set(db.session.scalars(select(User.role).distinct()))
    assert roles == set(Role)
    schools = db.session.scalar(select(func.count(School.id)))
    principals = db.session.scalar(select(func.count(User.id)).where(User.role == Role.principal,
                                                                     User.school_id.is_not(None)))
    assert principals >= schools


def test_school_baselines_sit_around_the_district_baseline(ctx):
    metric = db.session.scalar(select(Metric).where(Metric.code == "ag_completion"))
    group = db.session.scalar(select(StudentGroup).where(StudentGroup.code == "all"))
    values = db.session.scalars(select(Baseline.value).where(
        Baseline.metric_id == metric.id, Baseline.group_id == group.id, Baseline.year == "2021-22",
        Baseline.school_id.is_not(None))).all()
    assert values, "high schools have an A-G baseline"
    assert 38 < statistics.mean(values) < 58  # the district's latest figure is 48.1
    assert all(0 <= v <= 100 for v in values)


def test_only_applicable_metrics_get_baselines(ctx):
    for school in db.session.scalars(select(School).where(School.level == "elementary").limit(5)):
        codes = set(db.session.scalars(select(Metric.code).join(Baseline).where(Baseline.school_id == school.id)))
        assert "ag_completion" not in codes and "math_6_8" not in codes
        assert {"ela_g3", "math_3_5"} <= codes


@pytest.mark.parametrize("level, low, high, expected", [
    ("elementary", 0, 6, {"elementary"}),
    ("middle", 6, 8, {"middle"}),
    ("span", 0, 8, {"elementary", "middle"}),
    ("span", 6, 12, {"middle", "high"}),
    ("span", 0, 12, {"elementary", "middle", "high"}),
])
def test_span_schools_take_the_union_of_the_bands_they_cover(level, low, high, expected):
    bands = {"elementary": (0, 5), "middle": (6, 8), "high": (9, 12)}
    assert applicable_levels(level, low, high, bands) == expected


def test_flask_seed_says_when_nothing_changed(app):
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0 and "nothing changed" in result.output


def test_flask_demo_refuses_to_overwrite_an_existing_district(app):
    result = app.test_cli_runner().invoke(args=["demo", "--schools", "10"])
    assert result.exit_code != 0 and "--replace" in result.output


def test_flask_create_user_checks_the_password_policy(app, monkeypatch):
    answers = iter(["short", "short"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["create-user", "--email", "cli.one@district.example", "--name", "Cli One",
                               "--role", "board"])
    assert weak.exit_code != 0 and "at least 12 characters" in weak.output
    answers = iter(["Lantern-harbor-river-93"] * 2)
    ok = runner.invoke(args=["create-user", "--email", "cli.one@district.example", "--name", "Cli One",
                             "--role", "board"])
    assert ok.exit_code == 0, ok.output
    scope = runner.invoke(args=["create-user", "--email", "cli.two@district.example", "--name", "Cli Two",
                                "--role", "principal"])
    assert scope.exit_code != 0 and "needs a school" in scope.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "cli.one@district.example")).check_password(
            "Lantern-harbor-river-93")


def test_flask_import_schools_reports_rows_and_exits_non_zero(app, tmp_path):
    bad = tmp_path / "schools.csv"
    bad.write_text("code,name,level,grade_low,grade_high,enrolment,region,priority_tier\nX1,,high,9,12,10,C,1\n")
    result = app.test_cli_runner().invoke(args=["import-schools", str(bad)])
    assert result.exit_code == 1 and "row 2: name" in result.output


def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"PORTAL_ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    monkeypatch.setenv("SECRET_KEY", "a" * 64)
    app = create_app({"PORTAL_ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_healthz_answers_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok", "database": "up"}


def test_healthz_answers_503_when_the_database_is_down(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "b" * 64)
    app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503


def test_the_demo_log_ins_printed_are_the_ones_the_readme_lists(app):
    from portal.cli import _print_accounts
    from portal.demo.district import DemoAccount

    accounts = [DemoAccount(Role.principal, "p1234@district.example", "A", "School A"),
                DemoAccount(Role.principal, "principal@district.example", "B", "School B"),
                DemoAccount(Role.regional_leader, "leader.east@district.example", "C", "East"),
                DemoAccount(Role.regional_leader, "leader.central@district.example", "D", "Central")]
    import click.testing

    @click.command()
    def show():
        _print_accounts(accounts, "pw")
    output = click.testing.CliRunner().invoke(show).output
    assert "principal@district.example" in output and "p1234@" not in output
    assert "leader.central@district.example" in output and "leader.east@" not in output
