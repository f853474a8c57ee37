"""Password policy: long enough, not a known password, and not guessable.

zxcvbn scores a password by how many guesses it would take, from its lists of leaked passwords (the
30,000 most common of a 10-million-password breach corpus), words, names and patterns. Its score lets
through the most common shape of a breached password, one word dressed with a year and symbols
(`Summer2026!!`, `P@ssw0rd2026!`), which password-spraying tries first; so a password whose letters,
once the digits and symbols around them are taken off and look-alike digits read as letters, are a
single listed word is refused as well."""
import re

from flask_babel import gettext
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from portal.kernel import i18n
from portal.kernel.i18n import N_

MIN_LENGTH = 12
MAX_LENGTH = 128
# Words anyone would try first against this portal's accounts.
PORTAL_WORDS = ["readyfortheworld", "ready4world", "ready", "world", "district", "strategic", "portal", "school",
                "principal", "board", "lausd", "losangeles", "unified"]

# Every word of zxcvbn's lists (leaked passwords, common English words, names, film and television)
# of three letters or more, and the portal's own words.
WORDS = frozenset(w for words in FREQUENCY_LISTS.values() for w in words if len(w) >= 3 and w.isalpha()) \
    | frozenset(PORTAL_WORDS)
_LOOK_ALIKES = str.maketrans("0134578@$!", "oieastbasi")
_DRESSING = re.compile(r"^[^a-z]*(?P<core>.*?)[^a-z]*$", re.DOTALL)
DRESSED_WORD = N_("A single word with numbers or symbols added (like Summer2026!!) is among the first passwords "
                  "attackers try. Choose a few unrelated words instead.")


def dressed_word(password: str) -> bool:
    """One listed word with digits and symbols around it: `Summer2026!!`, `P@ssw0rd2026!`, `!Dragon99`."""
    match = _DRESSING.match(password.lower())
    core = match["core"] if match else ""
    return core.translate(_LOOK_ALIKES) in WORDS


class PasswordPolicyError(ValueError):
    pass


def check_policy(password: str, email: str = "", name: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordPolicyError(gettext("Use at least %(num)s characters.", num=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise PasswordPolicyError(gettext("Use at most %(num)s characters.", num=MAX_LENGTH))
    if dressed_word(password):
        raise PasswordPolicyError(gettext(DRESSED_WORD))
    hints = [part for part in (email, email.split("@")[0], name) if part] + PORTAL_WORDS
    result = zxcvbn(password, user_inputs=hints)
    if result["score"] < 3:
        # zxcvbn's own advice is in English: a reader in another language gets the portal's words alone.
        advice = result["feedback"].get("warning") if i18n.current() == i18n.DEFAULT else ""
        raise PasswordPolicyError(f"{gettext('Choose a harder password.')} "
                                  f"{advice or gettext('It is too easy to guess.')}")
