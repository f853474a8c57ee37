"""The public progress page: the District Goals, where the district started, and its progress in
aggregate, for families and the community. No log-in; aggregates only, small cells suppressed."""
from flask import render_template
from markupsafe import Markup

from portal.cache import store
from portal.kernel import i18n
from portal.kernel.access import public
from portal.kernel.clock import today
from portal.rollups.public import bp
from portal.rollups.public.progress import district_progress
from portal.strategic_plan.queries import goal_tables
from portal.strategic_plan.settings import setting


@bp.route("/progress")
@public
def progress():
    """The content is the same for every visitor until the data changes: it is drawn once per
    change and language (per process) from the stored rollup, and set into the page, whose frame (session,
    navigation, CSRF token) is drawn per request."""
    filters = {"years": ",".join(setting("trajectory_years", [])), "baseline": setting("baseline_year", "2021-22")}

    def draw(_stale: bool) -> str:
        return render_template("public/_content.html", goals=goal_tables(), **district_progress())
    content, _ = store.rendered("public", filters, f"content:{i18n.current()}", draw, today(), drafts=False)
    return render_template("public/progress.html", content_html=Markup(content))
