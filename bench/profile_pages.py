"""Time each key page in one process (Flask's test client, no server), or profile one page.

    DATABASE_URL=sqlite:////tmp/portal-1x.db .venv/bin/python bench/profile_pages.py [-n 20]
    DATABASE_URL=... .venv/bin/python bench/profile_pages.py --profile dashboard   # pyinstrument

Single-request latency on an idle machine: where the time goes, not how the server holds up
under load (that is bench/run.py).
"""
import argparse
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pages import ACCOUNTS, pages, reset_approvals, targets  # noqa: E402

CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"|name="csrf_token" type="hidden" value="([^"]+)"')


def token(html: str) -> str:
    m = CSRF_RE.search(html)
    return m.group(1) or m.group(2)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--profile", default="")
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    from portal import create_app

    password = os.environ.get("DEMO_PASSWORD", "ready4world")
    app = create_app({"PORTAL_ENV": "testing", "SECRET_KEY": "bench", "SESSION_COOKIE_SECURE": False,
                      "LOGIN_RATE_LIMIT": "1000000 per minute", "WTF_CSRF_SSL_STRICT": False})
    ids = targets(app)
    queue = reset_approvals(app, ids["cycle"], ids["region"], keep=(ids["review_plan"], ids["plan"]))
    clients, tokens = {}, {}
    for role, email in ACCOUNTS.items():
        c = app.test_client()
        t = token(c.get("/login").get_data(as_text=True))
        r = c.post("/login", data={"email": email, "password": password, "csrf_token": t})
        assert r.status_code == 303, (role, r.status_code)
        clients[role] = c
        tokens[role] = token(c.get("/home").get_data(as_text=True))
    anon = app.test_client()
    anon_token = token(anon.get("/login").get_data(as_text=True))

    def call(page):
        c = clients[page.role] if page.role else anon
        headers = {"HX-Request": "true"} if page.htmx else {}
        if page.method == "GET":
            return c.get(page.path, headers=headers)
        form = {k: (password if v == "$DEMO_PASSWORD" else v) for k, v in page.form.items()}
        if page.key == "login":
            login_client = app.test_client()
            t = token(login_client.get("/login").get_data(as_text=True))
            return login_client.post("/login", data={**form, "csrf_token": t})
        path = page.path
        if "{id}" in path:
            plan_id, version = queue.pop(0)
            path = path.replace("{id}", str(plan_id))
            form = {**form, "version": str(version)}
        form["csrf_token"] = tokens[page.role]
        return c.post(path, data=form, headers={**headers, "X-CSRFToken": tokens[page.role]})

    chosen = [p for p in pages(ids) if not args.only or p.key in args.only.split(",")]
    if args.profile:
        from pyinstrument import Profiler

        page = next(p for p in chosen if p.key == args.profile)
        call(page)
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(args.n):
            call(page)
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=bool(os.environ.get("SHOW_ALL"))))
        return
    for page in chosen:
        status = call(page).status_code  # warm (first compute of a stored rollup, caches)
        times = []
        for _ in range(args.n if page.key != "login" else max(3, args.n // 4)):
            started = time.perf_counter()
            status = call(page).status_code
            times.append((time.perf_counter() - started) * 1000)
        print(f"{page.key:<18} {status}  median {statistics.median(times):7.1f} ms  "
              f"max {max(times):7.1f} ms  {page.path}")


if __name__ == "__main__":
    main()
