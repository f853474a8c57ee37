"""The district's organisation: Local Districts (regions), central offices, schools, people."""
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from portal.extensions import Model, db
from portal.kernel import clock
from portal.kernel.policy import Role

LEVELS = ("elementary", "middle", "high", "span")
# A password hash no password matches: accounts imported before anyone sets their password.
UNUSABLE_PASSWORD = "!unset"


# A hash no real password is checked against: an address without an account, or an account without a
# password, takes as long to refuse as a wrong password, so the time of the answer tells nothing.
_NO_PASSWORD = generate_password_hash(secrets.token_hex(16))


def check_no_password(password: str) -> bool:
    """Spend a real password check's time, and refuse."""
    check_password_hash(_NO_PASSWORD, password)
    return False

class Region(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    short_name: Mapped[str] = mapped_column(String(40))

    schools: Mapped[list["School"]] = relationship(back_populates="region")

    def __repr__(self) -> str:
        return f"<Region {self.code}>"


class Office(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))


class School(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    level: Mapped[str] = mapped_column(String(12), index=True)
    grade_low: Mapped[int]  # 0 = kindergarten
    grade_high: Mapped[int]
    enrolment: Mapped[int]
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    # 1 = every school; 2 = priority school supported centrally; 3 = supported by its region.
    priority_tier: Mapped[int] = mapped_column(default=1)

    region: Mapped[Region] = relationship(back_populates="schools")

    @property
    def grade_span(self) -> str:
        low = "K" if self.grade_low == 0 else str(self.grade_low)
        return f"{low}-{self.grade_high}"

    def __repr__(self) -> str:
        return f"<School {self.code} {self.name}>"


class User(UserMixin, Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(db.Enum(Role, native_enum=False, length=20))
    password_hash: Mapped[str] = mapped_column(String(255))
    # Changes on log-out, password change and disabling, so an old session cookie stops working.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=lambda: secrets.token_hex(16))
    active: Mapped[bool] = mapped_column(default=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    last_login_at: Mapped[datetime | None]
    # Two-step sign-in for password log-ins (portal/auth/mfa.py): the authenticator app's shared secret,
    # when it was confirmed with a first code, and the last time step whose code was used (never twice).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]
    # The language the person chose for the portal and its e-mails (portal/kernel/i18n.py); None: the
    # browser's, for the pages, and English for e-mail.
    language: Mapped[str | None] = mapped_column(String(8))

    school: Mapped[School | None] = relationship()
    region: Mapped[Region | None] = relationship()
    office: Mapped[Office | None] = relationship()

    # Flask-Login
    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        if self.password_hash.startswith("!"):
            return check_no_password(password)
        return check_password_hash(self.password_hash, password)

    def end_sessions(self) -> None:
        self.session_token = secrets.token_hex(16)

    @property
    def scope_label(self) -> str:
        if self.school is not None:
            return self.school.name
        if self.region is not None:
            return self.region.name
        if self.office is not None:
            return self.office.name
        return "District"

    @classmethod
    def by_email(cls, email: str):
        return select(cls).where(cls.email == email.strip().lower())


class RecoveryCode(Model):
    """One of a person's single-use recovery codes for two-step sign-in, kept only as its hash."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]
