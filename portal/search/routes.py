"""/search: the full page of results by kind, and (for htmx) the list under the header's search box."""
from flask import render_template, request
from flask_babel import gettext
from flask_login import current_user

from portal.kernel.access import allow
from portal.kernel.htmx import is_htmx
from portal.search import bp
from portal.search.queries import MAX_LENGTH, PAGE_LIMIT, SUGGEST_LIMIT, Query, kinds_for, search


def nouns(groups) -> str:
    """'school, initiative, measure or priority': the kinds this person searched, in the page's language."""
    names = [gettext(g.noun) for g in groups]
    if len(names) == 1:
        return names[0]
    return gettext("%(list)s or %(last)s", list=", ".join(names[:-1]), last=names[-1])


@bp.route("/search")
@allow()
def search_page():
    query = Query.parse(request.args.get("q"))
    suggest = is_htmx()
    groups = search(current_user, query, SUGGEST_LIMIT if suggest else PAGE_LIMIT)
    context = {"query": query, "groups": groups, "total": sum(g.total for g in groups), "nouns": nouns(groups),
               "max_length": MAX_LENGTH, "kinds": kinds_for(current_user)}
    return render_template("search/_suggest.html" if suggest else "search/page.html", **context)
