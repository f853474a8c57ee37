"""The dashboards' words in the page's language. The stored rollups keep their words in English (a goal's
label, the gap in words, a level's name), as the exports write them; a page in another language says them
again here from the same figures. English pages read the stored words exactly as they are."""
import re

from flask_babel import gettext
from markupsafe import Markup

from portal.kernel import formatting, i18n
from portal.kernel.i18n import N_
from portal.rollups.present import LEVEL_NAMES
from portal.strategic_plan.translations import plan_text

# Shared words the dashboards show, for the catalogue: each page translates them where it shows them.
STAGE_TITLES = (N_("1. Strategy Sharing Session"), N_("2. Platform Progress Update / Data Review"),
                N_("2. Sent back to the office"), N_("3. Update with the Superintendent"),
                N_("3. Ready for the Board"), N_("4. Update to the Board of Education"),
                N_("Strategy Sharing Session"), N_("Platform Progress Update / Data Review"),
                N_("Update with the Superintendent"), N_("Update to the Board of Education"),
                N_("schools with submitted targets only"))

SHORT_ENOUGH = 30  # characters of a metric's translated name that still fit where its short name goes
_GOAL_LABEL = re.compile(r"(\+?)(-?\d+(?:\.\d+)?)(%?)( growth)?")


def english() -> bool:
    return i18n.current() == i18n.DEFAULT


def level_name(code: str | None) -> str:
    """Elementary, Middle, High, Span in the page's language."""
    name = LEVEL_NAMES.get(code or "", code or "")
    return gettext(name) if name else ""


def goal_label(label: str | None) -> str:
    """A goal as the stored rollup labels it (70%, +30, +25% growth), in the page's language."""
    if not label or english():
        return label or ""
    found = _GOAL_LABEL.fullmatch(label)
    if found is None:
        return label
    sign, figure, percent, growth = found.groups()
    text = sign + formatting.plain(float(figure), len(figure.split(".")[1]) if "." in figure else 0)
    if percent:
        text = formatting.percent_sign(text)
    return gettext("%(goal)s growth", goal=text) if growth else text


def gap_text(row: dict) -> str:
    """The gap to the goal in words ('1.8 points short of 70%'), from a row's gap and goal label."""
    if english() or "gap" not in row:
        return row.get("gap_text") or ""
    gap, goal = row.get("gap"), goal_label(row.get("goal_label"))
    if gap is None or formatting.missing(gap):
        return gettext("no submitted targets yet")
    if gap < 0:
        return gettext("%(gap)s points short of %(goal)s", gap=formatting.plain(abs(gap), 1), goal=goal)
    if gap == 0:
        return gettext("reaches %(goal)s exactly", goal=goal)
    return gettext("reaches %(goal)s (%(gap)s points above)", goal=goal, gap=formatting.plain(gap, 1))


def metric_short(metric) -> str:
    """A metric's short name (A-G, Growth Mindset) in the page's language: the plan's short name in it, else
    its name when that is as short (the SEL competencies), else the English (A-G, ELA G3) marked as English."""
    if english():
        return metric.short_name
    name = plan_text("metric", metric.code, "short_name", metric.short_name)
    if name == i18n.english(metric.short_name):
        translated = plan_text("metric", metric.code, "name", metric.name)
        if translated != i18n.english(metric.name) and len(translated) <= SHORT_ENOUGH:
            return translated
    return name


def row_label(row: dict, vocab) -> str:
    """A rollup row's label ('A-G', 'Growth Mindset, middle') in the page's language."""
    code = row.get("metric")
    metric = vocab.metric(getattr(code, "code", code))
    if english() or metric is None:
        return row.get("label") or ""
    if len(metric.levels or []) > 1:
        # Markup, so the metric's English name keeps its lang="en" mark.
        return Markup(gettext("%(metric)s, %(level)s")) % {"metric": metric_short(metric),
                                                            "level": level_name(row.get("mlevel")).lower()}
    return metric_short(metric)


def percent(value: float | None, places: int = 0) -> str:
    """A share already in percent (41.5 -> 42%, or 42 % in Spanish)."""
    if value is None or formatting.missing(value):
        return formatting.EMPTY
    return formatting.percent_sign(formatting.plain(value, places))


def whole(value: float | None) -> str:
    """A count of students as the school's table writes it: 1250 (1250, or 12.500 in Spanish)."""
    if value is None or formatting.missing(value):
        return formatting.EMPTY
    return f"{value:.0f}" if english() else formatting.count(value)


def due_date(value) -> str:
    """A cycle's due date as the dashboards write it: 01 Nov 2024 (1 nov 2024 in Spanish)."""
    return value.strftime("%d %b %Y") if english() else formatting.short_date(value)


def chart_text(kind: str, code: object, english_text: str) -> str:
    """The plan's name for a chart's label (SVG text holds no lang mark): the translation, else the English."""
    return str(Markup(plan_text(kind, code, "name", english_text)).striptags())


def path_labels() -> dict[str, str]:
    """The lines of a path chart, in the page's language."""
    return {"goal": gettext("Goal's path"), "projected": gettext("Projected (submitted targets)"),
            "actual": gettext("Actual")}


def helpers() -> dict:
    """The dashboards' templates' word helpers."""
    return {"level_name": level_name, "goal_words": goal_label, "gap_words": gap_text, "metric_short": metric_short,
            "row_label": row_label, "fmt_pct": percent, "fmt_due": due_date, "fmt_whole": whole}
