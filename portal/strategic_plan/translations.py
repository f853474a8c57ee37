"""The Strategic Plan's own words in another language. The plan is data in English (seed/*.yaml); its
names, headlines and statements in Spanish are data too, in seed/translations/<language>.yaml, keyed by
each thing's code, kept by a translator beside the plan. What the file does not hold is shown in English,
marked lang="en" so a screen reader reads it as English."""
import os
from functools import lru_cache

import yaml
from flask import current_app
from markupsafe import Markup

from portal.kernel import i18n


@lru_cache(maxsize=8)
def _catalogue(path: str, _mtime: float) -> dict:
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def catalogue(language: str) -> dict:
    """The plan's words in `language`; empty when there is no file for it."""
    path = os.path.join(current_app.config["SEED_DIR"], "translations", f"{language}.yaml")
    try:
        return _catalogue(path, os.path.getmtime(path))
    except OSError:
        return {}


def plan_text(kind: str, code: object, field: str, english: str | None) -> Markup | str:
    """`field` of the plan's `kind` (goal, metric, group, pillar, priority) with `code`, in the page's
    language: the translation when there is one, else the English marked as English."""
    if english is None or english == "":
        return ""
    language = i18n.current()
    if language == i18n.DEFAULT:
        return english
    text = catalogue(language).get(kind, {}).get(str(code), {}).get(field)
    return text if text else i18n.english(english)


def group_name(group, short: bool = False) -> Markup | str:
    """A student group's name (or short name, for a table's column) in the page's language."""
    field = "short_name" if short else "name"
    return plan_text("group", group.code, field, getattr(group, field))
