"""The Ready for the World portal: create_app() builds and wires the Flask application."""
import logging
import os

from flask import Flask, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import config
from portal.extensions import babel, csrf, db, limiter, login_manager, migrate
from portal.kernel import clock, i18n, plans
from portal.kernel.security import WholeBodies, refuse_cut_bodies
from portal.kernel.urls import IdConverter


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(config.load(app.instance_path, test_config))
    check_group_map(app.config["OIDC_GROUP_MAP"])
    if app.config["PORTAL_ENV"] != "testing":
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        app.logger.setLevel(logging.INFO)

    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.wsgi_app = WholeBodies(app.wsgi_app, app.config["MAX_CONTENT_LENGTH"])  # type: ignore[method-assign]
    register_extensions(app)
    app.url_map.converters["int"] = IdConverter  # before the routes are added: every <int:...> is bounded
    register_blueprints(app)
    register_request_hooks(app)
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_cut_bodies)  # before CSRF reads the form
    app.before_request_funcs[None].insert(0, plans.forget)  # each request resolves the plan in view afresh
    register_errorhandlers(app)
    register_commands(app)
    register_template_helpers(app)
    return app


def check_group_map(path: str) -> None:
    """Refuse to start with a group mapping file (OIDC_GROUP_MAP) that cannot be used."""
    from portal.org.group_map import GroupMapError, load

    if path:
        try:
            load(path)
        except GroupMapError as exc:
            raise RuntimeError(f"OIDC_GROUP_MAP: {exc}") from None


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """WAL and foreign keys for SQLite; a no-op for other databases."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def register_extensions(app: Flask) -> None:
    import portal.schema  # noqa: F401  (every model must be known before Flask-Migrate reads the metadata)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"),
                     render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, default_locale=i18n.DEFAULT)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see that page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(token: str):
        from portal.org.models import User

        # A person belongs to no one plan: loading them needs no plan in scope (so a request that reads
        # nothing of a plan, like the bell's count, never looks one up).
        user = db.session.scalar(db.select(User).where(User.session_token == token)
                                 .execution_options(**{plans.ALL_PLANS: True}))
        return user if user is not None and user.active else None

    @login_manager.unauthorized_handler
    def unauthorized():
        from portal.kernel.actions import safe_next
        from portal.kernel.htmx import hx_redirect

        if request.headers.get("HX-Request") == "true":
            # htmx asked for a fragment: send the whole window to log-in, then back to the page.
            current = request.headers.get("HX-Current-URL", "")
            path = current.split(request.host, 1)[-1] if current else ""
            return hx_redirect(url_for("auth.login", next=safe_next(path) or None), status=401)
        flash(str(login_manager.login_message), "info")
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login", next=safe_next(target) or None))


def register_blueprints(app: Flask) -> None:
    from portal.admin import bp as admin_bp
    from portal.auth.mfa_routes import bp as mfa_bp
    from portal.auth.reset import bp as password_bp
    from portal.auth.routes import bp as auth_bp
    from portal.home import bp as main_bp
    from portal.measures.scorecard import bp as scorecard_bp
    from portal.notifications.routes import bp as notifications_bp
    from portal.progress.board import bp as board_bp
    from portal.progress.initiatives import bp as initiatives_bp
    from portal.rollups.dashboard import bp as dashboard_bp
    from portal.rollups.public import bp as public_bp
    from portal.search import bp as search_bp
    from portal.strategic_plan.browser import bp as plan_bp
    from portal.targets.cycles import bp as cycles_bp
    from portal.targets.results_import import bp as results_bp
    from portal.targets.review import bp as review_bp
    from portal.targets.views import bp as targets_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(password_bp)
    app.register_blueprint(mfa_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(plan_bp)
    app.register_blueprint(targets_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(initiatives_bp)
    app.register_blueprint(board_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(scorecard_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(cycles_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(search_bp)


def register_request_hooks(app: Flask) -> None:
    from portal.kernel.access import enforce
    from portal.kernel.htmx import add_vary
    from portal.kernel.security import set_security_headers
    from portal.strategic_plan.browser.plans import refuse_changes_to_another_plan

    @app.before_request
    def absolute_session_lifetime():
        if current_user.is_authenticated:
            started = session.get("login_at", 0)
            limit = app.config["SESSION_ABSOLUTE_HOURS"] * 3600
            if clock.timestamp() - started > limit:
                logout_user()
                session.clear()

    @app.before_request
    def refuse_nul_characters():
        # No field, filter or address of the portal takes a NUL; PostgreSQL cannot even compare one
        # (a code in the path, /measures/%00, would fail its query). Every value of a repeated field too.
        sent = [*request.args.items(multi=True), *request.form.items(multi=True), *(request.view_args or {}).items()]
        if any("\x00" in f"{name}{value}" for name, value in sent):
            abort(400)

    if not app.config["TRUSTED_PROXIES"]:
        @app.before_request
        def notice_an_untrusted_proxy():
            # Said once per process: requests come through a proxy whose forwarded address is not read.
            if "X-Forwarded-For" in request.headers and not app.extensions.get("proxy_noticed"):
                app.extensions["proxy_noticed"] = True
                app.logger.error("Requests arrive through a proxy (they carry X-Forwarded-For). %s",
                                 config.proxy_notice(0))

    app.before_request(enforce)
    app.before_request(refuse_changes_to_another_plan)
    app.after_request(add_vary)
    app.after_request(set_security_headers)


def register_errorhandlers(app: Flask) -> None:
    from portal.kernel.htmx import is_htmx
    from portal.kernel.plans import PlanReadOnly
    from portal.kernel.uploads import too_large_answer

    messages = {
        400: (_l("Something in that request was not right"),
              _l("The page could not use what was sent. Go back, reload the page and try again.")),
        403: (_l("You do not have access to this page"),
              _l("Your role does not include this page. If you think it should, ask your administrator.")),
        404: (_l("We could not find that page"), _l("It may have moved, or the link may be mistyped.")),
        405: (_l("That action is not available here"), _l("Go back and use the buttons on the page.")),
        409: (_l("This plan can't be changed"), ""),
        413: (_l("That file is too large"), _l("Files up to 10 MB can be uploaded.")),
        429: (_l("Too many attempts"), _l("Wait a few minutes and try again.")),
        500: (_l("Something went wrong on our side"),
              _l("Nothing you did caused this. Your last change may not have been saved; try again shortly.")),
    }

    def render_error(code: int, detail: str | None = None):
        title, text = (str(part) for part in messages[code])
        template = "errors/_error.html" if is_htmx() else "errors/error.html"
        return render_template(template, code=code, title=title, text=detail or text), code

    for code in messages:
        app.register_error_handler(code, lambda e, code=code: render_error(
            code, getattr(e, "description", None) if code in (409, 429) else None))

    @app.errorhandler(413)
    def too_large(e):
        """An upload form answers a body past the limit itself, with the error at the file's field."""
        answer = too_large_answer()
        return answer if answer is not None else render_error(413)

    @app.errorhandler(PlanReadOnly)
    def plan_read_only(e):
        db.session.rollback()
        return render_error(409, str(e))

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        app.logger.warning("CSRF refused: path=%s reason=%s", request.path, e.description)
        return render_error(400, gettext("This form has expired or was not sent from the portal. "
                                         "Reload the page and try again."))


