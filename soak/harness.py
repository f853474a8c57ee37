"""Real servers for the soak tests, run as separate processes: a throwaway PostgreSQL 15 cluster,
gunicorn with several sync workers, redis and nginx; and people using the portal over HTTP, each
with their own logged-in session."""
import html
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PASSWORD = os.environ.get("DEMO_PASSWORD", "ready4world")
SECRET_KEY = secrets.token_hex(32)
PORTAL_TODAY = "2024-10-15"  # the demo's story as of the autumn of the plan's third year, as make run builds it
PGBIN = Path("/usr/lib/postgresql/15/bin")
PG_PORT = 25600  # below the kernel's ephemeral range (32768-60999): no outgoing connection can hold it
REDIS_PORT = 6390
NGINX_PORT = 8280
CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"|name="csrf_token" type="hidden" value="([^"]+)"')
VERSION_RE = re.compile(r'id="plan-version" name="version" value="(\d+)"')


def is_root() -> bool:
    return os.geteuid() == 0


def port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def wait_until(what: str, ready, timeout: float = 30, proc: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}:\n{tail(log)}")
        try:
            if ready():
                return
        except (OSError, requests.RequestException):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start within {timeout} s:\n{tail(log)}")


def tail(log: Path | None, lines: int = 40) -> str:
    if log is None or not log.exists():
        return ""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


# ---------------------------------------------------------------- PostgreSQL

class Postgres:
    """A throwaway cluster on 127.0.0.1:25600, owned by the postgres account when run as root."""

    def __init__(self, port: int = PG_PORT):
        # Not under pytest's private temporary folder: the postgres account must reach it. CI names
        # the folder (SOAK_PG_DIR) so that it can stop the cluster whatever happens to this run.
        given = os.environ.get("SOAK_PG_DIR")
        self.dir = Path(given) if given else Path(tempfile.mkdtemp(prefix="soak-pg-"))
        self.port = port
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"

    def _as_postgres(self, *cmd) -> list:
        return ["runuser", "-u", "postgres", "--", *map(str, cmd)] if is_root() else list(map(str, cmd))

    def start(self) -> "Postgres":
        if not port_free(self.port):
            raise RuntimeError(f"port {self.port} is taken: another PostgreSQL is running there")
        self.dir.mkdir(parents=True, exist_ok=True)
        self.dir.chmod(0o755)
        if is_root():
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run(self._as_postgres(PGBIN / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust",
                                         "-E", "UTF8", "--no-locale", "--no-sync"),
                       check=True, capture_output=True)
        started = subprocess.run(self._as_postgres(
            PGBIN / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-o",
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c max_connections=200", "start"),
            capture_output=True, text=True)
        if started.returncode:
            raise RuntimeError(f"PostgreSQL did not start on port {self.port}:\n{started.stdout}{started.stderr}"
                               f"\n{tail(self.log)}")
        return self

    def create_database(self, name: str) -> str:
        self.psql(f"CREATE ROLE {name} LOGIN PASSWORD '{name}'", f"CREATE DATABASE {name} OWNER {name}")
        return f"postgresql+psycopg://{name}:{name}@127.0.0.1:{self.port}/{name}"

    def psql(self, *commands: str) -> None:
        args = [str(PGBIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port),
                "-U", "postgres"]
        for command in commands:
            args += ["-c", command]
        subprocess.run(args, check=True, capture_output=True)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(self._as_postgres(PGBIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"),
                           capture_output=True)
        shutil.rmtree(self.data, ignore_errors=True)
        if not os.environ.get("SOAK_PG_DIR"):
            shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- the portal's processes

def portal_env(database_url: str, **extra: str) -> dict:
    """Production settings, over plain HTTP on 127.0.0.1 (so cookies are not Secure-only).

    Administrators' two-step sign-in is off: the soak signs the one administrator in from many
    threads within the same 30 seconds, and a one-time code is accepted once (tests/test_two_step.py
    covers two-step sign-in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "RATELIMIT_", "DATABASE_"))}
    env.update({"PORTAL_ENV": "production", "SECRET_KEY": SECRET_KEY, "DATABASE_URL": database_url,
                "SESSION_COOKIE_SECURE": "0", "FLASK_APP": "wsgi.py", "DEMO_PASSWORD": PASSWORD,
                "PORTAL_TODAY": PORTAL_TODAY, "PYTHONUNBUFFERED": "1",
                "ADMIN_TWO_STEP": "0"})
    env.update(extra)
    return env


def flask(database_url: str, *args: str) -> str:
    done = subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=portal_env(database_url),
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def build_district(database_url: str, schools: int = 30) -> None:
    """The schema, the plan and a demo district, as an operator builds them."""
    flask(database_url, "db", "upgrade")
    flask(database_url, "seed")
    flask(database_url, "demo", "--schools", str(schools))


class Gunicorn:
    """One app server: gunicorn with sync workers in its own process group (so kill -9 takes all)."""

    def __init__(self, port: int, database_url: str, logdir: Path, workers: int = 4, timeout: int = 60, **env: str):
        self.port = port
        self.env = portal_env(database_url, **env)
        self.workers = workers
        self.timeout = timeout  # gunicorn's --timeout: a worker silent this long is killed and restarted
        self.log = logdir / f"gunicorn-{port}.log"
        self.proc: subprocess.Popen | None = None
        self.kills = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Gunicorn":
        if not port_free(self.port):
            raise RuntimeError(f"port {self.port} is taken")
        out = self.log.open("a")
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(self.workers), "--worker-class", "sync", "--bind",
             f"127.0.0.1:{self.port}", "--timeout", str(self.timeout), "--graceful-timeout", "5",
             "--access-logfile", "-", "wsgi:app"],
            cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        wait_until(f"gunicorn on {self.port}", lambda: requests.get(self.url + "/healthz", timeout=2).ok,
                   timeout=60, proc=self.proc, log=self.log)
        return self

    def kill9(self) -> None:
        """kill -9 the master and every worker at once, mid-request."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self.kills += 1
        wait_until(f"port {self.port} to close", lambda: port_free(self.port), timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        except ProcessLookupError:
            pass

    def server_errors(self) -> list[str]:
        """Tracebacks the workers logged (every 500 leaves one)."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [line for line in text.splitlines() if "Traceback" in line or "Exception on " in line]


class Redis:
    """Debian's redis-server on 127.0.0.1:6390, in memory only, in the foreground."""

    def __init__(self, workdir: Path, port: int = REDIS_PORT):
        self.port = port
        self.dir = workdir
        self.log = workdir / "redis.log"
        self.proc = None

    @property
    def uri(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "Redis":
        if not port_free(self.port):
            raise RuntimeError(f"port {self.port} is taken")
        out = self.log.open("a")
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.dir), "--daemonize", "no"],
                                     stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        wait_until("redis", lambda: not port_free(self.port), proc=self.proc, log=self.log)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


NGINX_CONF = """\
{user}
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log {dir}/nginx-access.log;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream portal {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://portal;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_next_upstream off;
        }}
    }}
}}
"""


class Nginx:
    """Debian's nginx in the foreground on 127.0.0.1:8280, round-robin over the app servers."""

    def __init__(self, workdir: Path, upstreams: list[int], port: int = NGINX_PORT):
        self.dir = workdir
        self.port = port
        self.upstreams = upstreams
        self.proc = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Nginx":
        if not port_free(self.port):
            raise RuntimeError(f"port {self.port} is taken")
        self.dir.mkdir(parents=True, exist_ok=True)
        conf = self.dir / "nginx.conf"
        conf.write_text(NGINX_CONF.format(
            user="user root root;" if is_root() else "", dir=self.dir, port=self.port,
            servers="\n".join(f"        server 127.0.0.1:{p};" for p in self.upstreams)))
        log = self.dir / "nginx-error.log"
        self.proc = subprocess.Popen(["nginx", "-p", str(self.dir), "-c", str(conf), "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until("nginx", lambda: requests.get(self.url + "/healthz", timeout=2).ok, proc=self.proc, log=log)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGQUIT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


# ---------------------------------------------------------------- people

def csrf_from(page: str) -> str:
    match = CSRF_RE.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def text_of(response: requests.Response) -> str:
    """The page's words, as a person reads them (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text)))


class Person:
    """Someone at their own browser: their own cookies, logged in through the real form."""

    def __init__(self, email: str, base_url: str, password: str = PASSWORD):
        self.email = email
        self.base = base_url
        self.password = password
        self.http = requests.Session()
        self.token = ""
        self.requests = 0

    def __repr__(self) -> str:
        return f"<{self.email} at {self.base}>"

    def url(self, path: str, base: str | None = None) -> str:
        return (base or self.base) + path

    def get(self, path: str, base: str | None = None, **kw) -> requests.Response:
        self.requests += 1
        return self.http.get(self.url(path, base), allow_redirects=False, timeout=60, **kw)

    def post(self, path: str, data: dict | None = None, htmx: bool = False, base: str | None = None,
             **kw) -> requests.Response:
        headers = {"HX-Request": "true"} if htmx else {}
        self.requests += 1
        return self.http.post(self.url(path, base), data={"csrf_token": self.token, **(data or {})},
                              headers=headers, allow_redirects=False, timeout=60, **kw)

    def try_login(self, password: str | None = None, base: str | None = None) -> requests.Response:
        page = self.get("/login", base=base)
        token = csrf_from(page.text)
        self.requests += 1
        return self.http.post(self.url("/login", base), data={
            "email": self.email, "password": password or self.password, "csrf_token": token, "next": ""},
            allow_redirects=False, timeout=60)

    def login(self) -> "Person":
        response = self.try_login()
        assert response.status_code == 303, f"{self.email} could not log in: {response.status_code}"
        self.token = csrf_from(self.get("/home").text)
        return self

    def follow(self, response: requests.Response) -> requests.Response:
        return self.get(response.headers["Location"].replace(self.base, ""))

    def plan_version(self, plan_id: int) -> int:
        page = self.get(f"/targets/plans/{plan_id}")
        assert page.status_code == 200, page.status_code
        return int(VERSION_RE.search(page.text).group(1))
