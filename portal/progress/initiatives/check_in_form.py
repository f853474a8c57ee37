"""The check-in form: the office's values (a field per metric and breakdown, named by metric id and
breakdown position), status, narrative and evidence links, read into a CheckInEntry with an error
at each field that cannot be used."""

from flask_babel import gettext as _

from portal.kernel import clock
from portal.kernel.formatting import count
from portal.progress.check_ins import MAX_TEXT, CheckInEntry, breakdowns, initiative_values, parse_date
from portal.progress.models import CheckIn, Progress, ProgressMetric
from portal.targets.guardrails import parse_number

MAX_LINKS = 10
MAX_LABEL = 200


def read_check_in(check_in: CheckIn, form) -> tuple[CheckInEntry, dict[str, str]]:
    errors: dict[str, str] = {}
    entry = CheckInEntry()
    _as_of, problem = parse_date(form.get("as_of"))
    if problem:
        errors["as_of"] = problem
    reported = initiative_values(check_in.initiative)  # earlier periods' breakdowns are offered again
    for metric in check_in.initiative.metrics:
        _read_metric(check_in, metric, reported, form, entry, errors)
    status = (form.get("status") or "").strip()
    if status and status not in {p.value for p in Progress}:
        errors["status"] = _("Choose on track, at risk or off track.")
    entry.status = Progress(status) if status and "status" not in errors else None
    entry.narrative = (form.get("narrative") or "").strip()
    if len(entry.narrative) > MAX_TEXT:
        errors["narrative"] = _("Keep the narrative under %(num)s characters.", num=count(MAX_TEXT))
    entry.evidence, problem = parse_links(form.get("evidence") or "")
    if problem:
        errors["evidence"] = problem
    return entry, errors


def _read_metric(check_in: CheckIn, metric: ProgressMetric, reported, form, entry: CheckInEntry,
                 errors: dict[str, str]) -> None:
    keys = breakdowns(metric, reported)
    extra = (form.get(f"new-breakdown-{metric.id}") or "").strip()
    if extra:
        if len(extra) > 80:
            errors[f"new-breakdown-{metric.id}"] = _("Keep the breakdown name under 80 characters.")
        elif extra not in keys:
            keys = [*keys, extra]
    for index, key in enumerate(keys):
        field = f"value-{metric.id}-{index}" if not (extra and key == extra) else f"value-{metric.id}-new"
        value, problem = _read_value(metric, form.get(field))
        if problem is None and value is not None:
            as_of, problem = parse_date(form.get(f"as_of-{metric.id}-{index}") or form.get("as_of"))
            # A value with no date of its own is as of the period's last day, or today while the period runs.
            entry.values[(metric.id, key)] = (value, as_of or min(check_in.period_end, clock.today()))
        if problem:
            errors[field] = problem


def _read_value(metric: ProgressMetric, raw) -> tuple[float | None, str | None]:
    value, problem = parse_number(raw)
    if problem or value is None:
        return None, problem
    if metric.unit == "percent" and not 0 <= value <= 100:
        return None, _("A percentage is from 0 to 100.")
    if value < 0:
        return None, _("Enter zero or more.")
    return value, None


def parse_links(raw: str) -> tuple[list[dict], str | None]:
    """One link a line: 'Label | https://...' or just the address. Only http(s) addresses."""
    links = []
    for line in raw.splitlines():
        line = line.strip()
        if not line:
            continue
        label, _bar, url = line.rpartition("|")
        url = url.strip()
        if not url.lower().startswith(("https://", "http://")) or len(url) > 500 or " " in url:
            return [], _("“%(line)s” is not a web address. Put one link a line, starting with https://.",
                         line=line[:60])
        label = label.strip()
        if len(label) > MAX_LABEL:
            return [], _("Keep each link's label under %(num)s characters (“%(label)s…”).", num=MAX_LABEL,
                         label=label[:40])
        links.append({"label": label or url, "url": url})
    if len(links) > MAX_LINKS:
        return [], _("Add at most %(num)s links.", num=MAX_LINKS)
    return links, None
