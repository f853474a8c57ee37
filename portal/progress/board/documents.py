"""A Board update's PDF and slide deck, made when it is published from the frozen report (the same
presentation and partial the page uses): progress.publishing stores them with their SHA-256."""
from flask import current_app, has_request_context, render_template
from flask_babel import gettext as _

from portal.progress import documents, slides
from portal.progress.board.report import present
from portal.progress.board.updates import long_date
from portal.progress.models import BoardUpdate
from portal.progress.wording import helpers
from portal.strategic_plan.translations import plan_text


def print_page(template: str, update: BoardUpdate, report: dict) -> str:
    """The report's print page (the page's own partial, read-only, with a table of contents)."""
    context = {"update": update, "report": report, "editing": False, "problem": "", "message": "",
               "long_date": long_date, **helpers()}  # the Board pages' helpers, whichever page publishes
    if has_request_context():
        return render_template(template, **context)
    with current_app.test_request_context():  # published by the demo or a script: templates still read a request
        return render_template(template, **context)


def render(update: BoardUpdate) -> dict[str, bytes]:
    report = present(update.snapshot or {})
    pdf = documents.pdf_from(print_page("board/document.html", update, report))
    return {documents.PDF: pdf, documents.DECK: documents.deck_bytes(lambda: deck(update, report))}


def _status(item: dict) -> str:
    return f"{item['symbol']} {_(item['status_text'])}"


def _figures(metric: dict) -> list[str]:
    """Each breakdown's figure this period, with the baseline and target where the plan has them."""
    out = []
    for row in metric["table_rows"]:
        extra = [f"{metric.get('baseline_label') or _('Baseline')} {row['baseline_text']}" if row["baseline_text"]
                 else "", f"{metric.get('target_label') or _('Target')} {row['target_text']}" if row["target_text"]
                 else ""]
        tail = "; ".join(e for e in extra if e)
        out.append(f"{row['label']}: {row['value_text']}" + (f" ({tail})" if tail else ""))
    return out


def _initiative_slides(prs, item: dict) -> None:
    points: list[slides.Point] = [(f"{_('Status')}: {_status(item)}", []),
                                  (f"{_('Office')}: {item['office']}", []),
                                  (f"{_('Reporting period')}: {item['period']}", [])]
    points += [(metric["name"], _figures(metric)) for metric in item["metrics"]]
    if item.get("decisions"):
        points.append((_("Decisions with the superintendent:"), [item["decisions"]]))
    slides.points_slide(prs, item["name"], points, notes=item.get("narrative") or "", size=16)
    for metric in item["metrics"]:
        if metric["chart"] is None:
            continue
        path = {s["breakdown"] or metric["name"]: {point[0]: point[1] for point in s["points"]}
                for s in metric["series"]}
        slides.chart_slide(prs, f"{item['name']}: {metric['name']}", metric["periods"],
                           {name: [points_of.get(p) for p in metric["periods"]] for name, points_of in path.items()},
                           notes=metric["chart"].description)


def deck(update: BoardUpdate, report: dict):
    prs = slides.deck()
    slides.title_slide(prs, report.get("title") or update.title, [
        f"{_('Board of Education')} · {report.get('kind', '')} · {report.get('school_year', '')}",
        _("Board meeting of %(date)s", date=report.get("meeting_date_text", "")),
        _("Published on %(date)s", date=long_date(update.published_at)) if update.published_at else ""])
    for pillar in report.get("pillars", []):
        name = str(plan_text("pillar", pillar["number"], "name", pillar["name"]))
        slides.points_slide(prs, f"{_('Pillar %(number)s:', number=pillar['number'])} {name}", [
            (f"{priority['code']} {str(plan_text('priority', priority['code'], 'name', priority['name']))}",
             [f"{item['name']}: {_status(item)}" for item in priority["initiatives"]])
            for priority in pillar["priorities"]])
        for priority in pillar["priorities"]:
            for item in priority["initiatives"]:
                _initiative_slides(prs, item)
    return prs
