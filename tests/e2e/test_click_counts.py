"""How many steps each role's main task takes in Chromium, counted as a person would take it from
their home page: every click, choice and typed field (`actions`), and every page the browser loads
(`loads`; an htmx swap is not a load). Each task has a budget: a change that makes it take more steps
fails here. The counts are printed (pytest -s).

- A principal fills and submits an elementary school's plan of 35 required rows in a trajectory cycle,
  with the form's fills: every empty target at the district's pace, then one trajectory for each goal.
- A regional leader reviews and approves 10 submitted plans, found with the queue's filter, one after another.
- The superintendent's office takes a check-in from data review to a published Board update."""
import re
import uuid

from playwright.sync_api import expect

from portal.extensions import db
from portal.kernel import clock
from portal.kernel.policy import Role
from portal.progress.models import Stage
from portal.targets import operations as svc
from portal.targets.guardrails import plan_target
from portal.targets.models import CycleKind, PlanStatus, TargetPlan
from tests.e2e import arrange

# The steps each task takes; no change may make a task take more. Before "approve and open the next"
# and preparing a Board update from its check-in, the leader's task took 41 actions and 31 page loads
# and the superintendent's office's 19 and 12. Before the fills of the target form (every empty target at
# the district's pace, one trajectory per goal), the principal's took 72 actions and 2 page loads: each
# fill is a save of its own, so it now takes fewer actions and more loads.
BUDGET = {
    "principal": {"actions": 15, "loads": 9},
    "leader": {"actions": 13, "loads": 12},
    "superintendent": {"actions": 14, "loads": 7},
}


class Tally:
    """Counts what a person does on `page`, from the moment it is made."""

    def __init__(self, page):
        self.page, self.actions, self.loads = page, 0, 0
        page.wait_for_load_state("load")  # the home page the count starts from is not one of the task's
        page.on("load", self._loaded)

    def _loaded(self, _page) -> None:
        self.loads += 1

    def click(self, locator) -> None:
        self.actions += 1
        locator.click()
        self.page.wait_for_load_state()  # a page the click opened has run its scripts before the next step

    def fill(self, locator, value: str) -> None:
        self.actions += 1
        locator.fill(value)

    def choose(self, locator, value: str) -> None:
        self.actions += 1
        locator.select_option(value)

    def report(self, task: str) -> dict:
        self.page.wait_for_load_state("load")
        counted = {"actions": self.actions, "loads": self.loads}
        print(f"\n{task}: {counted['actions']} actions, {counted['loads']} page loads")
        return counted


def within_budget(task: str, counted: dict) -> None:
    for what, most in BUDGET[task].items():
        assert counted[what] <= most, f"{task}: {counted[what]} {what}, more than the {most} it took before"


def trajectory_plan(app, factories) -> dict:
    """An elementary school of its own, in Local District Central, whose plan in an open trajectory
    cycle is not started: 35 rows need a 2026 target and a trajectory (its last seven student-group
    rows are small groups, which need none)."""
    with app.app_context():
        cycle = factories.open_cycle(CycleKind.trajectory)
        plan = factories.target_plan(factories.school(region="C"), cycle=cycle)
        for row in [r for r in svc.load_plan_rows(plan) if r.group.targeted][-7:]:
            row.baseline_n = 8
        db.session.commit()
        rows = [(r.id, plan_target(r.metric, r.baseline_value, r.group.targeted))
                for r in svc.load_plan_rows(plan) if svc.required(r)]
        facts = {"principal": factories.principal(plan.school).email, "rows": rows, "id": plan.id}
        db.session.remove()
        return facts


def test_a_principal_fills_and_submits_a_35_row_plan(app, page, live_server, login, factories, screenshot):
    facts = trajectory_plan(app, factories)
    assert len(facts["rows"]) == 35
    login(page, facts["principal"])
    steps = Tally(page)
    steps.click(page.get_by_role("link", name="Our targets", exact=True))
    expect(page.locator("#plan-progress")).to_contain_text("0 of 35 targets set")
    page.wait_for_load_state("load")
    # Every empty target at the district's pace, then one trajectory for each goal's rows.
    steps.click(page.get_by_role("button", name="Start every empty target at the district's pace"))
    expect(page.locator(".flash--success")).to_contain_text("35 empty 2026 targets")
    for n in range(page.locator(".goal-fill").count()):
        goal = page.locator(".goal-fill").nth(n)
        steps.choose(goal.get_by_label("Trajectory for every row of this goal that has none yet"), "linear")
        steps.click(goal.get_by_role("button", name="Use this trajectory"))
        expect(page.locator(".flash--success")).to_contain_text("now follow")
    expect(page.locator("#plan-progress")).to_contain_text("35 of 35 targets set")
    steps.click(page.get_by_role("button", name="Submit for review"))
    expect(page.locator(".status-badge")).to_contain_text("Submitted")
    screenshot(page, "clicks-principal-submitted")
    with app.app_context():
        assert db.session.get(TargetPlan, facts["id"]).status == PlanStatus.submitted
    within_budget("principal", steps.report("principal"))


