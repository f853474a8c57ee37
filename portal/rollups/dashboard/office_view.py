"""One central office's dashboard: its action plans with their latest check-in (the district's
initiative grid, scoped to the office), the Measures of Success it keeps with their value, status and
pace for a school year (the scorecard's loader, rules and builder, scoped to the office), and what is
due. Who may read which office is portal.org.scope.scoped_to_office; this module only reads."""
from dataclasses import dataclass
from datetime import date

from flask_babel import force_locale, gettext, ngettext
from markupsafe import Markup
from sqlalchemy import func, select

from portal.extensions import db
from portal.kernel import i18n
from portal.kernel.formatting import long_date
from portal.kernel.i18n import N_
from portal.measures import catalog
from portal.measures import scorecard_table as table
from portal.measures import status as ms
from portal.org.models import Office
from portal.progress import reminders
from portal.progress.models import CheckIn, Initiative, Stage
from portal.rollups import data as rd
from portal.strategic_plan.models import Measure

# What is due, most pressing first.
OVERDUE, DUE, NO_CHECK_IN, NO_VALUE = reminders.OVERDUE, reminders.DUE, "no-check-in", "no-value"
# English, as the export writes them; the page translates them where it shows them.
DUE_TITLES = {OVERDUE: N_("Check-in overdue"), DUE: N_("Check-in due soon"), NO_CHECK_IN: N_("No check-in yet"),
              NO_VALUE: N_("No value for the school year")}


@dataclass
class DueItem:
    """One thing the office owes: a check-in still with it near or past its due date, an action plan
    with no check-in, or a measure with no value for the school year in view."""

    kind: str  # OVERDUE | DUE | NO_CHECK_IN | NO_VALUE
    subject: str  # the action plan's name, or the measure's code
    detail: str  # in words: what and by when
    due_on: date | None = None
    period: str = ""  # the check-in's period, or the measure's school year
    stage: Stage | None = None
    days_late: int | None = None
    check_in_id: int | None = None
    initiative_id: int | None = None
    measure_code: str = ""
    measure_text: str = ""

    @property
    def title(self) -> str:
        return DUE_TITLES[self.kind]

    def said(self) -> str:
        """The detail in the page's language (the English detail, which the export writes, as it is)."""
        if i18n.current() == i18n.DEFAULT:
            return self.detail
        if self.kind == NO_CHECK_IN:
            return gettext("No check-in started yet")
        if self.kind == NO_VALUE:
            return Markup(gettext("No value recorded for %(year)s: %(text)s")) % {
                "year": self.period, "text": i18n.english(self.measure_text)}
        if self.stage == Stage.sent_back:
            where = gettext("sent back to the office")
        else:
            stage = self.stage or Stage.sharing
            where = gettext("still at stage %(number)s (%(name)s)", number=stage.number,
                            name=gettext(stage.title).split(". ", 1)[-1].lower())
        if self.kind == OVERDUE:
            return ngettext("%(period)s check-in, due %(date)s, %(num)s day ago (%(where)s)",
                            "%(period)s check-in, due %(date)s, %(num)s days ago (%(where)s)", self.days_late or 0,
                            period=self.period, date=long_date(self.due_on), where=where)
        return gettext("%(period)s check-in, due %(date)s (%(where)s)", period=self.period,
                       date=long_date(self.due_on), where=where)


@dataclass
class OfficePage:
    """What an office's dashboard (dashboard/_office_body.html, as `view`) shows."""

    office: Office
    flt: table.ScorecardFilter  # year, pillar and status; the office is the page's own
    year: str  # the school year the measures are read for
    years: list[str]
    pillars: list[tuple[int, str]]  # the pillars the office has work in
    grid: list  # rollups.data.initiative_grid, the office's priorities only
    stages: dict[int, int]  # the latest check-ins by stage number (0: no check-in yet)
    card: dict  # scorecard_table.build_scorecard over the office's measures
    due: list[DueItem]

    @property
    def initiatives(self) -> list[tuple]:
        """(priority, initiative, check-in or None) in the grid's order."""
        return [(priority, initiative, check_in) for _pillar, priorities in self.grid
                for priority, items in priorities for initiative, check_in in items]

    @property
    def measures_total(self) -> int:
        return self.card["total"].total

    def due_count(self, *kinds: str) -> int:
        return sum(item.kind in kinds for item in self.due)


