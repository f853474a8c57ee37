"""Forms for target cycles: open a cycle, extend one school's window."""
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from portal.kernel.dates import PLANNED, Within


class CycleForm(FlaskForm):
    school_year = StringField("School year", description="Like 2023-24.",
                              validators=[DataRequired(message="Enter the school year, like 2023-24."), Length(max=7)])
    kind = SelectField("Kind", choices=[
        SelectChoice("trajectory", "Set 2026 targets with a trajectory"),
        SelectChoice("annual", "Set this year's target from the approved trajectory"),
    ])
    name = StringField("Name shown to principals", validators=[DataRequired(message="Give the cycle a name."),
                                                                Length(max=120)])
    opens_on = DateField("Opens on", validators=[DataRequired(message="Enter the date the window opens."),
                                                 Within(PLANNED)])
    due_on = DateField("Due on", validators=[DataRequired(message="Enter the due date."), Within(PLANNED)])
    closes_on = DateField("Closes on", description="After this date principals can no longer edit.",
                          validators=[DataRequired(message="Enter the date the window closes."), Within(PLANNED)])


class ExtensionForm(FlaskForm):
    school_code = StringField("School code", validators=[DataRequired(message="Enter the school's code."),
                                                         Length(max=12)])
    until = DateField("Extend until", validators=[DataRequired(message="Enter the last day the school may edit."),
                                                  Within(PLANNED)])
    reason = TextAreaField("Reason", validators=[DataRequired(message="Give the reason for the extension."),
                                                 Length(max=500)])
