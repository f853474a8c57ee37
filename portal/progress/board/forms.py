"""Forms for Board updates and data review meetings."""
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from portal.kernel.dates import PLANNED, Within


class PlainDateField(DateField):
    """A date field that says one thing when it is left blank (the required message) and another
    when what was typed is not a date, instead of both at once."""

    def process_formdata(self, valuelist):
        if valuelist and not "".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


class BoardUpdateForm(FlaskForm):
    kind = SelectField("Kind of update", choices=[],
                       validators=[InputRequired(message="Choose the kind of update.")])
    school_year = StringField("School year", description="Like 2026-27.",
                              validators=[InputRequired(message="Enter the school year, like 2026-27."),
                                          Length(max=7, message="Write the school year as 2026-27.")])
    meeting_date = PlainDateField("Board meeting date", description="The day the Board hears the update.",
                                  invalid_value_message="Enter a date like 2027-03-02.",
                                  validators=[InputRequired(message="Enter the date of the Board meeting."),
                                              Within(PLANNED)])
    title = StringField("Title", description="Leave blank to use the kind and school year, like "
                                             "“Strategic Plan Mid-Year Implementation Update 2026-27”.",
                        validators=[Length(max=160, message="Keep the title under 160 characters.")])


class MeetingForm(FlaskForm):
    held_on = PlainDateField("Date of the meeting", invalid_value_message="Enter a date like 2026-10-14.",
                             validators=[InputRequired(message="Enter the date the meeting was held.")])
    held_by = SelectField("Held by", choices=[SelectChoice("central", "Central office (Tier 2 schools)"),
                                              SelectChoice("regional", "A region (Tier 3 schools)")])
    region = SelectField("Region", description="For a meeting held by a region.", choices=[])
    schools = TextAreaField("Schools that took part",
                            description="School codes, one a line or separated by commas.",
                            validators=[InputRequired(message="Enter the codes of the schools that took part.")])
    notes = TextAreaField("Notes", description="What was reviewed and agreed (optional).",
                          validators=[Length(max=2000, message="Keep the notes under 2,000 characters.")])