def register_commands(app: Flask) -> None:
    from portal.cli import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from portal.kernel import formatting
    from portal.kernel.formatting import long_date
    from portal.kernel.navigation import nav_for
    from portal.kernel.policy import SMALL_GROUP
    from portal.kernel.privacy import TEXT as PRIVACY_TEXT
    from portal.kernel.urls import id_url
    from portal.strategic_plan.translations import group_name, plan_text

    @app.context_processor
    def inject():
        from portal.progress.models import Stage
        from portal.targets.models import PlanStatus

        return {"nav_items": nav_for(current_user), "PlanStatus": PlanStatus,
                "Stage": Stage,
                "small_group": SMALL_GROUP, "htmx_cdn": app.config["HTMX_CDN"], "portal_env": app.config["PORTAL_ENV"],
                "portal_today": long_date(app.config["PORTAL_TODAY"]),
                "lang": i18n.current(), "switch_to": i18n.switch_to(),
                **_plan_context()}

    def _plan_context() -> dict:
        in_view = plans.in_view()
        return {"plan_in_view": in_view, "current_plan": plans.current(),
                "plan_has_ended": in_view is not None and in_view.ended(clock.today()),
                "plan_target_year": in_view.last_day.year if in_view is not None else ""}

    app.add_template_global(id_url)
    app.jinja_env.globals["privacy"] = PRIVACY_TEXT  # the small-group rule's marks (templates/_privacy.html)
    app.add_template_global(long_date)
    app.add_template_global(plan_text)
    app.add_template_global(group_name)
    app.add_template_global(formatting.count, "fmt_count")
    app.add_template_filter(i18n.english, "en")

    @app.template_filter("num")
    def num(value, digits: int = 1):
        if value is None:
            return "—"
        return formatting.plain(value, digits)