def submitted_plans(app, factories, how_many: int) -> tuple[str, list[int]]:
    """`how_many` submitted plans at schools of their own in Local District Central, whose names share
    a word the leader can filter the queue by."""
    word = f"Tally{uuid.uuid4().hex[:5]}"
    with app.app_context():
        ids = [factories.target_plan(factories.school(region="C", name=f"{word} {n} Elementary"),
                                     PlanStatus.submitted, cycle=factories.district_cycle()).id
               for n in range(1, how_many + 1)]
        db.session.remove()
    return word, ids


def test_a_regional_leader_reviews_and_approves_ten_plans(app, page, live_server, login, factories):
    word, ids = submitted_plans(app, factories, 10)
    login(page, Role.regional_leader)
    steps = Tally(page)
    steps.click(page.get_by_role("link", name="Target plans", exact=True))
    steps.fill(page.get_by_label("School name or code"), word)
    expect(page).to_have_url(re.compile(f"q={word}"))  # the filtered list, whose links carry the filter
    steps.click(page.get_by_role("link", name=f"{word} 1 Elementary", exact=True))
    for n in range(1, 11):
        expect(page.get_by_text(f"Plan 1 of {11 - n} waiting in this list.")).to_be_visible()
        last = n == 10
        steps.click(page.get_by_role("button", name="Approve and go back to the list" if last else
                                     "Approve and open the next"))
        expect(page.locator(".flash--success")).to_contain_text("Approved")
    expect(page.get_by_text("No other plan in this list is waiting for a decision.")).to_be_visible()
    with app.app_context():
        assert {db.session.get(TargetPlan, i).status for i in ids} == {PlanStatus.approved}
    within_budget("leader", steps.report("leader"))


def test_the_superintendents_office_takes_a_check_in_to_a_published_board_update(app, page, live_server, login,
                                                                               factories, screenshot):
    with app.app_context():
        facts = arrange.action_plan(factories, stage=Stage.data_review)
        start = clock.year_start(clock.current_school_year()) + 1
        today = clock.today().isoformat()
        db.session.remove()
    year = clock.year_label(start)
    # Next year's Mid-Year Update: the cycle journey makes next year's End-of-Year Update, and each kind
    # of update happens once a school year.
    title = f"Mid-Year Update {year} {uuid.uuid4().hex[:4]}"
    login(page, Role.superintendent)
    steps = Tally(page)
    # Accept the office's data and record the update with the superintendent.
    steps.click(page.get_by_role("link", name="Progress cycle", exact=True))
    card = page.locator(".cycle-card", has=page.get_by_role("link", name=facts["name"]))
    steps.click(card.get_by_role("link", name=facts["period"]))
    steps.click(page.get_by_role("button", name="Accept the data"))
    expect(page.locator(".flash--success")).to_be_visible()
    steps.fill(page.get_by_label("Date of the update"), today)
    steps.fill(page.get_by_label("The superintendent's feedback"), "Keep going; report enrolment by school.")
    steps.click(page.get_by_role("button", name="Record the update with the superintendent"))
    expect(page.locator(".flash--success")).to_be_visible()
    # No Board update for next year is being prepared: prepare one from the check-in, which places it there.
    steps.click(page.get_by_role("link", name="Prepare another Board update for this check-in"))
    expect(page.get_by_text(f"Prepared for {facts['name']} ({facts['period']})")).to_be_visible()
    steps.choose(page.get_by_label("Kind of update"), "mid_year")
    steps.fill(page.get_by_label("School year"), year)
    steps.fill(page.get_by_label("Board meeting date"), f"{start + 1}-03-10")
    steps.fill(page.get_by_label("Title"), title)
    steps.click(page.get_by_role("button", name="Create the draft"))
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    # Publishing cannot be undone: the office confirms it once.
    steps.click(page.get_by_label("I have checked the report: freeze it and publish it to the Board."))
    steps.click(page.get_by_role("button", name="Publish this update"))
    expect(page.get_by_text("this report is frozen")).to_be_visible()
    screenshot(page, "clicks-superintendent-published")
    within_budget("superintendent", steps.report("superintendent"))
