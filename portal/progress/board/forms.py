"""Forms for Board updates and data review meetings."""
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from portal.kernel.dates import PLANNED, Within
from portal.strategic_plan import calendar


class PlainDateField(DateField):
    """A date field that says one thing when it is left blank (the required message) and another
    when what was typed is not a date ("Enter a date like …", with a date of the plan's example year
    in `example_month` and `example_day`), instead of both at once."""

    def __init__(self, label=None, validators=None, example_month: int = 3, example_day: int = 4, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.example = (example_month, example_day)

    def process_formdata(self, valuelist):
        if valuelist and not "".join(valuelist).strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(f"Enter a date like {calendar.example_date(*self.example)}.") from exc


class BoardUpdateForm(FlaskForm):
    kind = SelectField("Kind of update", choices=[],
                       validators=[InputRequired(message="Choose the kind of update.")])
    school_year = StringField("School year", validators=[InputRequired(message="Enter the school year.")])
    meeting_date = PlainDateField("Board meeting date", example_month=3, example_day=4,
                                  validators=[InputRequired(message="Enter the date of the Board meeting."),
                                              Within(PLANNED)])
    title = StringField("Title", validators=[Length(max=160, message="Keep the title under 160 characters.")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        years, example = calendar.plan_years(), calendar.example_year()
        self.school_year.description = (f"A school year of the plan, from {years[0]} to {years[-1]}, like {example}."
                                        if years else f"Like {example}.")
        self.meeting_date.description = ("The day the Board hears the update, in its school year (an annual "
                                          "report: in the fall after the year ends).")
        self.title.description = ("Leave blank to use the kind and school year, like "
                                  f"“Strategic Plan Mid-Year Implementation Update {example}”.")


class MeetingForm(FlaskForm):
    held_on = PlainDateField("Date of the meeting", example_month=10, example_day=14,
                             validators=[InputRequired(message="Enter the date the meeting was held."),
                                         calendar.InPlan()])
    held_by = SelectField("Held by", choices=[SelectChoice("central", "Central office (Tier 2 schools)"),
                                              SelectChoice("regional", "A region (Tier 3 schools)")])
    region = SelectField("Region", description="For a meeting held by a region.", choices=[])
    schools = TextAreaField("Schools that took part",
                            description="School codes, one a line or separated by commas.",
                            validators=[InputRequired(message="Enter the codes of the schools that took part.")])
    notes = TextAreaField("Notes", description="What was reviewed and agreed (optional).",
                          validators=[Length(max=2000, message="Keep the notes under 2,000 characters.")])
