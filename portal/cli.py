"""Command-line tasks: flask seed, flask demo, flask create-user, flask import-schools/-users."""
import getpass
import os
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from portal.demo import district as demo_service
from portal.extensions import db
from portal.kernel import clock, plans
from portal.kernel.database import refresh_statistics
from portal.kernel.policy import Role
from portal.org import imports
from portal.org.models import School, User
from portal.org.passwords import PasswordPolicyError, check_policy
from portal.strategic_plan.seed import load_plan, plan_for_folder
from portal.strategic_plan.seed_files import SeedError
from portal.worker import schedule_command, worker_command


def register(app):
    app.cli.add_command(seed_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(import_schools_command)
    app.cli.add_command(import_users_command)
    app.cli.add_command(import_baselines_command)
    app.cli.add_command(bootstrap_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(schedule_command)


@click.command("seed")
@with_appcontext
@click.option("--name", "plan_name", default=None,
              help="The plan's name, like \"Ready for the World 2026–2030\" (default: profile.yaml's plan_name).")
@click.option("--folder", type=click.Path(exists=True, file_okay=False), default=None,
              help="The plan's seed folder (default: seed/).")
@click.option("--current", "make_current", is_flag=True, help="Make this plan the current one.")
def seed_command(plan_name, folder, make_current):
    """Load a Strategic Plan from its seed folder (safe to run again)."""
    try:
        changes = load_plan(folder or current_app.config["SEED_DIR"], plan_name)
        plan = plan_for_folder(folder or current_app.config["SEED_DIR"], plan_name)
        if make_current and not plan.is_current:
            plans.make_current(plan)
            changes["current plan"] += 1
    except SeedError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"{plan.name} ({plan.first_year} to {plan.last_year})"
               + (", the current plan." if plan.is_current else ", not the current plan."))
    if not changes:
        click.echo("The plan is up to date: nothing changed.")
    for what, count in sorted(changes.items()):
        click.echo(f"  {what}: {count}")


# The accounts the README lists, shown first for their role.
README_ACCOUNTS = ("principal@", "central@", "leader.central@")


def _print_accounts(accounts, password: str):
    shown = set()
    click.echo(f"Demo log-ins (password: {password}):")
    for account in sorted(accounts, key=lambda a: not a.email.startswith(README_ACCOUNTS)):
        if account.role in shown:
            continue
        shown.add(account.role)
        click.echo(f"  {account.role.title:<24} {account.email:<36} {account.scope}")


@click.command("demo")
@with_appcontext
@click.option("--schools", "n_schools", type=click.IntRange(6, 100_000), default=None,
              help="How many schools (default: DEMO_SCHOOLS, 1200).")
@click.option("--replace", is_flag=True, help="Delete the current schools and accounts first.")
@click.option("--seed", "random_seed", type=int, default=2022, help="Random seed for a repeatable district.")
def demo_command(n_schools, replace, random_seed):
    """Build a realistic demo district."""
    n_schools = n_schools or current_app.config["DEMO_SCHOOLS"]
    password = current_app.config["DEMO_PASSWORD"]
    started = time.perf_counter()
    try:
        demo_service.story_for()  # refuse a date outside the plan before removing anything
        if replace:
            demo_service.remove_demo()
        result = demo_service.build_demo(n_schools, password, seed=random_seed)
    except demo_service.DemoError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Built {result['schools']} schools, {result['baselines']} school baselines and "
               f"{len(result['users'])} accounts in {time.perf_counter() - started:.1f} s.")
    _print_accounts(result["users"], password)


@click.command("bootstrap")
@with_appcontext
def bootstrap_command():
    """Load the plan, and the demo district when there are no schools yet (used by make run)."""
    current = plans.current_plan()
    if current is None or os.path.samefile(current.folder or current_app.config["SEED_DIR"],
                                           current_app.config["SEED_DIR"]):
        load_plan(current_app.config["SEED_DIR"])
        db.session.commit()
    else:
        click.echo(f"The current plan is {current.name}, loaded from {current.folder}: kept as it is.")
    password = current_app.config["DEMO_PASSWORD"]
    if db.session.scalar(select(func.count(School.id))):
        click.echo("The district already has schools: kept as it is.")
        accounts = [demo_service.DemoAccount(u.role, u.email, u.name, u.scope_label) for u in db.session.scalars(
            select(User).where(User.email.like(f"%@{demo_service.DEMO_DOMAIN}")).order_by(User.id).limit(40))]
        if accounts:
            _print_accounts(accounts, password)
        return
    started = time.perf_counter()
    try:
        result = demo_service.build_demo(current_app.config["DEMO_SCHOOLS"], password)
    except demo_service.DemoError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Built a demo district of {result['schools']} schools as of {clock.today():%d %B %Y} "
               f"in {time.perf_counter() - started:.1f} s.")
    _print_accounts(result["users"], password)


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--school", "school_code", help="School code (principals).")
@click.option("--region", "region_code", help="Region code (regional leaders).")
@click.option("--office", "office_code", help="Office code (central office staff).")
def create_user_command(email, name, role, school_code, region_code, office_code):
    """Create a real account; the password is asked for twice and checked against the policy."""
    scope = {"school_code": school_code or "", "region_code": region_code or "", "office_code": office_code or ""}
    errors = imports.validate_user_fields(email, name, role, scope)
    if errors:
        raise click.ClickException("; ".join(errors))
    password = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != password:
        raise click.ClickException("The passwords do not match.")
    try:
        check_policy(password, email=email)
    except PasswordPolicyError as exc:
        raise click.ClickException(str(exc)) from exc
    user = imports.build_user(email, name, role, scope)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {user.role.title} {user.email}.")


def _run_import(kind: str, path: str):
    with open(path, "rb") as fh:
        report = imports.import_csv(kind, fh.read())
    if report.errors:
        db.session.rollback()
        click.echo(f"Nothing was imported: {len(report.errors)} problem(s).")
        for err in report.errors[:200]:
            click.echo(f"  row {err.row}: {err.column}: {err.message}")
        raise SystemExit(1)
    db.session.commit()
    click.echo(f"Imported {report.created} new and {report.updated} updated {kind}.")


@click.command("import-schools")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_schools_command(path):
    """Import schools from CSV (all rows or none)."""
    _run_import("schools", path)


@click.command("import-users")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_users_command(path):
    """Import user accounts from CSV (all rows or none)."""
    _run_import("users", path)


@click.command("import-baselines")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_baselines_command(path):
    """Import school baselines from CSV or Excel (all rows or none)."""
    from portal.targets.baselines import import_baselines

    with open(path, "rb") as fh:
        report = import_baselines(fh.read(), path)
    if report.errors:
        db.session.rollback()
        click.echo(f"Nothing was imported: {len(report.errors)} problem(s).")
        for err in report.errors[:200]:
            click.echo(f"  row {err.row}: {err.column}: {err.message}")
        raise SystemExit(1)
    db.session.commit()
    if report.large:
        refresh_statistics()
        db.session.commit()
    click.echo(f"Imported {report.rows:,} rows: {report.created:,} new baselines, {report.updated:,} updated and "
               f"{report.unchanged:,} unchanged in {report.seconds:.1f} s.")
