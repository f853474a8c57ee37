"""Forms for people and imports."""
from flask_babel import gettext
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from markupsafe import escape
from wtforms import HiddenField, PasswordField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from portal.kernel.i18n import N_
from portal.kernel.policy import Role


class Words(LazyString):
    """Words translated when shown (lazy_gettext), escaped on a page like any other text: Flask-Babel's lazy
    string is written into a page as it is, so "person's" would not be written as the page writes it."""

    def __html__(self):
        return str(escape(str(self)))


def _l(text: str) -> Words:
    return Words(gettext, text)


# The roles' titles (kernel.policy.ROLE_TITLES), for the catalogue: the pages translate them where they show them.
ROLE_TITLES = (N_("Principal"), N_("Regional leader"), N_("Central office"), N_("Superintendent's office"),
               N_("Board member"), N_("Administrator"))
# WTForms' own English, in the catalogue so a page in another language says it too.
TOO_LONG = _l("Field cannot be longer than %(max)d characters.")


class UserForm(FlaskForm):
    email = StringField(_l("Email"), validators=[DataRequired(message=_l("Enter an email address.")),
                                                 Length(max=254, message=TOO_LONG)])
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter the person's name.")),
                                               Length(max=120, message=TOO_LONG)])
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, _l(r.title)) for r in Role])
    school_code = StringField(_l("School code"), description=_l("For principals."),
                              validators=[Length(max=12, message=TOO_LONG)])
    region_code = SelectField(_l("Region"), description=_l("For regional leaders."), choices=[])
    office_code = SelectField(_l("Office"), description=_l("For central office staff."), choices=[])


class PasswordForm(FlaskForm):
    password = PasswordField(_l("New password"),
                             validators=[DataRequired(message=_l("Enter a password.")),
                                         Length(max=128, message=TOO_LONG)])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[EqualTo("password", message=_l("The two passwords do not match."))])


class ImportForm(FlaskForm):
    kind = RadioField(_l("What the file holds"),
                      choices=[SelectChoice("schools", _l("Schools")), SelectChoice("users", _l("People (accounts)")),
                               SelectChoice("baselines", _l("School baselines"))],
                      default="schools")
    file = FileField(_l("CSV or Excel file"), description=_l(
        "A .csv file (CSV UTF-8) or an Excel .xlsx workbook; the first sheet is read."), validators=[
        FileRequired(message=_l("Choose a CSV or Excel file to import.")),
        FileAllowed(["csv", "xlsx"], message=_l("Upload a .csv file or an Excel .xlsx workbook.")),
    ])


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change something."""


class SyncForm(FlaskForm):
    """The district's whole list of people, to preview against the accounts."""

    file = FileField(_l("The district's list of people (CSV)"), validators=[
        FileRequired(message=_l("Choose the people file to compare with the accounts.")),
        FileAllowed(["csv"], message=_l("Upload a .csv file (save the spreadsheet as CSV UTF-8).")),
    ])


class ApplySyncForm(FlaskForm):
    """Confirms a preview: the file it was made from, and the fingerprint of the changes it showed."""

    content = HiddenField(validators=[DataRequired(), Length(max=14_000_000)])
    fingerprint = HiddenField(validators=[DataRequired(), Length(min=64, max=64)])
