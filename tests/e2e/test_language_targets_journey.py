"""The target workflow in Spanish, in Chromium: a principal switches to Spanish on the plan's page, types
this year's targets (each row answers in Spanish as it saves, or says in Spanish why it cannot), and
submits; the region's leader, who reads Spanish too, finds the plan in the queue and opens it."""
from playwright.sync_api import expect

from portal.extensions import db
from portal.targets.models import PlanStatus
from tests.e2e import arrange


def test_a_principal_and_a_leader_work_on_the_targets_in_spanish(app, browser, factories, live_server, login,
                                                                  screenshot):
    with app.app_context():
        plan = factories.target_plan(factories.school(), PlanStatus.not_started, cycle=factories.district_cycle())
        facts = arrange.plan_facts(factories, plan)
        leader_email = factories.regional_leader(plan.school.region).email
        db.session.remove()
    principal = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(principal, facts["principal"])
    principal.goto(live_server + f"/targets/plans/{facts['id']}")
    principal.get_by_role("button", name="Español").click()
    expect(principal.locator("html")).to_have_attribute("lang", "es")
    expect(principal.get_by_role("heading", level=1)).to_contain_text("metas para")
    principal.wait_for_load_state()  # the page in Spanish saves as one types once its scripts have run

    (first_id, first_value), (second_id, _) = facts["rows"][0], facts["rows"][1]
    principal.locator(f"#year_target-{first_id}").fill(str(first_value))
    expect(principal.locator(f"#fb-{first_id}")).to_contain_text("Guardado a las")
    principal.locator(f"#year_target-{second_id}").fill("999")
    expect(principal.locator(f"#fb-{second_id}")).to_contain_text("No se guardó: Escriba un valor de")
    screenshot(principal, "language-targets-plan-es")
    principal.locator(f"#year_target-{second_id}").fill("")
    expect(principal.locator(f"#fb-{second_id}")).to_contain_text("Guardado a las")
    principal.get_by_role("button", name="Enviar para revisión").click()
    expect(principal.locator(".error-summary h2")).to_contain_text("Antes de enviar")

    leader = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(leader, leader_email)
    leader.get_by_role("button", name="Español").click()
    leader.get_by_role("link", name="Planes de metas", exact=True).click()
    expect(leader.get_by_role("heading", level=1)).to_contain_text("Planes de metas en")
    leader.wait_for_load_state()  # the queue's filters refresh the list once the page's scripts have run
    leader.get_by_label("Estado", exact=True).select_option(label="Borrador")
    expect(leader.locator("#queue-results .result-count")).to_contain_text("coincide con su filtro")
    screenshot(leader, "language-review-queue-es")
    leader.get_by_role("link", name=facts["school"]).click()
    expect(leader.get_by_role("heading", level=1)).to_contain_text("plan de metas")
    expect(leader.get_by_role("heading", name="Historial")).to_be_visible()
    screenshot(leader, "language-review-plan-es")
    principal.context.close()
    leader.context.close()
