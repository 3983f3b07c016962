"""A reviewer's day in the console, in a real browser against the real service: log in, claim a case,
decide it with an action from the rule's ladder (the ladder's next step preselected), see the account's strikes change; an administrator files an
appeal and a second reviewer grants it (the first may not take it); an administrator confirms a
mandatory report whose evidence stays sealed; a reviewer of another tenant cannot open the case; a
POST without the CSRF token is refused. Accessibility basics on every page visited (labels on every
control, one h1 and no skipped heading level, a main landmark) and the focus order of the case
page's shortcuts. Screenshots of the main pages go to benchmarks/results/console/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.console.conftest import Served

CONTENT = ("Hey gorgeous, you look hot in that photo. Text me at 415-555-0132 or mail casey.doe@example.com "
           "and I'll send you more of what you like.")

A11Y = """() => {
  const problems = [];
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    const named = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!named) problems.push('unlabelled ' + el.tagName + ' ' + (el.name || el.id));
  }
  for (const b of document.querySelectorAll('button, a[href]')) {
    if (!(b.textContent.trim() || b.getAttribute('aria-label'))) problems.push('nameless ' + b.outerHTML.slice(0, 60));
  }
  const hs = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => +h.tagName[1]);
  if (hs.filter(l => l === 1).length !== 1) problems.push('h1 count ' + hs.filter(l => l === 1).length);
  for (let i = 1; i < hs.length; i++) if (hs[i] > hs[i - 1] + 1) problems.push('heading skips h' + hs[i - 1] + ' -> h' + hs[i]);
  if (!document.querySelector('main')) problems.push('no main landmark');
  if (!document.documentElement.lang) problems.push('no lang');
  return problems;
}"""


@pytest.fixture(scope="module")
def world(served: Served) -> dict[str, Any]:
    ids: dict[str, Any] = dict(served.ids)

    def account(org: str, svc: str, name: str) -> str:
        resp = served.api("POST", "/v1/accounts", svc, json={"org_id": org, "display_name": name})
        assert resp.status_code == 201, resp.text
        return str(resp.json()["id"])

    def submit(org: str, svc: str, acct: str, text: str, signals: dict[str, float]) -> dict[str, Any]:
        resp = served.api("POST", "/v1/submissions", svc, json={"org_id": org, "account_id": acct, "content": text,
                                                                "signals": signals, "surface": "api"})
        assert resp.status_code == 201, resp.text
        body: dict[str, Any] = resp.json()
        return body

    ids["casey"] = account(ids["org_a"], "svc_a", "Casey Doe")
    flagged = submit(ids["org_a"], "svc_a", ids["casey"], CONTENT, {"sexual": 0.62})
    assert flagged["outcome"] == "queued"
    ids["case"] = flagged["enforcement"]["case_id"]
    ids["dana"] = account(ids["org_a"], "svc_a", "Dana Roe")
    sealed = submit(ids["org_a"], "svc_a", ids["dana"], "simulated hard-limit test item", {"sexual/minors": 0.99})
    ids["mandatory"] = sealed["enforcement"]["mandatory_report_id"]
    assert ids["mandatory"]
    other = submit(ids["org_a"], "svc_a", ids["dana"], "buy followers cheap at spam.example", {})
    resp = served.api("POST", "/v1/reports", "svc_a", json={
        "subject_type": "content", "subject_id": other["content_id"], "reason": "spam links in every thread",
        "category": "spam", "reporter_contact": "mod@example.org"})
    assert resp.status_code == 201, resp.text
    ids["report_case"] = resp.json()["case_id"]
    ids["bo"] = account(ids["org_b"], "svc_b", "Bo")
    ids["case_b"] = submit(ids["org_b"], "svc_b", ids["bo"], "suggestive text", {"sexual": 0.6})["enforcement"]["case_id"]
    return ids


def _login(browser: Browser, served: Served, who: str) -> Page:
    page = browser.new_context(viewport={"width": 1180, "height": 820}).new_page()
    page.goto(served.url + "/console/queue")
    expect(page).to_have_url(re.compile(r"/console/login\?next="))
    page.get_by_label("API key").fill(served.keys[who])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
    return page


def _accessible(page: Page) -> None:
    assert page.evaluate(A11Y) == [], page.url


def test_a_reviewers_day(browser: Browser, served: Served, world: dict[str, Any], shots: Path) -> None:
    case = world["case"]
    rita = _login(browser, served, "rita")
    cookie = next(c for c in rita.context.cookies() if c["name"] == "warden_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    _accessible(rita)
    row = rita.get_by_role("row").filter(has_text=case)
    expect(row).to_contain_text("automated_flag")
    expect(row).to_contain_text("Hey gorgeous, you look hot")  # the start of its content
    assert "simulated hard-limit" not in rita.content()  # never the sealed one's
    rita.screenshot(path=str(shots / "queue.png"))

    # the filters narrow the queue: by rule and by source
    rita.get_by_label("Rule").fill("api.sexual-content")
    rita.get_by_label("Source").select_option("automated_flag")
    rita.get_by_role("button", name="Filter").click()
    expect(rita.get_by_role("row").filter(has_text=case)).to_have_count(1)
    rita.get_by_label("Source").select_option("appeal")
    rita.get_by_role("button", name="Filter").click()
    expect(rita.get_by_role("row").filter(has_text=case)).to_have_count(0)

    # claim (from the case page, by its shortcut) and look at what a reviewer needs
    rita.goto(f"{served.url}/console/cases/{case}")
    _accessible(rita)
    expect(rita.locator("#strike-points")).to_have_text("0")
    rita.keyboard.press("c")
    expect(rita.locator("#case-status")).to_contain_text("claimed by rita")
    expect(rita.locator("#ladder")).to_contain_text("1 pts → warning")  # what upholding will lead to
    expect(rita.locator("#ladder")).to_contain_text("adds 2 strike points to the account's 0")
    # the action picker offers the rule's allowed ladder, the ladder's next step selected
    picker = rita.get_by_label(re.compile(r"^Action \(for uphold"))
    expect(picker).to_have_value("warning")
    assert {"warning", "content_removal", "suspension"} <= set(picker.locator("option").evaluate_all(
        "os => os.map(o => o.value)"))
    assert "monetization_ineligibility" not in picker.inner_text()  # no app: the GPT measures are not offered
    expect(rita.locator("#excerpt mark").first).to_be_visible()  # evidence spans from the recognisers
    assert {"415-555-0132", "casey.doe@example.com"} <= set(rita.locator("#excerpt mark").all_inner_texts())
    expect(rita.get_by_role("cell", name=re.compile("Building with the OpenAI API Platform"))).to_be_visible()
    _accessible(rita)

    # focus order of the shortcuts: u picks uphold and moves to the reason; Tab goes on to the submit button;
    # letters typed in the reason are text, not shortcuts
    rita.locator("body").click(position={"x": 5, "y": 400})
    rita.keyboard.press("e")
    assert rita.evaluate("document.getElementById('outcome-escalate').checked")
    rita.locator("body").click(position={"x": 5, "y": 400})
    rita.keyboard.press("u")
    assert rita.evaluate("document.getElementById('outcome-uphold').checked")
    assert rita.evaluate("document.activeElement.id") == "reason"
    rita.keyboard.type("explicit sexual solicitation of a user; contact details shared")
    assert rita.evaluate("document.getElementById('outcome-uphold').checked")
    rita.keyboard.press("Shift+Tab")
    assert rita.evaluate("document.activeElement.id") == "action"
    rita.keyboard.press("Tab")
    rita.keyboard.press("Tab")
    assert rita.evaluate("document.activeElement.id") == "submit-decision"
    rita.screenshot(path=str(shots / "case.png"), full_page=True)
    picker.select_option("content_removal")  # the reviewer removes the content instead of warning
    rita.locator("#reason").press("Control+Enter")
    expect(rita.get_by_role("status")).to_contain_text("Decision recorded: uphold")
    expect(rita.locator("#strike-points")).to_have_text("2")  # a medium violation weighs 2 whatever the action
    removal = rita.get_by_role("table", name="Actions").get_by_role("row").filter(has_text="content_removal")
    expect(removal).to_contain_text("active")
    expect(rita.get_by_role("table", name="Actions").get_by_role("row").filter(has_text="warning")).to_have_count(0)

    # an administrator files an appeal on the removal for the account
    admin = _login(browser, served, "admin")
    admin.goto(f"{served.url}/console/accounts/{world['casey']}")
    _accessible(admin)
    admin.get_by_label("Appeal statement (on behalf of the account)").fill("It was a joke between friends.")
    admin.get_by_role("button", name="File appeal").click()
    expect(admin.get_by_role("heading", level=1)).to_contain_text("Case")
    appeal_case = admin.url.rsplit("/", 1)[-1]
    expect(admin.get_by_role("heading", name="Appeal")).to_be_visible()

    # rita decided the action, so her inbox does not offer the appeal and claiming it is refused
    rita.goto(f"{served.url}/console/appeals")
    _accessible(rita)
    expect(rita.get_by_role("row").filter(has_text=appeal_case)).to_have_count(0)
    rita.goto(f"{served.url}/console/cases/{appeal_case}")
    rita.keyboard.press("c")
    expect(rita.get_by_role("alert")).to_contain_text("different reviewer")

    # rob takes it from his inbox and grants it: the removal is reversed and its strikes removed
    rob = _login(browser, served, "rob")
    rob.goto(f"{served.url}/console/appeals")
    rob.get_by_role("button", name=f"Claim case {appeal_case}").click()
    expect(rob.locator("#case-status")).to_contain_text("claimed by rob")
    expect(rob.locator("#outcome-meaning")).to_contain_text("Overturn grants the appeal")
    rob.get_by_label("Overturn").check()
    rob.get_by_label("Reason (sent with the statement of reasons)").fill("Context shows consent; reversing.")
    rob.get_by_role("button", name="Record decision").click()
    expect(rob.get_by_role("status")).to_contain_text("Decision recorded: overturn")
    expect(rob.locator("#strike-points")).to_have_text("0")
    expect(rob.get_by_role("table", name="Actions").get_by_role("row").filter(
        has_text="content_removal")).to_contain_text("reversed")

    # a report case names no rule: its reason and excerpt are shown, and the picker follows the rule picked
    rob.goto(f"{served.url}/console/cases/{world['report_case']}")
    expect(rob.get_by_role("region", name=re.compile("Reports"))).to_contain_text("spam: spam links in every thread")
    expect(rob.locator("#excerpt")).to_contain_text("buy followers cheap")
    rob.keyboard.press("c")
    expect(rob.locator("#case-status")).to_contain_text("claimed by rob")
    expect(rob.locator("#action")).to_have_count(0)
    rob.get_by_label(re.compile("^Violated rules")).select_option("api.sexual-content")
    rob.get_by_role("button", name="Show actions for these rules").click()
    expect(rob.get_by_label(re.compile(r"^Action \(for uphold"))).to_contain_text("warning")
    _accessible(rob)
    rob.get_by_role("button", name="Release").click()

    # mandatory reports: administrators only; the evidence is sealed everywhere
    rob.goto(f"{served.url}/console/mandatory")
    expect(rob.get_by_role("alert")).to_contain_text("may not mandatory reports")
    admin.goto(f"{served.url}/console/mandatory")
    _accessible(admin)
    row = admin.get_by_role("row").filter(has_text=world["mandatory"])
    expect(row.locator(".status")).to_have_text("draft")
    admin.get_by_role("button", name=f"Confirm report {world['mandatory']}").click()  # the checkbox is required
    expect(row.locator(".status")).to_have_text("draft")
    row.get_by_label("I have reviewed this report").check()
    admin.get_by_role("button", name=f"Confirm report {world['mandatory']}").click()
    expect(admin.get_by_role("status")).to_contain_text(f"Report {world['mandatory']} confirmed")
    expect(admin.get_by_role("row").filter(has_text=world["mandatory"]).locator(".status")).to_have_text("confirmed")
    admin.goto(f"{served.url}/console/queue?kind=confirmation")
    admin.get_by_role("row").filter(has_text="confirmation").first.get_by_role("link").click()
    expect(admin.get_by_role("img", name="Sealed evidence, not shown")).to_be_visible()
    assert "simulated hard-limit" not in admin.content()
    admin.screenshot(path=str(shots / "sealed.png"))

    # a reviewer bound to another organization cannot open the case, nor claim it
    bea = _login(browser, served, "bea")
    expect(bea.get_by_role("row").filter(has_text=world["case_b"])).to_have_count(1)
    expect(bea.get_by_role("row").filter(has_text=case)).to_have_count(0)
    response = bea.goto(f"{served.url}/console/cases/{case}")
    assert response is not None and response.status == 404
    expect(bea.get_by_role("heading", level=1)).to_have_text("Not found")
    claim = bea.context.request.post(f"{served.url}/console/cases/{world['case_b']}/claim", form={})
    assert claim.status == 403 and "CSRF" in claim.text()  # a form without its token is refused

    # the rest of the console, as an administrator: every page renders and passes the basics
    for path, heading in [("/console/reports", "User reports"), ("/console/statements", "Statements of reasons"),
                          ("/console/policy", "Policy in force"), ("/console/audit", "Audit log"),
                          ("/console/trends", "Abuse trends"), ("/console/trends/clusters", "Emerging clusters"),
                          ("/console/transparency", "Transparency report"),
                          ("/console/policy/rules/api.sexual-content", None)]:
        admin.goto(served.url + path)
        if heading:
            expect(admin.get_by_role("heading", level=1)).to_have_text(heading)
        _accessible(admin)
    admin.goto(served.url + "/console/audit")
    expect(admin.locator("#chain-status")).to_contain_text("intact")
    admin.screenshot(path=str(shots / "audit.png"))
    admin.goto(served.url + "/console/trends")
    expect(admin.locator("svg.chart")).to_have_count(2)
    admin.screenshot(path=str(shots / "trends.png"), full_page=True)
    admin.goto(served.url + "/console/policy/diff?old=openai-usage@2023-03-23&new=openai-usage@2025-01-29")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Policy diff")
    _accessible(admin)


def test_docs_work_offline(browser: Browser, served: Served) -> None:
    """Swagger UI and ReDoc render from the service's own assets with every other host blocked."""
    context = browser.new_context()
    outside: list[str] = []

    def only_local(route: Any) -> None:
        if route.request.url.startswith(served.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.goto(served.url + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Warden")
    page.wait_for_load_state("networkidle")
    page.goto(served.url + "/redoc")
    expect(page.locator("h1").first).to_contain_text("Warden")
    expect(page.get_by_role("img", name="redocly logo")).to_be_visible()  # its logo is served locally too
    page.wait_for_load_state("networkidle")
    assert outside == []
    context.close()


def test_metrics(served: Served, world: dict[str, Any]) -> None:
    import httpx

    text = httpx.get(served.url + "/metrics", timeout=10).text
    assert re.search(r'warden_decisions_total\{surface="api",verdict="flag"\} [1-9]', text)
    assert re.search(r'warden_violations_total\{category="sexual/minors",rule="universal.laws.csam"\} 1', text)
    assert 'warden_http_requests_total{method="POST",route="/v1/submissions",status="201"}' in text
    assert 'route="/console/cases/{case_id}"' in text  # route templates (bounded labels), the console's included
    assert "warden_queue_cases{" in text and "warden_queue_oldest_open_seconds{" in text
    assert "warden_notice_deliveries{" in text
    assert "warden_http_request_seconds_bucket" in text
