"""The key pages the benchmark loads: who loads each, what it sends, and the records it needs.

`prepare(app)` readies the database for a run (the demo principal's plan as a draft, the region's
plans waiting for approval) and returns the ids the pages name. Used by bench/run.py (through
`flask`-free SQLAlchemy in the app's context) and by bench/profile_pages.py.
"""
from dataclasses import dataclass, field

from sqlalchemy import select, update

PRINCIPAL = "principal@district.example"
LEADER = "leader.central@district.example"
LEADER_REGION = "C"
ACCOUNTS = {
    "principal": PRINCIPAL,
    "regional_leader": LEADER,
    "central_office": "central@district.example",
    "superintendent": "superintendent@district.example",
    "board": "board@district.example",
    "admin": "admin@district.example",
}
# Log-in is measured with an account no other row uses: a log-in does not end other sessions,
# but keeping it apart keeps each row's work its own.
LOGIN_ACCOUNT = "leader.east@district.example"


@dataclass
class Page:
    key: str
    title: str
    role: str | None  # None: no log-in (public pages, the log-in itself)
    path: str
    method: str = "GET"
    htmx: bool = False
    form: dict = field(default_factory=dict)  # POST fields (the CSRF token is added per session)
    sequence: list = field(default_factory=list)  # POSTs taken in turn: [(path, form)], never repeated
    measures: str = ""


def targets(app) -> dict:
    """The records the pages name, after putting them in the state each row measures."""
    from portal.extensions import db
    from portal.org.models import Region, School, User
    from portal.progress.models import BoardUpdate
    from portal.targets.models import PlanStatus, Target, TargetCycle, TargetPlan

    with app.app_context():
        s = db.session
        cycle = s.scalar(select(TargetCycle).order_by(TargetCycle.opens_on.desc(), TargetCycle.id.desc()).limit(1))
        principal = s.scalar(select(User).where(User.email == PRINCIPAL))
        plan = s.scalar(select(TargetPlan).where(TargetPlan.cycle_id == cycle.id,
                                                 TargetPlan.school_id == principal.school_id))
        # Deadline day: the principal is still editing a draft.
        if plan.status != PlanStatus.draft:
            s.execute(update(TargetPlan).where(TargetPlan.id == plan.id).values(status=PlanStatus.draft))
            s.commit()
        plan = s.get(TargetPlan, plan.id)
        row = s.scalar(select(Target).where(Target.plan_id == plan.id, Target.baseline_value.is_not(None))
                       .order_by(Target.id).limit(1))
        if row.target_2026 is None or not row.trajectory_code:
            row.target_2026 = round(min(row.metric.value_max, row.baseline_value + 5), 1)
            row.trajectory_code = "linear"
            s.commit()
        region = s.scalar(select(Region).where(Region.code == LEADER_REGION))
        reviewed = s.scalar(select(TargetPlan.id).join(School).where(
            TargetPlan.cycle_id == cycle.id, School.region_id == region.id,
            TargetPlan.status == PlanStatus.submitted).order_by(TargetPlan.id).limit(1))
        board_update = s.scalar(select(BoardUpdate.id).where(BoardUpdate.published_at.is_not(None),
                                                             BoardUpdate.kind_code != "annual_report")
                                .order_by(BoardUpdate.meeting_date.desc()).limit(1))
        out = {"plan": plan.id, "version": plan.version, "row": row.id,
               "row_form": {f"target_2026-{row.id}": f"{row.target_2026:g}",
                            f"trajectory-{row.id}": row.trajectory_code,
                            f"rationale-{row.id}": row.rationale or "",
                            f"year_target-{row.id}": "" if row.year_target is None else f"{row.year_target:g}",
                            "version": str(plan.version)},
               "review_plan": reviewed, "board_update": board_update, "cycle": cycle.id, "region": region.id}
        db.session.remove()
        return out


