"""Many people acting on the same records at once, against gunicorn with four workers, on SQLite
and on PostgreSQL: one wins each race, every other is told why, nothing is lost, and the audit
trail holds exactly the changes that were made."""
from .district import cast_the_district
from .harness import Gunicorn
from .races import race_everything

PORTS = {"sqlite": 8201, "postgresql": 8202}
PLAN_ROUNDS = 8
CHECK_IN_ROUNDS = 8
SAVES = 10


def test_people_racing_on_the_same_records_never_lose_a_change(district, logs, figures, throttle_store):
    kind, url, app = district
    cast = cast_the_district(app)
    server = Gunicorn(PORTS[kind], url, logs, workers=4, RATELIMIT_STORAGE_URI=throttle_store).start()
    try:
        ledger, seen = race_everything(app, cast, [server.url], PLAN_ROUNDS, CHECK_IN_ROUNDS, SAVES)
    finally:
        server.stop()

    assert not ledger.problems, "\n".join(ledger.problems[:30])
    assert not server.server_errors(), "\n".join(server.server_errors()[:10])
    assert not [s for s in ledger.statuses if s >= 500]
    # One winner a race; everyone else in the race was told why.
    assert seen["winners"] == seen["races"]
    assert seen["losers_told_why"] == (seen["contenders"] - seen["winners"]) + seen["shared_row_saves_refused"]
    # The audit trail holds one event per change that succeeded, and no other.
    assert seen["audit_events_written"] == (seen["plan_transitions"] + seen["check_in_transitions"]
                                            + seen["shared_row_saves_won"])
    assert seen["shared_row_saves_won"] >= 1 and seen["shared_row_saves_refused"] >= 1
    figures[f"concurrency/{kind}"] = seen
