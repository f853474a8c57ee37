"""The annual report on a school year: a Board update of kind "annual_report", assembled by the
portal from the District Goals' results, the Measures of Success scorecard with its counts by
pillar, and the highlights of each initiative's latest check-in presented to the Board that year.

Publishing freezes it exactly as a Board update is frozen (progress.publishing): the assembled report
is stored in update.snapshot, one AuditEvent (entity "board_update", action "publish") is
written in the same transaction, and a published report is always read from its snapshot.
"""
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.kernel import clock, privacy
from portal.kernel.audit import AuditEvent
from portal.kernel.dates import PLANNED, read_date
from portal.kernel.i18n import N_
from portal.kernel.policy import SUPERINTENDENTS
from portal.measures import status as ms
from portal.measures.catalog import MeasureView, load_measures
from portal.measures.scorecard_table import Counts, build_scorecard
from portal.measures.values import year_problem
from portal.progress import documents, publishing
from portal.progress.models import BoardUpdate, CheckIn, Initiative, board_update_check_in
from portal.strategic_plan import figures as plan_figures
from portal.strategic_plan.models import Baseline, BoardMeeting, Goal, PlanSetting, Priority, SchoolLevel, StudentGroup
from portal.targets import figures

NO_VALUE = N_("No value yet")  # kept in English in the frozen report; the page translates it
KIND = "annual_report"
PROGRESS_SYMBOL = {"on_track": "✓", "at_risk": "!", "off_track": "✕"}
PROGRESS_TEXT = {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track"}


def can_edit(user) -> bool:
    return user.role in SUPERINTENDENTS


def title_for(year: str) -> str:
    return f"Annual Report {year}"


def annual_reports(user) -> list[BoardUpdate]:
    stmt = select(BoardUpdate).where(BoardUpdate.kind_code == KIND).order_by(BoardUpdate.school_year.desc())
    if not can_edit(user):
        stmt = stmt.where(BoardUpdate.published_at.is_not(None))
    return list(db.session.scalars(stmt).all())


def default_meeting_date(year: str) -> date:
    """The Board's meeting for the annual report on `year` when the calendar has one; else the
    second Tuesday of October after the year ends."""
    meeting = db.session.scalar(select(BoardMeeting.date).where(BoardMeeting.kind_code == KIND,
                                                                BoardMeeting.school_year == year))
    if meeting:
        return meeting
    first = date(clock.year_start(year) + 1, 10, 1)
    return date(first.year, 10, 1 + (1 - first.weekday()) % 7 + 7)


def create_annual_report(form, user) -> tuple[BoardUpdate | None, dict]:
    """A draft annual report for a school year, flushed with its AuditEvent; or the field errors,
    and then the caller rolls back."""
    errors: dict[str, str] = {}
    year = (form.get("school_year") or "").strip()
    problem = year_problem(year) if year else _("Enter the school year the report is on, like 2023-24.")
    if problem:
        errors["school_year"] = problem
    meeting_date, problem = read_date(form.get("meeting_date"), PLANNED, example="2024-10-08")
    if problem:
        errors["meeting_date"] = problem
    if not errors:
        start = clock.year_start(year)
        meeting_date = meeting_date or default_meeting_date(year)
        if not date(start + 1, 7, 1) <= meeting_date <= date(start + 1, 12, 31):
            errors["meeting_date"] = _("The annual report on %(year)s goes to the Board after the year ends: choose "
                                       "a date from 1 July to 31 December %(next)s.", year=year, next=start + 1)
        existing = db.session.scalar(select(BoardUpdate).where(BoardUpdate.kind_code == KIND,
                                                               BoardUpdate.school_year == year))
        if existing is not None:
            errors["school_year"] = _("%(year)s already has its annual report: “%(title)s”.", year=year,
                                      title=existing.title)
    if errors:
        return None, errors
    update = BoardUpdate(kind_code=KIND, school_year=year, meeting_date=meeting_date, title=title_for(year))
    db.session.add(update)
    try:
        db.session.flush()
    except IntegrityError:  # someone created it a moment ago
        return None, {"school_year": _("%(year)s already has its annual report.", year=year)}
    db.session.add(AuditEvent(entity="board_update", entity_id=update.id, action="create", to_state="draft",
                              actor_id=user.id, actor_role=user.role.value,
                              details={"kind": KIND, "school_year": year}))
    db.session.flush()
    return update, {}


# ---------------------------------------------------------------- assembling the report

def district_goals(year: str) -> list[dict]:
    """The four District Goals where data exists: the plan's district baselines (all students) and
    the n-weighted mean of the schools' recorded results for each year up to `year`, with the years
    whose result was computed from school results the demo made up (generated_years)."""
    everyone = db.session.scalar(select(StudentGroup.id).where(StudentGroup.code == "all"))
    if everyone is None:
        return []
    goals = db.session.scalars(select(Goal).options(selectinload(Goal.metrics)).order_by(Goal.number)).all()
    level_names = dict(db.session.execute(select(SchoolLevel.code, SchoolLevel.name)).all())
    baseline_year = db.session.scalar(select(PlanSetting.value).where(PlanSetting.key == "baseline_year"))
    baselines: dict[tuple[int, str], list[tuple[str, float]]] = {}
    for row in db.session.scalars(select(Baseline).where(Baseline.school_id.is_(None), Baseline.group_id == everyone)
                                  .order_by(Baseline.year)):
        baselines.setdefault((row.metric_id, row.level or ""), []).append((row.year, row.value))
    sums = figures.district_results()
    codes = {m.id: m.code for goal in goals for m in goal.metrics}
    results: dict[tuple[int, str], dict[str, plan_figures.Figure]] = {}
    for metric_id, code in codes.items():
        for level in ("", "elementary", "middle", "high"):
            found = {y: sums.figure(code, y, plan_figures.ALL, level) for y in sums.years(code, plan_figures.ALL, level)
                     if y <= year}
            if found:
                results[(metric_id, level)] = found
    out = []
    for goal in goals:
        metrics = []
        for metric in goal.metrics:
            keys = sorted({lv for (mid, lv) in baselines if mid == metric.id},
                          key=lambda k: ["", "elementary", "middle", "high"].index(k)
                          if k in ("", "elementary", "middle", "high") else 9)
            if not keys and (metric.id, "") in results:
                keys = [""]
            lines: list[dict[str, Any]] = []
            for key in keys:
                plan = [p for p in baselines.get((metric.id, key), [])
                        if not baseline_year or p[0] <= str(baseline_year)]
                label = level_names.get(key, key.title()) if key else "All students"
                lines.append(_goal_line(metric, key, label, plan[-1] if plan else None,
                                        results.get((metric.id, key), {})))
            if lines:
                target = metric.target_label
                if metric.target_kind == "gain" and baseline_year:
                    target = f"{target} from the {baseline_year} result"
                metrics.append({"code": metric.code, "name": metric.name, "unit": metric.unit,
                                "target_text": target, "source": metric.source, "lines": lines,
                                "has_result": any(r["year"] == year for line in lines for r in line["results"])})
        if metrics:
            out.append({"number": goal.number, "name": goal.name, "headline": goal.headline,
                        "statement": goal.statement, "metrics": metrics,
                        "has_result": any(m["has_result"] for m in metrics)})
    return out


def _goal_line(metric, key: str, label: str, published: tuple[str, float] | None,
               recorded: dict[str, "plan_figures.Figure"]) -> dict[str, Any]:
    """One line of a goal's table: the plan's published baseline (with a note where the plan states
    another figure for it) and the district's result for each year."""
    return {
        "label": label,
        "baseline": published[1] if published else None,
        "baseline_year": published[0] if published else "",
        "baseline_text": _goal_fmt(published[1], metric.unit) if published else "—",
        "baseline_label": plan_figures.published_label(published[0]) if published else "",
        "note": plan_figures.two_figures_note(metric.code, plan_figures.ALL, key, published[0], published[1])
        if published else "",
        # District-wide figures, read by the Board and published: the small-group rule holds for them too.
        "results": [{"year": y, "value": f.rounded, "text": _goal_fmt(f.value, metric.unit),
                     "students": f.n, "generated": f.generated} if not privacy.is_small(f.n) else
                    {"year": y, "value": None, "text": f"{privacy.MARK} ({privacy.NOTE})", "students": None,
                     "generated": False}
                    for y, f in sorted(recorded.items()) if f.value is not None],
        "generated_years": [y for y, f in sorted(recorded.items()) if f.value is not None and f.generated],
    }


def _goal_fmt(value: float, unit: str) -> str:
    return f"{value:.1f}%" if unit == "percent" else f"{value:+.1f} pts"


def _measure_entry(m: MeasureView, status: ms.Status, subs, year: str) -> dict:
    own = m.own.entries.get(year)
    values = []
    if own or not m.subs:
        values.append({"label": "", "value_text": m.fmt(own.value) if own else NO_VALUE,
                       "fed_from": own.fed_from if own else None, "generated": bool(own and own.generated)})
    for line, st in subs:
        entry = line.entries.get(year)
        values.append({"label": line.label, "value_text": m.fmt(entry.value) if entry else NO_VALUE,
                       "fed_from": entry.fed_from if entry else None, "generated": bool(entry and entry.generated),
                       "change": st.change,
                       "change_text": ms.TITLES[st.change]})
    return {"code": m.code, "text": m.text, "office": m.office_name, "values": values,
            "readings": [r[0].upper() + r[1:] for r in m.readings],
            "change": status.change, "change_text": ms.TITLES[status.change],
            "pace": status.pace, "pace_text": ms.TITLES[status.pace] if status.pace else ""}


def scorecard_section(year: str) -> dict:
    card = build_scorecard(year, load_measures())
    return {
        "year": year, "total": card["total"].as_dict(),
        "pillars": [{
            "number": p["number"], "name": p["name"], "counts": p["counts"].as_dict(),
            "priorities": [{"code": pr["code"], "name": pr["name"], "counts": pr["counts"].as_dict(),
                            "measures": [_measure_entry(r["measure"], r["status"], r["subs"], year)
                                         for r in pr["rows"]]}
                           for pr in p["priorities"]],
        } for p in card["pillars"]],
    }


def highlights(year: str) -> list[dict]:
    """Each initiative's latest check-in of the school year that was presented in a published
    Board update: its status, period and narrative."""
    start = clock.year_start(year)
    rows = db.session.execute(
        select(CheckIn, BoardUpdate.title, BoardUpdate.meeting_date)
        .join(board_update_check_in, board_update_check_in.c.check_in_id == CheckIn.id)
        .join(BoardUpdate, board_update_check_in.c.board_update_id == BoardUpdate.id)
        .where(BoardUpdate.published_at.is_not(None), BoardUpdate.kind_code != KIND,
               CheckIn.period_end >= date(start, 7, 1), CheckIn.period_end <= date(start + 1, 6, 30))
        .options(selectinload(CheckIn.initiative).selectinload(Initiative.office),
                 selectinload(CheckIn.initiative).selectinload(Initiative.measures),
                 selectinload(CheckIn.initiative).selectinload(Initiative.priority).selectinload(Priority.pillar))
        .order_by(CheckIn.period_end, BoardUpdate.meeting_date)).all()
    latest: dict[int, tuple] = {}
    for check_in, title, meeting_date in rows:
        latest[check_in.initiative_id] = (check_in, title, meeting_date)  # oldest first: the last one wins
    out = []
    for check_in, title, meeting_date in sorted(latest.values(), key=lambda r: (r[0].initiative.priority.code,
                                                                                r[0].initiative.name)):
        initiative = check_in.initiative
        status = check_in.status.value if check_in.status else None
        out.append({
            "initiative": initiative.name, "office": initiative.office.name,
            "priority_code": initiative.priority.code, "priority_name": initiative.priority.name,
            "pillar_number": initiative.priority.pillar.number, "period": check_in.period,
            "status": status, "status_text": PROGRESS_TEXT.get(status or "", "Not given"),
            "symbol": PROGRESS_SYMBOL.get(status or "", "?"), "narrative": check_in.narrative,
            "generated": [f for f in check_in.generated or [] if f in ("status", "narrative")],
            "measures": [m.code for m in initiative.measures],
            "board_update": title, "board_meeting": meeting_date.isoformat(), "check_in_id": check_in.id,
        })
    return out


def build_annual_report(update: BoardUpdate) -> dict:
    year = update.school_year
    notes = highlights(year)
    report = {
        "title": update.title, "kind": "Annual Report", "school_year": year,
        "meeting_date": update.meeting_date.isoformat(),
        "generated": list(update.generated or []),
        "assembled_at": clock.now_aware().strftime("%Y-%m-%d %H:%M UTC"),
        "goals": district_goals(year),
        "scorecard": scorecard_section(year),
        "highlights": notes,
        "initiative_count": len(notes),
    }
    return {**report, "has_generated": publishing.anything_generated(report)}


def report_for(update: BoardUpdate) -> dict:
    """A published report from its snapshot (with empty parts for any a Board-update snapshot lacks)."""
    if not update.published:
        return build_annual_report(update)
    empty = {"goals": [], "highlights": [], "initiative_count": 0, "assembled_at": "",
             "scorecard": {"year": update.school_year, "total": Counts().as_dict(), "pillars": []}}
    return {**empty, "title": update.title, "school_year": update.school_year,
            "meeting_date": update.meeting_date.isoformat(), **(update.snapshot or {})}


def publish_annual_report(update: BoardUpdate, user, expected_version: int | None,
                          render: documents.Renderer) -> None:
    """Freeze the assembled report in the snapshot and store the PDF and deck `render` makes from it
    (measures.scorecard.documents): the same publishing move as a Board update's."""
    def assemble() -> tuple[dict, dict]:
        report = build_annual_report(update)
        total = report["scorecard"]["total"]
        return report, {"kind": KIND, "school_year": update.school_year, "improved": total["improved"],
                        "measures": total["total"], "check_ins": [h["check_in_id"] for h in report["highlights"]]}

    publishing.publish(update, user, expected_version, assemble, render)
