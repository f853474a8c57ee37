"""An e-mail built from the notifications it carries, and the SMTP connection it leaves by.

Every header value that holds words from people (a name, a subject made from a school's name) is
reduced to one line before it is set, and the standard library's SMTP policy refuses any header
that still holds a line break, so no name or comment can add a header. Comments only ever appear in
the body."""
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale, ngettext

from portal.kernel import clock, i18n
from portal.kernel.addresses import is_address
from portal.notifications.models import OutboxEmail

PREFERENCES_PATH = "/notifications/preferences"


class BadAddress(ValueError):
    """The person's address cannot be written in an e-mail header: no server would take it."""


def one_line(text: str, limit: int = 200) -> str:
    """`text` as a header may hold it: every control character (line breaks above all) a space."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())[:limit]


def address(name: str, addr_spec: str) -> Address:
    """The header's address; BadAddress when `addr_spec` is not one (a person imported with a malformed
    address before the import checked, say): that e-mail fails, and no other with it."""
    if not is_address(addr_spec):
        raise BadAddress(f"{addr_spec!r} is not an e-mail address a server would take.")
    return Address(display_name=one_line(name, 120), addr_spec=addr_spec)


def base_url() -> str:
    return current_app.config["PORTAL_BASE_URL"].rstrip("/")


def compose(email: OutboxEmail) -> EmailMessage:
    """The e-mail for an outbox row: one notification's message, or the digest of several, in the
    recipient's language: its greeting, wrapper and footer, a digest's subject, and the notifications'
    own subjects and texts, which notify() wrote in that language when it stored them."""
    with force_locale(i18n.for_person(email.user)):
        return _compose(email)


def _compose(email: OutboxEmail) -> EmailMessage:
    notes = email.notifications
    base = base_url()
    sender = current_app.config["MAIL_SENDER"]
    context: dict[str, Any]
    if len(notes) == 1:
        subject = notes[0].subject
        context = {"note": notes[0]}
        template = "notifications/email/message"
    else:
        subject = ngettext("Your daily digest from the Ready for the World portal: %(num)s update",
                           "Your daily digest from the Ready for the World portal: %(num)s updates", len(notes))
        context = {"notes": notes}
        template = "notifications/email/digest"
    context.update(base=base, person=email.user, preferences=base + PREFERENCES_PATH, lang=i18n.current())
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = one_line(subject)
    msg["From"] = address(current_app.config["MAIL_SENDER_NAME"], sender)
    msg["To"] = address(email.user.name, email.to_address)
    msg["Date"] = format_datetime(clock.now_aware())
    msg["Message-ID"] = f"<{email.key}@{sender.rpartition('@')[2] or 'portal'}>"
    msg["List-Unsubscribe"] = f"<{base}{PREFERENCES_PATH}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(render(template + ".txt", context))
    msg.add_alternative(render(template + ".html", context), subtype="html")
    return msg


def render(name: str, context: dict) -> str:
    """A mail template with only what it is given: it is drawn by the worker, outside any request, so
    none of the pages' context (the person signed in, the navigation) applies."""
    return current_app.jinja_env.get_template(name).render(**context)


@dataclass
class Settings:
    server: str
    port: int
    security: str  # none | starttls | ssl
    username: str
    password: str
    timeout: float

    @classmethod
    def from_config(cls, config) -> "Settings":
        return cls(config["MAIL_SERVER"], int(config["MAIL_PORT"]), config["MAIL_SECURITY"],
                   config["MAIL_USERNAME"], config["MAIL_PASSWORD"], float(config["MAIL_TIMEOUT"]))


class Connection:
    """One SMTP session, opened on the first message and kept for the batch."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def send(self, msg: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = self._open()
        self.smtp.send_message(msg)

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        smtp: smtplib.SMTP
        if s.security == "ssl":
            smtp = smtplib.SMTP_SSL(s.server, s.port, timeout=s.timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(s.server, s.port, timeout=s.timeout)
            if s.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if s.username:
            smtp.login(s.username, s.password)
        return smtp

    def drop(self) -> None:
        """Forget a session that failed: the next message opens a new one."""
        if self.smtp is not None:
            try:
                self.smtp.close()
            finally:
                self.smtp = None

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            finally:
                self.smtp = None
