"""Two app servers behind nginx on one PostgreSQL, as a district that outgrows one machine runs the
portal: a session made on one works on the other, a log-out on one ends it on both, failed log-ins
are counted across both (through redis), the stored rollups agree, and the races still have one
winner each. Without the shared store the throttle would not hold: that is shown too."""
import requests
from sqlalchemy import select

from portal.kernel.policy import Role
from portal.org.models import User
from portal.targets.models import PlanStatus

from .conftest import fresh_database
from .district import cast_the_district, open_app, plan_state, reading
from .harness import Gunicorn, Nginx, Person, Redis, flask, text_of
from .races import race_everything

A, B = 8221, 8222
A_ALONE, B_ALONE = 8223, 8224
LIMIT = 5  # LOGIN_RATE_LIMIT's default: 5 failed log-ins per 5 minutes
THROTTLED = "Too many failed log-in attempts"


def failed_log_ins(email: str, servers: list[str], attempts: int) -> list[int]:
    """Someone guessing a password, each guess landing on the next server in turn."""
    guesser = Person(email, servers[0])
    return [guesser.try_login(f"guess-number-{i}", base=servers[i % len(servers)]).status_code
            for i in range(attempts)]


def test_two_servers_behind_nginx_behave_as_one(postgres, workdir, logs, figures):
    url = fresh_database("postgresql", workdir, postgres)
    app = open_app(url)
    cast = cast_the_district(app)
    # The guessers aim at regional leaders the races do not need: a leader locked out by the
    # guesses could not log in to decide their region's plans afterwards.
    racing = {email for p in cast.plan_races for email in p.leaders}
    with reading(app) as s:
        idle = [e for e in s.scalars(select(User.email).where(User.role == Role.regional_leader).order_by(User.email))
                if e not in racing]
    assert len(idle) >= 2, f"every regional leader races: {sorted(racing)}"
    guessed, guessed_alone = idle[0], idle[1]
    redis = Redis(workdir).start()
    shared = {"RATELIMIT_STORAGE_URI": redis.uri, "TRUSTED_PROXIES": "1"}
    a = b = proxy = None
    try:
        a = Gunicorn(A, url, logs, workers=2, **shared).start()
        b = Gunicorn(B, url, logs, workers=2, **shared).start()
        proxy = Nginx(workdir / "nginx", [A, B]).start()

        # A session made through nginx is good on each server directly.
        supt = Person("superintendent@district.example", proxy.url).login()
        for server in (a, b):
            home = supt.get("/home", base=server.url)
            assert home.status_code == 200 and "Superintendent" in text_of(home)

        # Logging out on one server ends the session on the other: a copied cookie is refused.
        copied = requests.Session()
        copied.cookies.update(supt.http.cookies)
        assert copied.get(b.url + "/home", allow_redirects=False).status_code == 200
        assert supt.post("/logout", base=a.url).status_code == 303
        replay = copied.get(b.url + "/home", allow_redirects=False)
        assert replay.status_code == 302 and "/login" in replay.headers["Location"]

        # Failed log-ins count across both servers: the sixth guess is refused wherever it lands,
        # and so is the right password until the window passes.
        guesses = failed_log_ins(guessed, [a.url, b.url], LIMIT + 3)
        assert guesses == [200] * LIMIT + [429] * 3
        late = Person(guessed, a.url).try_login()
        assert late.status_code == 429 and THROTTLED in text_of(late)

        # The stored rollups agree: both servers show the same dashboard, before and after a change.
        supt = Person("superintendent@district.example", proxy.url).login()
        before = [text_of(supt.get("/dashboard/", base=s.url)) for s in (a, b)]
        plan = next(p for p in cast.plan_races if plan_state(app, p.plan_id)[0] in (PlanStatus.submitted,
                                                                                     PlanStatus.approved))
        status, version = plan_state(app, plan.plan_id)
        leader = Person(plan.leaders[0], a.url).login()
        decided = leader.post(f"/review/plans/{plan.plan_id}/decide", {
            "action": "approve" if status == PlanStatus.submitted else "reopen", "version": version,
            "comment": "Reopened to check the spring data."})
        assert decided.status_code == 303
        # Until the worker recomputes, both show the figures stored before the change, saying so.
        stored = [text_of(supt.get("/dashboard/", base=s.url)) for s in (a, b)]
        assert stored[0] == stored[1] and "Figures as of" in stored[0]
        flask(url, "worker", "--once")  # the worker's turn (beside both servers)
        after = [text_of(supt.get("/dashboard/", base=s.url)) for s in (a, b)]
        assert before[0] == before[1] and after[0] == after[1] and before[0] != after[0]
        assert "Figures as of" not in after[0]

        # The races hold across the two servers: contenders reach different servers and nginx.
        ledger, seen = race_everything(app, cast, [a.url, b.url, proxy.url], plan_rounds=6, check_in_rounds=6,
                                       saves=8)
        assert not ledger.problems, "\n".join(ledger.problems[:30])
        assert seen["winners"] == seen["races"]
        assert seen["losers_told_why"] == (seen["contenders"] - seen["winners"]) + seen["shared_row_saves_refused"]
        assert seen["audit_events_written"] == (seen["plan_transitions"] + seen["check_in_transitions"]
                                                + seen["shared_row_saves_won"])
        assert not a.server_errors() and not b.server_errors()
    finally:
        for process in (proxy, a, b, redis):
            if process is not None:
                process.stop()

    # Without the shared store each server keeps its own count: a guesser who alternates between them
    # is never stopped at the limit. This is why RATELIMIT_STORAGE_URI matters. (One worker each:
    # gunicorn.conf.py will not start several workers that would each count alone.)
    alone = [Gunicorn(A_ALONE, url, logs, workers=1, RATELIMIT_STORAGE_URI="memory://"),
             Gunicorn(B_ALONE, url, logs, workers=1, RATELIMIT_STORAGE_URI="memory://")]
    try:
        for server in alone:
            server.start()
        unshared = failed_log_ins(guessed_alone, [s.url for s in alone], LIMIT + 3)
    finally:
        for server in alone:
            server.stop()
    assert unshared[LIMIT] == 200, "without a shared store the throttle should not hold across servers"

    figures["two_servers/postgresql"] = {
        **seen, "servers": 2, "workers_each": 2, "proxy": "nginx", "throttle_store": "redis",
        "failed_log_ins_with_redis": guesses, "failed_log_ins_without_shared_store": unshared,
    }
