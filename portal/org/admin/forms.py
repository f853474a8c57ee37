"""Forms for people and imports."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from portal.models import Role


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


class CycleForm(FlaskForm):
    school_year = StringField("School year", description="Like 2023-24.",
                              validators=[DataRequired(message="Enter the school year, like 2023-24."), Length(max=7)])
    kind = SelectField("Kind", choices=[
        SelectChoice("trajectory", "Set 2026 targets with a trajectory"),
        SelectChoice("annual", "Set this year's target from the approved trajectory"),
    ])
    name = StringField("Name shown to principals", validators=[DataRequired(message="Give the cycle a name."),
                                                                Length(max=120)])
    opens_on = DateField("Opens on", validators=[DataRequired(message="Enter the date the window opens.")])
    due_on = DateField("Due on", validators=[DataRequired(message="Enter the due date.")])
    closes_on = DateField("Closes on", description="After this date principals can no longer edit.",
                          validators=[DataRequired(message="Enter the date the window closes.")])


class ExtensionForm(FlaskForm):
    school_code = StringField("School code", validators=[DataRequired(message="Enter the school's code."),
                                                         Length(max=12)])
    until = DateField("Extend until", validators=[DataRequired(message="Enter the last day the school may edit.")])
    reason = TextAreaField("Reason", validators=[DataRequired(message="Give the reason for the extension."),
                                                 Length(max=500)])
