"""Log-in throttling against someone guessing passwords: trying one password on many accounts from one
address, one account from many addresses, and many guesses sent at the same instant."""
import threading

from portal.kernel.policy import Role
from portal.org.models import User
from tests.conftest import ROLE_EMAILS, Actions, csrf_from

REFUSED = "Too many failed log-in attempts"


def person_at(app, address: str) -> Actions:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return Actions(client)


def test_one_password_tried_against_many_accounts_from_one_address_is_stopped(app, client):
    sprayer = person_at(app, "203.0.113.40")
    answers = [sprayer.login(f"staff{n}@district.example", password="Summer2026!!").status_code for n in range(24)]
    assert answers[:20] == [200] * 20  # 20 failures per address in 10 minutes
    assert answers[20:] == [429] * 4
    refused = sprayer.login(ROLE_EMAILS[Role.board])  # even the right password waits at that address
    assert refused.status_code == 429 and REFUSED in refused.get_data(as_text=True)
    assert person_at(app, "203.0.113.41").login(ROLE_EMAILS[Role.board]).status_code == 303


def test_one_account_guessed_from_many_addresses_is_stopped(app, client):
    email = ROLE_EMAILS[Role.regional_leader]
    answers = [person_at(app, f"198.51.100.{n}").login(email, password="Summer2026!!").status_code
               for n in range(12)]
    assert answers[:10] == [200] * 10  # 10 failures per account in 15 minutes, wherever they come from
    assert answers[10:] == [429, 429]
    assert person_at(app, "198.51.100.200").login(email).status_code == 429
    assert person_at(app, "198.51.100.201").login(ROLE_EMAILS[Role.board]).status_code == 303


def test_attempts_refused_at_the_limit_do_not_use_up_another_accounts_allowance(app, client):
    sprayer = person_at(app, "203.0.113.60")
    for n in range(20):
        sprayer.login(f"nobody{n}@district.example", password="Summer2026!!")
    email = ROLE_EMAILS[Role.superintendent]
    assert all(sprayer.login(email, password="Summer2026!!").status_code == 429 for _ in range(12))
    # The account's owner, elsewhere, is not locked out by guesses that were never checked.
    assert person_at(app, "203.0.113.61").login(email).status_code == 303


def test_guesses_sent_at_the_same_instant_are_counted_before_any_password_is_checked(app, client, monkeypatch):
    checked = []
    real_check = User.check_password

    def slow_check(user, password):
        checked.append(password)
        threading.Event().wait(0.05)  # a password hash takes time: every guess is in flight together
        return real_check(user, password)

    monkeypatch.setattr(User, "check_password", slow_check)
    guessers = [person_at(app, "203.0.113.80") for _ in range(30)]
    tokens = [csrf_from(g.client.get("/login").get_data(as_text=True)) for g in guessers]
    start = threading.Barrier(len(guessers))
    answers: list[int] = []

    def guess(person: Actions, token: str) -> None:
        start.wait()
        answers.append(person.client.post("/login", data={
            "email": ROLE_EMAILS[Role.central_office], "password": "Summer2026!!", "csrf_token": token}).status_code)

    threads = [threading.Thread(target=guess, args=pair) for pair in zip(guessers, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checked) == 5  # the limit for one address and one account
    assert sorted(answers) == [200] * 5 + [429] * 25
