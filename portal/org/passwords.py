"""Password policy: long enough, and not guessable (zxcvbn rejects common and dictionary passwords)."""
from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 128
# Words anyone would try first against this portal's accounts.
PORTAL_WORDS = ["readyfortheworld", "ready4world", "ready", "world", "district", "strategic", "portal", "school",
                "principal", "board"]


class PasswordPolicyError(ValueError):
    pass


def check_policy(password: str, email: str = "", name: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordPolicyError(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise PasswordPolicyError(f"Use at most {MAX_LENGTH} characters.")
    hints = [part for part in (email, email.split("@")[0], name) if part] + PORTAL_WORDS
    result = zxcvbn(password, user_inputs=hints)
    if result["score"] < 3:
        advice = result["feedback"].get("warning") or "It is too easy to guess."
        raise PasswordPolicyError(f"Choose a harder password. {advice}".strip())
