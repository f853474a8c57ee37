"""Forms for people and imports."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, PasswordField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from portal.kernel.policy import Role


class UserForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired(message="Enter an email address."), Length(max=254)])
    name = StringField("Name", validators=[DataRequired(message="Enter the person's name."), Length(max=120)])
    role = SelectField("Role", choices=[SelectChoice(r.value, r.title) for r in Role])
    school_code = StringField("School code", description="For principals.", validators=[Length(max=12)])
    region_code = SelectField("Region", description="For regional leaders.", choices=[])
    office_code = SelectField("Office", description="For central office staff.", choices=[])


class PasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(message="Enter a password."), Length(max=128)])
    confirm = PasswordField("Repeat the new password",
                            validators=[EqualTo("password", message="The two passwords do not match.")])


class ImportForm(FlaskForm):
    kind = RadioField("What the file holds",
                      choices=[SelectChoice("schools", "Schools"), SelectChoice("users", "People (accounts)"),
                               SelectChoice("baselines", "School baselines")],
                      default="schools")
    file = FileField("CSV file", validators=[
        FileRequired(message="Choose a CSV file to import."),
        FileAllowed(["csv"], message="Upload a .csv file (save the spreadsheet as CSV UTF-8)."),
    ])


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change something."""


class SyncForm(FlaskForm):
    """The district's whole list of people, to preview against the accounts."""

    file = FileField("The district's list of people (CSV)", validators=[
        FileRequired(message="Choose the people file to compare with the accounts."),
        FileAllowed(["csv"], message="Upload a .csv file (save the spreadsheet as CSV UTF-8)."),
    ])


class ApplySyncForm(FlaskForm):
    """Confirms a preview: the file it was made from, and the fingerprint of the changes it showed."""

    content = HiddenField(validators=[DataRequired(), Length(max=14_000_000)])
    fingerprint = HiddenField(validators=[DataRequired(), Length(min=64, max=64)])
