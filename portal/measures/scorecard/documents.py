"""An annual report's PDF and slide deck, made when it is published from the frozen report (the page's
own partial, and a deck of its parts: the year at a glance, the District Goals with a chart of each
metric's path, the scorecard by pillar and the initiatives' highlights). progress.publishing stores them
with their SHA-256."""
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.kernel.formatting import long_date
from portal.measures import annual_reports as ar
from portal.measures import status as ms
from portal.progress import documents, slides
from portal.progress.board.documents import print_page
from portal.progress.models import BoardUpdate
from portal.strategic_plan.translations import plan_text

COUNT_KEYS = ("total", "improved", "no_change", "declined", "work_in_progress", "on_track", "behind")


def render(update: BoardUpdate) -> dict[str, bytes]:
    report = ar.report_for(update)
    pdf = documents.pdf_from(print_page("scorecard/document.html", update, report))
    return {documents.PDF: pdf, documents.DECK: documents.deck_bytes(lambda: deck(update, report))}


def _text(kind: str, code, english: str) -> str:
    return str(plan_text(kind, code, "name", english))


def _glance(prs, report: dict) -> None:
    card = report["scorecard"]
    header = [_("Pillar"), _("Measures"), _("Improved"), _("No change"), _("Declined"), _("Work in progress"),
              _("On track"), _("Behind")]
    rows = [[f"{p['number']}. {_text('pillar', p['number'], p['name'])}"] + [str(p["counts"][k]) for k in COUNT_KEYS]
            for p in card["pillars"]]
    rows.append([_("All pillars")] + [str(card["total"][k]) for k in COUNT_KEYS])
    slides.table_slide(prs, _("%(year)s at a glance", year=report["school_year"]), header, rows)


def _goals(prs, report: dict) -> None:
    for goal in report["goals"]:
        points: list[slides.Point] = []
        for metric in goal["metrics"]:
            lines = []
            for line in metric["lines"]:
                results = "; ".join(f"{r['year']}: {r['text']}" for r in line["results"])
                lines.append(f"{line['label']}: {_('Baseline')} {line['baseline_text']}" +
                             (f"; {results}" if results else ""))
            points.append((f"{metric['name']} ({metric['target_text']})", lines))
        slides.points_slide(prs, f"{_('Goal %(number)s', number=goal['number'])}: {goal['name']}", points,
                            notes=goal.get("statement") or "", size=16)
        for metric in goal["metrics"]:
            _metric_chart(prs, goal, metric)


def _metric_chart(prs, goal: dict, metric: dict) -> None:
    """A District Goal metric's path: each line from its baseline through the years' results. A result
    withheld for a small group is a gap, as on the page; a metric with no result yet has no chart."""
    if not any(r["value"] is not None for line in metric["lines"] for r in line["results"]):
        return
    years = sorted({line["baseline_year"] for line in metric["lines"] if line["baseline"] is not None}
                   | {r["year"] for line in metric["lines"] for r in line["results"]})
    lines = {}
    for line in metric["lines"]:
        values = {r["year"]: r["value"] for r in line["results"]}
        if line["baseline"] is not None:
            values.setdefault(line["baseline_year"], line["baseline"])
        lines[line["label"]] = [values.get(year) for year in years]
    slides.chart_slide(prs, f"{_('Goal %(number)s', number=goal['number'])}: {metric['name']}", years, lines,
                       notes=f"{metric['name']} ({metric['target_text']})")


def _value(value: dict) -> str:
    text = _("No value yet") if value["value_text"] == ar.NO_VALUE else value["value_text"]
    return f"{value['label']}: {text}" if value["label"] else text


def _scorecard(prs, report: dict) -> None:
    for pillar in report["scorecard"]["pillars"]:
        points: list[slides.Point] = []
        for pr in pillar["priorities"]:
            head = ngettext("%(improved)s of %(num)s measure improved", "%(improved)s of %(num)s measures improved",
                            pr["counts"]["total"], improved=pr["counts"]["improved"])
            points.append((f"{pr['code']} {_text('priority', pr['code'], pr['name'])}: {head}", [
                f"{m['code']} {', '.join(_value(v) for v in m['values'])}: {_(ms.TITLES[m['change']])}" +
                (f", {_(ms.TITLES[m['pace']])}" if m.get("pace") else "") for m in pr["measures"]]))
        slides.points_slide(prs, f"{_('Pillar %(number)s:', number=pillar['number'])} "
                                 f"{_text('pillar', pillar['number'], pillar['name'])}", points, size=14)


def _highlights(prs, report: dict) -> None:
    for h in report["highlights"]:
        slides.points_slide(prs, h["initiative"], [
            (f"{_('Status')}: {h['symbol']} {_(h['status_text'])}", []),
            (f"{_('Priority')}: {h['priority_code']} {_text('priority', h['priority_code'], h['priority_name'])}", []),
            (f"{_('Office')}: {h['office']}", []), (f"{_('Reporting period')}: {h['period']}", []),
            (f"{_('Presented in')}: {h['board_update']}, {long_date(h['board_meeting'])}", [])],
            notes=h.get("narrative") or "")


def deck(update: BoardUpdate, report: dict):
    prs = slides.deck()
    slides.title_slide(prs, report.get("title") or update.title, [
        f"{_('Board of Education')} · {_('Annual Report')} · {report['school_year']}",
        _("Board meeting of %(date)s", date=long_date(report["meeting_date"])),
        _("Published on %(date)s", date=long_date(update.published_at)) if update.published_at else ""])
    _glance(prs, report)
    _goals(prs, report)
    _scorecard(prs, report)
    _highlights(prs, report)
    return prs