def reset_approvals(app, cycle_id: int, region_id: int, keep=()) -> list[tuple[int, int]]:
    """Put every plan of the leader's region back to 'submitted' (except the one the review page
    reads and the principal's draft), so each approve in the run approves a different waiting plan. Returns [(id, version)]."""
    from portal.extensions import db
    from portal.org.models import School
    from portal.targets.models import PlanStatus, TargetPlan

    with app.app_context():
        s = db.session
        ids = s.scalars(select(TargetPlan.id).join(School).where(
            TargetPlan.cycle_id == cycle_id, School.region_id == region_id).order_by(TargetPlan.id)).all()
        ids = [i for i in ids if i not in keep]
        s.execute(update(TargetPlan).where(TargetPlan.id.in_(ids))
                  .values(status=PlanStatus.submitted, version=1000))
        s.commit()
        db.session.remove()
        return [(i, 1000) for i in ids]


def pages(ids: dict) -> list[Page]:
    plan, row = ids["plan"], ids["row"]
    return [
        Page("login_page", "Log-in page", None, "/login",
             measures="GET /login: the form (anonymous)."),
        Page("login", "Log in", None, "/login", method="POST",
             form={"email": LOGIN_ACCOUNT, "password": "$DEMO_PASSWORD", "next": ""},
             measures="POST /login with the right password: checks the scrypt hash, starts a session, 303."),
        Page("home_principal", "Home: principal", "principal", "/home"),
        Page("home_leader", "Home: regional leader", "regional_leader", "/home"),
        Page("home_central", "Home: central office", "central_office", "/home"),
        Page("home_supt", "Home: superintendent", "superintendent", "/home"),
        Page("home_board", "Home: board member", "board", "/home"),
        Page("home_admin", "Home: administrator", "admin", "/home"),
        Page("target_form", "Target form (principal)", "principal", f"/targets/plans/{plan}",
             measures="The principal's draft plan with every row, chart, history and peer spread."),
        Page("draft_save", "Draft save, one row (htmx)", "principal", f"/targets/plans/{plan}/rows/{row}",
             method="POST", htmx=True, form=ids["row_form"],
             measures="The row autosave with the values already stored: parses and checks the row and the "
                      "plan's version, re-renders the row; nothing changed, so nothing is written."),
        Page("queue", "Regional queue", "regional_leader", "/review/",
             measures="The region's plans, first page of 50, with counts and completeness."),
        Page("queue_filter", "Regional queue, htmx filter", "regional_leader", "/review/?status=submitted&level=elementary",
             htmx=True, measures="The results part only (submitted elementary plans)."),
        Page("review", "Review page", "regional_leader", f"/review/plans/{ids['review_plan']}"),
        Page("approve", "Approve (htmx, in place)", "regional_leader", "/review/approve/{id}", method="POST",
             htmx=True, form={"back": "/review/"},
             measures="Approves a different submitted plan of the region on every request (all of them are "
                      "put back to submitted before the run; the run ends when each has been approved once): "
                      "workflow check, version check, audit event, commit, the queue row re-rendered."),
        Page("cycle_board", "Cycle board", "superintendent", "/cycle"),
        Page("board_update", "Board update report", "board", f"/board-updates/{ids['board_update']}",
             measures="A published Board update, read back from its stored copy."),
        Page("dashboard", "District dashboard", "superintendent", "/dashboard/"),
        Page("dashboard_region", "Dashboard drill-down: region", "superintendent", f"/dashboard/regions/{LEADER_REGION}"),
        Page("dashboard_filter", "Dashboard, htmx filter", "superintendent", "/dashboard/?level=high&group=el",
             htmx=True),
        Page("export", "Export (regions table, CSV)", "superintendent", "/dashboard/export?table=regions&format=csv"),
        Page("dashboard_office", "Office dashboard (central office)", "central_office",
             "/dashboard/offices/instruction",
             measures="The office's action plans with their latest check-in, the Measures of Success it keeps with "
                      "their value, status and pace, and what is due."),
        Page("dashboard_leader", "Dashboard: the regional leader's region", "regional_leader",
             f"/dashboard/regions/{LEADER_REGION}"),
        Page("my_school", "My school: the principal's dashboard", "principal", "/my-school",
             measures="The school's targets and results beside its region's and the district's stored rollups."),
        Page("search_box", "Header search as one types (htmx)", "superintendent", "/search?q=elementary", htmx=True,
             measures="The list under the header's search box: every kind, five of each, with their counts."),
        Page("search_page", "Search page: regional leader", "regional_leader", "/search?q=school",
             measures="The full search page, twenty of each kind the leader may open, the region's schools only."),
        Page("public", "Public progress page", None, "/progress"),
    ]
