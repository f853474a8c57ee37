"""Each person's choice of how they hear each kind of message their role receives: the form of the
preferences page, what it may be sent, and the Preference rows it writes (a row only where the choice
differs from the kind's default). Security messages are always sent and never a choice."""
from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from portal.extensions import db
from portal.notifications.kinds import KINDS, MODE_LABELS, MODES, Kind, for_role
from portal.notifications.models import Preference

CHOOSE = _l("Choose Straight away, In a daily digest or Off.")  # MODE_LABELS, in their order
ALWAYS = _l("Password and sign-in security messages are always sent straight away: they keep your account safe, so "
            "they cannot be switched off.")


class ModeField(RadioField):
    """How to hear one kind: one of MODES, said plainly when it is not."""

    def pre_validate(self, form) -> None:
        if self.data not in MODES:
            raise ValidationError(str(CHOOSE))


def choosable(kinds: Iterable[Kind]) -> list[Kind]:
    return [kind for kind in kinds if not kind.always]


def chosen(user_id: int) -> dict[str, str]:
    """The person's own choices, by kind (kinds left at their default have no row)."""
    return dict(db.session.execute(select(Preference.kind, Preference.mode).where(Preference.user_id == user_id)).all())


def build_form(role, current: dict[str, str]) -> FlaskForm:
    """The preferences form for `role`: a choice of MODES per kind the role hears, set to the person's."""

    class PreferencesForm(FlaskForm):
        pass

    for kind in choosable(for_role(role)):
        field = ModeField(kind.label, choices=[SelectChoice(m, MODE_LABELS[m]) for m in MODES],
                          default=current.get(kind.key, kind.default),
                          validators=[InputRequired(message=_l("Choose how to hear about this. Choose Straight away, "
                                                               "In a daily digest or Off."))])
        setattr(PreferencesForm, kind.key, field)
    return PreferencesForm()


def unexpected(names: Iterable[str], role) -> list[str]:
    """What a posted form holds besides the role's choices, each said plainly: a kind the role does not
    receive, security (never a choice), or no kind at all."""
    fields = {kind.key for kind in choosable(for_role(role))}
    problems = []
    for name in names:
        if name in fields or name == "csrf_token":
            continue
        kind = KINDS.get(name)
        if kind is not None and kind.always:
            problems.append(str(ALWAYS))
        elif kind is not None:
            problems.append(_("“%(kind)s” is not a message your role receives, so there is nothing to choose for it.",
                              kind=kind.label))
        else:
            problems.append(_("“%(name)s” is not a kind of message the portal sends.", name=name[:40]))
    return problems


def save(user_id: int, role, modes: dict[str, str]) -> int:
    """Write the person's choices (in the caller's transaction): a row where a choice differs from the
    kind's default, none where it equals it. Returns how many kinds changed."""
    rows = {p.kind: p for p in db.session.scalars(select(Preference).where(Preference.user_id == user_id))}
    changed = 0
    for kind in choosable(for_role(role)):
        mode = modes[kind.key]
        row = rows.get(kind.key)
        before = row.mode if row is not None else kind.default
        if mode == kind.default:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(Preference(user_id=user_id, kind=kind.key, mode=mode))
        else:
            row.mode = mode
        changed += mode != before
    db.session.flush()
    return changed
