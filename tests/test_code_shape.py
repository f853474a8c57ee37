"""The code keeps the shape the README describes: small modules and functions, operations that leave
HTTP and transactions to the views, one clock, and models that match the migrations."""
import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
PORTAL = ROOT / "portal"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60

# Packages that are the web side: each holds a blueprint, its views and the helpers only they use.
WEB_PACKAGES = {
    "portal/admin", "portal/auth", "portal/home", "portal/measures/scorecard", "portal/progress/board",
    "portal/progress/initiatives", "portal/rollups/dashboard", "portal/rollups/public",
    "portal/strategic_plan/browser", "portal/targets/review", "portal/search",
}
# The kernel's request-side helpers, and the modules that wire the application together.
WEB_MODULES = {
    "portal/__init__.py", "portal/cli.py", "portal/kernel/access.py", "portal/kernel/actions.py",
    "portal/kernel/exports.py", "portal/kernel/htmx.py", "portal/kernel/navigation.py",
    "portal/kernel/security.py", "portal/kernel/urls.py", "portal/kernel/i18n.py", "portal/kernel/uploads.py",
    # The worker's jobs own their transactions as a view does: each sent e-mail is recorded in its own commit.
    "portal/worker.py", "portal/notifications/delivery.py", "portal/rollups/refresh.py",
    # Views the targets blueprint registers (portal/targets/views.py): the approved targets to print or download.
    "portal/targets/approved.py",
}
HTTP_NAMES = {"request", "abort", "render_template", "Response", "make_response", "redirect"}


def modules():
    return sorted(p for p in PORTAL.rglob("*.py") if ".venv" not in p.parts)


def rel(path: pathlib.Path) -> str:
    return path.relative_to(ROOT).as_posix()


def is_demo(path: pathlib.Path) -> bool:
    return rel(path).startswith("portal/demo/")


def defines_routes(tree: ast.Module) -> bool:
    return any(isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Blueprint" for node in ast.walk(tree))


def is_web_side(path: pathlib.Path, tree: ast.Module) -> bool:
    name = rel(path)
    return (name in WEB_MODULES or any(name.startswith(p + "/") for p in WEB_PACKAGES)
            or defines_routes(tree))


def test_no_module_in_the_portal_is_over_400_lines():
    long = {rel(p): n for p in modules() if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def test_no_function_is_over_60_lines_outside_the_demo_builders():
    long = {}
    for path in modules():
        if is_demo(path):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long[f"{rel(path)}:{node.name}"] = length
    assert long == {}


def test_operations_never_read_the_request_answer_http_or_commit():
    """An operation takes parsed input, checks the rules, writes and flushes; the view that called
    it reads the request, commits or rolls back, and answers."""
    found = []
    for path in modules():
        tree = ast.parse(path.read_text())
        if is_web_side(path, tree) or is_demo(path):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "flask":
                found += [f"{rel(path)} imports flask.{a.name}" for a in node.names if a.name in HTTP_NAMES]
            if (isinstance(node, ast.Attribute) and node.attr == "commit"
                    and isinstance(node.value, ast.Attribute) and node.value.attr == "session"):
                found.append(f"{rel(path)}:{node.lineno} commits")
    assert found == []


def test_only_the_clock_reads_the_system_time():
    readers = []
    for path in modules():
        if rel(path) == "portal/kernel/clock.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"now", "today", "utcnow"}
                    and getattr(node.func.value, "id", "") in {"datetime", "date"}):
                readers.append(f"{rel(path)}:{node.lineno}")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "time"
                    and getattr(node.func.value, "id", "") == "time"):
                readers.append(f"{rel(path)}:{node.lineno}")
    assert readers == []


def test_the_models_match_the_migrations(app):
    """`flask db check` finds nothing to migrate: no model change without its migration."""
    from flask_migrate import check

    with app.app_context():
        check()  # raises SystemExit(1) with the differences when the two have drifted
