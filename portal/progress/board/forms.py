"""Forms for Board updates and data review meetings."""
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
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
            raise ValueError(gettext("Enter a date like %(date)s.", date=calendar.example_date(*self.example))) from exc


class BoardUpdateForm(FlaskForm):
    kind = SelectField(_l("Kind of update"), choices=[],
                       validators=[InputRequired(message=_l("Choose the kind of update."))])
    school_year = StringField(_l("School year"), validators=[InputRequired(message=_l("Enter the school year."))])
    meeting_date = PlainDateField(_l("Board meeting date"), example_month=3, example_day=4,
                                  validators=[InputRequired(message=_l("Enter the date of the Board meeting.")),
                                              Within(PLANNED)])
    title = StringField(_l("Title"), validators=[Length(max=160, message=_l("Keep the title under 160 characters."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        years, example = calendar.plan_years(), calendar.example_year()
        self.school_year.description = (
            gettext("A school year of the plan, from %(first)s to %(last)s, like %(example)s.", first=years[0],
                    last=years[-1], example=example) if years else gettext("Like %(example)s.", example=example))
        self.meeting_date.description = gettext("The day the Board hears the update, in its school year (an annual "
                                                "report: in the fall after the year ends).")
        self.title.description = gettext("Leave blank to use the kind and school year, like “Strategic Plan "
                                         "Mid-Year Implementation Update %(example)s”.", example=example)


class MeetingForm(FlaskForm):
    held_on = PlainDateField(_l("Date of the meeting"), example_month=10, example_day=14,
                             validators=[InputRequired(message=_l("Enter the date the meeting was held.")),
                                         calendar.InPlan()])
    held_by = SelectField(_l("Held by"), choices=[SelectChoice("central", _l("Central office (Tier 2 schools)")),
                                                  SelectChoice("regional", _l("A region (Tier 3 schools)"))])
    region = SelectField(_l("Region"), description=_l("For a meeting held by a region."), choices=[])
    schools = TextAreaField(_l("Schools that took part"),
                            description=_l("School codes, one a line or separated by commas."),
                            validators=[InputRequired(message=_l("Enter the codes of the schools that took part."))])
    notes = TextAreaField(_l("Notes"), description=_l("What was reviewed and agreed (optional)."),
                          validators=[Length(max=2000, message=_l("Keep the notes under 2,000 characters."))])
