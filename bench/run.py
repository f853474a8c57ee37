"""The portal's benchmark (`make bench`): builds the demo district at 1x and 10x on SQLite and on a
throwaway PostgreSQL cluster, serves each with gunicorn, loads every key page with wrk, and writes
docs/performance.md.

    .venv/bin/python bench/run.py [--scales 1,10] [--dbs sqlite,postgresql] [--duration 6]

Every server listens on 127.0.0.1 (ports 8100-8199); the PostgreSQL cluster on 25500, redis (the
workers' shared log-in throttle) on 25501. Everything it
starts is stopped on the way out, whatever happens.
"""
import argparse
import http.client
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

from pages import ACCOUNTS, pages, reset_approvals, targets  # noqa: E402

VENV_BIN = os.path.join(ROOT, ".venv", "bin")
PGBIN = "/usr/lib/postgresql/15/bin"
PGPORT = 25500
REDIS_PORT = 25501  # log-in throttling shared by the workers, as in production (gunicorn.conf.py insists)
SCHOOLS = 1200  # the district's scale (1x)
BASELINE_ROWS = 100_000
CONNECTIONS = 16
THREADS = 2
WORKERS = 2 * (os.cpu_count() or 1)
PASSWORD = "bench-demo-password"
PORTAL_TODAY = "2024-10-15"  # the demo's story as of the autumn of the plan's third year, as make run builds it
CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"|name="csrf_token" type="hidden" value="([^"]+)"')
GOAL_P95_MS = {1: 50.0, 10: 100.0}
GOAL_SHARE = 0.10


def log(*args):
    print(*args, file=sys.stderr, flush=True)


class Runner:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="portal-bench-")
        self.procs: list[subprocess.Popen] = []
        self.pgdir = None
        self.port = 8100
        self.secret = os.urandom(24).hex()

    # ------------------------------------------------------------ processes
    def env(self, database_url: str) -> dict:
        env = dict(os.environ)
        env.update({"PORTAL_ENV": "production", "SECRET_KEY": self.secret, "DATABASE_URL": database_url,
                    "FLASK_APP": "wsgi.py", "DEMO_PASSWORD": PASSWORD, "PORTAL_TODAY": PORTAL_TODAY,
                    "LOGIN_RATE_LIMIT": "1000000 per minute", "LOGIN_ADDRESS_LIMIT": "1000000 per minute",
                    "LOGIN_ACCOUNT_LIMIT": "1000000 per minute",
                    "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{REDIS_PORT}/0", "SESSION_COOKIE_SECURE": "0",
                    "PYTHONDONTWRITEBYTECODE": "1"})
        return env

    def flask(self, env: dict, *args) -> float:
        started = time.perf_counter()
        done = subprocess.run([os.path.join(VENV_BIN, "flask"), *args], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        if done.returncode:
            log(done.stdout[-3000:], done.stderr[-3000:])
            raise RuntimeError(f"flask {' '.join(args)} failed")
        return time.perf_counter() - started

    def next_port(self) -> int:
        self.port += 1
        if self.port > 8199:
            self.port = 8101
        return self.port

    def serve(self, env: dict, app: str, chdir: str = ROOT) -> tuple[subprocess.Popen, int]:
        port = self.next_port()
        proc = subprocess.Popen(
            [os.path.join(VENV_BIN, "gunicorn"), "-w", str(WORKERS), "-k", "sync", "-b", f"127.0.0.1:{port}",
             "--chdir", chdir, "--log-level", "warning", app],
            cwd=chdir, env=env, start_new_session=True)
        self.procs.append(proc)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/")
                conn.getresponse().read()
                return proc, port
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start on port {port}")

    def stop(self, proc: subprocess.Popen):
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if proc in self.procs:
            self.procs.remove(proc)

    def as_postgres(self, *cmd, **kw):
        if os.geteuid() == 0:
            cmd = ("runuser", "-u", "postgres", "--", *cmd)
        return subprocess.run(cmd, check=True, **kw)

    def start_redis(self):
        self.procs.append(subprocess.Popen(
            ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.tmp], stdout=subprocess.DEVNULL, start_new_session=True))

    def start_postgres(self):
        self.pgdir = tempfile.mkdtemp(prefix="portal-bench-pg-")
        os.chmod(self.pgdir, 0o755)
        if os.geteuid() == 0:
            shutil.chown(self.pgdir, "postgres", "postgres")
        self.as_postgres(f"{PGBIN}/initdb", "-D", f"{self.pgdir}/data", "-U", "postgres", "-A", "trust", "-E",
                         "UTF8", "--no-locale", "--no-sync", stdout=subprocess.DEVNULL)
        self.as_postgres(f"{PGBIN}/pg_ctl", "-D", f"{self.pgdir}/data", "-l", f"{self.pgdir}/log", "-w", "-o",
                         f"-c listen_addresses=127.0.0.1 -p {PGPORT} -k {self.pgdir} -c max_connections=200 "
                         f"-c shared_buffers=256MB -c fsync=on", "start", stdout=subprocess.DEVNULL)
        subprocess.run([f"{PGBIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                        str(PGPORT), "-U", "postgres", "-c", "CREATE ROLE app LOGIN PASSWORD 'app'"], check=True)

    def create_pg_database(self, name: str) -> str:
        subprocess.run([f"{PGBIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                        str(PGPORT), "-U", "postgres", "-c", f"CREATE DATABASE {name} OWNER app"], check=True)
        return f"postgresql+psycopg://app:app@127.0.0.1:{PGPORT}/{name}"

    def cleanup(self):
        for proc in list(self.procs):
            try:
                self.stop(proc)
            except Exception as exc:  # noqa: BLE001
                log("could not stop", proc.pid, exc)
        if self.pgdir and os.path.exists(f"{self.pgdir}/data/postmaster.pid"):
            try:
                self.as_postgres(f"{PGBIN}/pg_ctl", "-D", f"{self.pgdir}/data", "-m", "fast", "-w", "stop",
                                 stdout=subprocess.DEVNULL)
            except subprocess.CalledProcessError as exc:
                log("could not stop PostgreSQL:", exc)
        if self.pgdir:
            shutil.rmtree(self.pgdir, ignore_errors=True)
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ------------------------------------------------------------ building
    def build(self, database_url: str, scale: int, label: str) -> dict:
        env = self.env(database_url)
        log(f"--- building {label}, {SCHOOLS * scale:,} schools")
        times = {"migrate": self.flask(env, "db", "upgrade"), "seed": self.flask(env, "seed")}
        times["demo"] = self.flask(env, "demo", "--schools", str(SCHOOLS * scale), "--seed", "2022")
        if scale == 1:
            path = os.path.join(self.tmp, f"baselines-{label}.csv")
            rows = write_baseline_file(database_url, path, BASELINE_ROWS)
            times["baseline_rows"] = rows
            times["import"] = self.flask(env, "import-baselines", path)
        log(f"    {times}")
        return times

    # ------------------------------------------------------------ loading
    def login(self, port: int, email: str | None) -> tuple[str, str]:
        """A session cookie and its CSRF token (email None: an anonymous session for the log-in form)."""
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/login")
        resp = conn.getresponse()
        html = resp.read().decode()
        cookie = session_cookie(resp)
        token = csrf_of(html)
        if email is None:
            return cookie, token
        body = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token, "next": ""})
        conn.request("POST", "/login", body=body, headers={"Cookie": cookie,
                                                           "Content-Type": "application/x-www-form-urlencoded"})
        resp = conn.getresponse()
        resp.read()
        if resp.status != 303:
            raise RuntimeError(f"log-in as {email} answered {resp.status}")
        cookie = session_cookie(resp)
        conn.request("GET", "/home", headers={"Cookie": cookie})
        resp = conn.getresponse()
        token = csrf_of(resp.read().decode())
        return session_cookie(resp) or cookie, token

    def warm(self, port: int, page, path: str, cookie: str):
        """Every worker has served the page once (templates compiled, a rollup computed and stored)."""
        if page.method == "GET":
            for _ in range(2 * WORKERS):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", path, headers={"Cookie": cookie, **({"HX-Request": "true"} if page.htmx else {})})
                conn.getresponse().read()
                conn.close()

    def wrk(self, port: int, path: str, env_extra: dict, duration: float) -> dict:
        env = dict(os.environ, BENCH_THREADS=str(THREADS), **env_extra)
        cmd = ["wrk", "-t", str(THREADS), "-c", str(CONNECTIONS), "-d", f"{duration:g}s", "--timeout", "10s",
               "-s", os.path.join(HERE, "wrk.lua"), f"http://127.0.0.1:{port}{path}"]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
        line = next(ln for ln in out.splitlines() if ln.startswith("BENCH_RESULT "))
        result = json.loads(line.split(" ", 1)[1])
        result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
        return result

    def floor(self, database_url: str) -> dict:
        proc, port = self.serve(self.env(database_url), "hello:app", chdir=HERE)
        try:
            self.wrk(port, "/", {}, 1)
            return self.wrk(port, "/", {}, self.args.duration)
        finally:
            self.stop(proc)

    def load(self, database_url: str, scale: int, label: str) -> dict:
        from portal import create_app

        env = self.env(database_url)
        os.environ.update({k: env[k] for k in ("SECRET_KEY", "DATABASE_URL")})
        app = create_app({"PORTAL_ENV": "production", "SQLALCHEMY_DATABASE_URI": database_url,
                          "PORTAL_TODAY": PORTAL_TODAY})
        ids = targets(app)
        with app.app_context():
            from portal.extensions import db as portal_db

            portal_db.engine.dispose()
        log(f"--- {label}: floor (hello)")
        floor = self.floor(database_url)
        log(f"    {floor['rps']:.0f} requests/s")
        proc, port = self.serve(env, "wsgi:app")
        results = {}
        try:
            sessions = {role: self.login(port, email) for role, email in ACCOUNTS.items()}
            for page in pages(ids):
                if self.args.only and page.key not in self.args.only.split(","):
                    continue
                extra = {"BENCH_METHOD": page.method, "BENCH_HTMX": "1" if page.htmx else ""}
                path = page.path
                if page.role:
                    cookie, token = sessions[page.role]
                else:
                    cookie, token = self.login(port, None)
                extra["BENCH_COOKIE"] = cookie
                if page.method == "POST":
                    form = {k: (PASSWORD if v == "$DEMO_PASSWORD" else v) for k, v in page.form.items()}
                    form["csrf_token"] = token
                    extra["BENCH_CSRF"] = token
                    extra["BENCH_BODY"] = urllib.parse.urlencode(form)
                if "{id}" in path:
                    plans = reset_approvals(app, ids["cycle"], ids["region"], keep=(ids["review_plan"], ids["plan"]))
                    seq = os.path.join(self.tmp, "approve.txt")
                    with open(seq, "w") as fh:
                        for plan_id, version in plans:
                            body = urllib.parse.urlencode({**form, "version": version})
                            fh.write(f"{path.replace('{id}', str(plan_id))}|{body}\n")
                    extra["BENCH_SEQ_FILE"] = seq
                    path = path.replace("{id}", str(plans[0][0]))
                    result = self.wrk(port, path, extra, self.args.duration)
                    result["plans"] = len(plans)
                    # The threads stop once every plan is approved, before the run's end: the rate is
                    # the connections over the mean time a request took (all connections kept busy).
                    result["rps_whole_run"] = result["requests"] / (result["duration_us"] / 1e6)
                    result["rps"] = CONNECTIONS / (result["mean_us"] / 1e6)
                else:
                    self.warm(port, page, path, cookie)
                    result = self.wrk(port, path, extra, self.args.duration)
                result["share"] = result["rps"] / floor["rps"]
                results[page.key] = result
                log(f"    {page.key:<18} {result['rps']:7.0f} req/s  p50 {result['p50_us'] / 1000:6.1f}  "
                    f"p95 {result['p95_us'] / 1000:6.1f}  p99 {result['p99_us'] / 1000:6.1f} ms  "
                    f"errors {result['status_errors'] + result['timeouts']}")
        finally:
            self.stop(proc)
        return {"floor": floor, "pages": results, "ids": ids}


def session_cookie(resp) -> str:
    for key, value in resp.getheaders():
        if key.lower() == "set-cookie" and value.startswith("portal_session="):
            return value.split(";", 1)[0]
    return ""


def csrf_of(html: str) -> str:
    m = CSRF_RE.search(html)
    if not m:
        raise RuntimeError("no CSRF token on the page")
    return m.group(1) or m.group(2)


def write_baseline_file(database_url: str, path: str, wanted: int) -> int:
    """A CSV of `wanted` school baselines for earlier school years, built from the demo's schools."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        cells = conn.execute(text(
            "SELECT s.code, m.code, g.code, b.n_students, b.value FROM baseline b JOIN school s ON s.id = b.school_id "
            "JOIN metric m ON m.id = b.metric_id JOIN student_group g ON g.id = b.group_id "
            "WHERE b.year = (SELECT max(year) FROM baseline WHERE school_id IS NOT NULL) "
            "ORDER BY s.code, m.code, g.code")).all()
        have = {r[0] for r in conn.execute(text("SELECT DISTINCT year FROM baseline WHERE school_id IS NOT NULL"))}
    engine.dispose()
    years = [f"{y}-{(y + 1) % 100:02d}" for y in range(2020, 2005, -1)]
    years = [y for y in years if y not in have]
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("school_code,metric,group,year,value,n_students\n")
        for year in years:
            for code, metric, group, students, value in cells:
                if n >= wanted:
                    return n
                fh.write(f"{code},{metric},{group},{year},{value:.1f},{students or 0}\n")
                n += 1
    return n


# ---------------------------------------------------------------- the report

def machine() -> dict:
    def first(cmd, default=""):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return default

    cpu = ""
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as fh:
        mem_kb = int(fh.readline().split()[1])
    import sqlite3

    return {"cores": os.cpu_count(), "cpu": cpu, "ram_gb": round(mem_kb / 1024 / 1024, 1),
            "os": first(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]), "kernel": platform.release(),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "postgresql": first([f"{PGBIN}/postgres", "--version"]), "wrk": first(["sh", "-c", "wrk -v 2>&1 | head -1"]),
            "load": os.getloadavg()}


def ms(us: float) -> str:
    return f"{us / 1000:.1f}"


def table(run: dict, scale: int, titles: dict) -> list[str]:
    goal = GOAL_P95_MS[scale]
    floor = run["floor"]
    lines = ["| page | role | req/s | p50 ms | p95 ms | p99 ms | share of floor | errors | goal |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    lines.append(f"| *floor: Flask hello* | – | {floor['rps']:.0f} | {ms(floor['p50_us'])} | {ms(floor['p95_us'])} | "
                 f"{ms(floor['p99_us'])} | 100% | {floor['status_errors'] + floor['timeouts']} | |")
    for key, r in run["pages"].items():
        page = titles[key]
        ok_p95 = r["p95_us"] / 1000 <= goal
        ok_share = r["share"] >= GOAL_SHARE
        verdict = "meets" if ok_p95 and ok_share else "misses (" + ", ".join(
            x for x, bad in (("p95", not ok_p95), ("throughput", not ok_share)) if bad) + ")"
        errors = r["status_errors"] + r["timeouts"]
        lines.append(f"| {page.title} | {page.role or 'none'} | {r['rps']:.0f} | {ms(r['p50_us'])} | "
                     f"{ms(r['p95_us'])} | {ms(r['p99_us'])} | {100 * r['share']:.1f}% | {errors} | {verdict} |")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--dbs", default="sqlite,postgresql")
    parser.add_argument("--duration", type=float, default=6.0, help="seconds of load per page")
    parser.add_argument("--only", default="", help="comma-separated page keys")
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "performance-run.json"),
                        help="where the raw results go (JSON); bench/report.py turns them into the doc")
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    dbs = args.dbs.split(",")
    runner = Runner(args)
    # Stopped from outside (make interrupted, a CI timeout): clean up as on any other way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    report = {"machine": machine(), "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "settings": {"connections": CONNECTIONS, "threads": THREADS, "workers": WORKERS,
                           "duration_s": args.duration, "schools_1x": SCHOOLS}, "builds": {}, "runs": {}}
    started = time.perf_counter()
    try:
        runner.start_redis()
        if "postgresql" in dbs:
            runner.start_postgres()
        for scale in scales:
            for db in dbs:
                label = f"{db}-{scale}x"
                url = (f"sqlite:///{runner.tmp}/portal-{scale}x.db" if db == "sqlite"
                       else runner.create_pg_database(f"portal_{scale}x"))
                report["builds"][label] = runner.build(url, scale, label)
                report["runs"][label] = runner.load(url, scale, label)
    finally:
        runner.cleanup()
    report["seconds"] = time.perf_counter() - started
    report["machine"]["load_after"] = os.getloadavg()
    titles = {p.key: p for p in pages({"plan": 0, "row": 0, "row_form": {}, "review_plan": 0, "board_update": 0})}
    report["titles"] = {k: {"title": p.title, "role": p.role, "path": p.path, "method": p.method,
                            "measures": p.measures} for k, p in titles.items()}
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as fh:
        json.dump(report, fh, indent=1, default=str)
    for label, run in report["runs"].items():
        scale = int(label.split("-")[1].rstrip("x"))
        print(f"\n{label}")
        print("\n".join(table(run, scale, titles)))
    print(f"\nbuilds: {json.dumps(report['builds'])}")
    print(f"raw results: {args.out} ({report['seconds'] / 60:.1f} min)")


if __name__ == "__main__":
    main()