def load(office: Office, args, today: date) -> OfficePage:
    """The office's dashboard for the filters in `args` (year, pillar, status), as of `today`."""
    every = rd.initiative_grid(office.id)
    measures = catalog.load_measures(office_id=office.id)
    pillars = _pillars_with_work(every, measures)
    years = table.year_choices(measures)
    flt = table.ScorecardFilter.from_args(args, years, [], [str(number) for number, _ in pillars])
    year = flt.year or table.default_year(measures)
    if year not in years:
        years = sorted({*years, year}, reverse=True)
    grid = _pruned(every, flt.pillar)
    card = table.build_scorecard(year, measures, flt.pillar, "", flt.status)
    page = OfficePage(office=office, flt=flt, year=year, years=years, pillars=pillars, grid=grid,
                      stages={}, card=card, due=[])
    for _priority, _initiative, check_in in page.initiatives:
        number = check_in.stage.number if check_in else 0
        page.stages[number] = page.stages.get(number, 0) + 1
    shown = [m for m in measures if not flt.pillar or str(m.pillar_number) == flt.pillar]
    with force_locale(i18n.DEFAULT):  # the details in English, as the export writes them
        page.due = _due(page, shown, today)
    return page


def _pillars_with_work(grid: list, measures: list[catalog.MeasureView]) -> list[tuple[int, str]]:
    numbers = {pillar.number: pillar.name for pillar, priorities in grid if any(items for _, items in priorities)}
    numbers.update({m.pillar_number: m.pillar_name for m in measures})
    return sorted(numbers.items())


def _pruned(grid: list, pillar: str) -> list:
    """The grid without the priorities the office has no action plan in (and the pillar chosen alone)."""
    out = []
    for p, priorities in grid:
        kept = [(priority, items) for priority, items in priorities if items]
        if kept and (not pillar or str(p.number) == pillar):
            out.append((p, kept))
    return out


def _due(page: OfficePage, measures: list[catalog.MeasureView], today: date) -> list[DueItem]:
    """Check-ins still with the office that are overdue or due within reminders.AHEAD days (the
    reminders' rule), action plans with no check-in yet, and measures with no value for the year."""
    shown = {initiative.id: initiative for _priority, initiative, _check_in in page.initiatives}
    items = []
    for check_in in with_the_office([page.office.id]):
        step = reminders.standing(check_in, today)
        initiative = shown.get(check_in.initiative_id)
        if step is None or initiative is None:
            continue
        late = (today - check_in.period_end).days
        where = "sent back to the office" if check_in.stage == Stage.sent_back else f"still {check_in.stage.phrase}"
        when = f"due {long_date(check_in.period_end)}" + (f", {late} day{'' if late == 1 else 's'} ago"
                                                           if step == OVERDUE else "")
        items.append(DueItem(step, initiative.name, f"{check_in.period} check-in, {when} ({where})",
                             check_in.period_end, check_in.period, check_in.stage, late if step == OVERDUE else None,
                             check_in.id, initiative.id))
    items.sort(key=lambda item: (item.kind != OVERDUE, item.due_on or today))
    for _priority, initiative, check_in in page.initiatives:
        if check_in is None:
            items.append(DueItem(NO_CHECK_IN, initiative.name, "No check-in started yet", initiative_id=initiative.id))
    for m in measures:
        if m.status(page.year).change == ms.WORK_IN_PROGRESS:
            items.append(DueItem(NO_VALUE, m.code, f"No value recorded for {page.year}: {m.text}",
                                 period=page.year, measure_code=m.code, measure_text=m.text))
    return items


def with_the_office(office_ids: list[int]) -> list[CheckIn]:
    """The offices' check-ins still with them (stage 1, or sent back), oldest due date first."""
    return list(db.session.scalars(
        select(CheckIn).join(Initiative, CheckIn.initiative_id == Initiative.id)
        .where(Initiative.office_id.in_(office_ids), CheckIn.stage.in_(reminders.WITH_THE_OFFICE))
        .order_by(CheckIn.period_end, CheckIn.id)).all())


def office_rows(today: date) -> list[dict]:
    """Every office with how many action plans and measures it keeps and its check-ins overdue (for
    the list of offices' dashboards): four queries, however many offices there are."""
    plans = dict(db.session.execute(select(Initiative.office_id, func.count(Initiative.id))
                                    .group_by(Initiative.office_id)).all())
    kept = dict(db.session.execute(select(Measure.owner_office_id, func.count(Measure.id))
                                   .where(Measure.owner_office_id.is_not(None))
                                   .group_by(Measure.owner_office_id)).all())
    offices = list(db.session.scalars(select(Office).order_by(Office.name)).all())
    overdue: dict[int, int] = {}
    for check_in, office_id in db.session.execute(
            select(CheckIn, Initiative.office_id).join(Initiative, CheckIn.initiative_id == Initiative.id)
            .where(CheckIn.stage.in_(reminders.WITH_THE_OFFICE))).all():
        if reminders.standing(check_in, today) == OVERDUE:
            overdue[office_id] = overdue.get(office_id, 0) + 1
    return [{"office": o, "initiatives": plans.get(o.id, 0), "measures": kept.get(o.id, 0),
             "overdue": overdue.get(o.id, 0)} for o in offices]
