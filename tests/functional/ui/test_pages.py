"""The dashboard in a real browser: what a user sees and does on each page.

Every page visited is saved as a screenshot under ``build/screenshots/``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ui_support import ROOT, Dashboard, hsrun, screenshot

from runtime.config import get_settings
from runtime.fake_hubspot import FakePortal, PortalFile

#: How long a page may take to show what it is waiting for (a functional wait, not a
#: timing assertion: on a busy machine the browser is simply slow).
WAIT_MS = 60_000


def sign_in(page: Any, dashboard: Dashboard) -> None:
    """Open the URL ``hsrun ui`` printed; it lands on the runs page without the token."""
    page.goto(dashboard.url)
    page.wait_for_url(f"{dashboard.base}/runs", timeout=WAIT_MS)


def _invoke_format_phone() -> str:
    done = hsrun(
        "invoke",
        "actions/format_phone.py",
        "--input",
        "phone=(555) 010-2233",
        "--input",
        "country=US",
        "--json",
    )
    match = re.search(r'"run_id": "([0-9a-f]+)"', done.stdout)
    assert match
    return match.group(1)


def test_runs_page_lists_a_cli_run_and_its_page_shows_outputs_and_logs(
    dashboard: Dashboard, page: Any
) -> None:
    run_id = _invoke_format_phone()
    sign_in(page, dashboard)
    row = page.locator(f'tr[data-run="{run_id}"]')
    assert "SUCCESS" in row.inner_text()
    assert "format_phone" in row.inner_text()
    page.wait_for_selector("#live:not([hidden])", timeout=WAIT_MS)
    screenshot(page, "runs")

    # Live: a run started from another terminal appears without a reload.
    second = _invoke_format_phone()
    page.wait_for_selector(f'tr[data-run="{second}"]', timeout=WAIT_MS)
    # Click once the list has settled (the second run finished): a refresh that lands
    # while the link is clicked replaces the rows under the pointer.
    page.wait_for_selector(f'tr[data-run="{second}"]:has-text("SUCCESS")', timeout=WAIT_MS)

    row.locator("a").first.click()
    page.wait_for_url(f"**/runs/{run_id}", timeout=WAIT_MS)
    outputs = page.locator("#outputs").inner_text()
    assert "phone_e164" in outputs and "string" in outputs and '"+15550102233"' in outputs
    assert "phone_valid" in outputs and "enumeration" in outputs
    logs = page.locator("#logs").inner_text()
    assert "formatted '(555) 010-2233' for US: +15550102233" in logs
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", logs)  # timestamps
    stats = page.locator(".stats").inner_text()
    assert "/128 MB" in stats and "Runtime:" in stats
    assert '"inputFields"' in page.locator("#event").inner_text()
    screenshot(page, "run")

    # Re-run with the same event: a new run with the same outputs.
    page.click("#rerun")
    page.wait_for_url(re.compile(r".*/runs/(?!" + run_id + r")[0-9a-f]+$"), timeout=WAIT_MS)
    assert page.locator("#status").inner_text() == "SUCCESS"
    assert '"+15550102233"' in page.locator("#outputs").inner_text()


def test_run_page_links_its_hubspot_calls_to_the_call_log(dashboard: Dashboard, page: Any) -> None:
    hsrun("portal", "seed", "--demo")
    hsrun(
        "portal",
        "apps",
        "create",
        "ci",
        "--scopes",
        "crm.objects.contacts.read,crm.objects.contacts.write",
        "--save-secret",
        "TEST_SECRET",
    )
    done = hsrun("invoke", "actions/archive_contact.py", "--object-id", "4", "--json")
    run_id = re.search(r'"run_id": "([0-9a-f]+)"', done.stdout)
    assert run_id
    sign_in(page, dashboard)
    page.goto(f"{dashboard.base}/runs/{run_id.group(1)}")
    calls = page.locator("#api-calls")
    assert "DELETE" in calls.inner_text() and "/crm/v3/objects/contacts/4" in calls.inner_text()
    calls.locator("a").first.click()
    page.wait_for_url("**/apps/logs?call=*", timeout=WAIT_MS)
    assert page.locator("#call-count").inner_text().startswith("1 call")
    assert "DELETE" in page.locator("#calls tbody").inner_text()


def test_private_app_flow_create_show_rotate_delete(dashboard: Dashboard, page: Any) -> None:
    sign_in(page, dashboard)
    page.goto(f"{dashboard.base}/apps")
    page.fill('#create-app input[name="name"]', "crm-sync")
    page.check('input[name="scope"][value="crm.objects.contacts.read"]')
    page.check('input[name="scope"][value="crm.objects.contacts.write"]')
    screenshot(page, "apps")
    page.click('#create-app button[type="submit"]')
    page.wait_for_url("**/apps/crm-sync", timeout=WAIT_MS)

    portal, _ = PortalFile(get_settings()).load()
    app = portal.apps.get("crm-sync")
    assert app.scopes == ["crm.objects.contacts.read", "crm.objects.contacts.write"]
    first_token = app.token
    masked = page.locator("#token").inner_text()
    assert first_token not in page.content()  # masked until Show
    assert masked.startswith("pat-na1-") and masked.endswith(first_token[-4:])

    page.click('button[data-token="show"]')
    # A selector wait, not wait_for_function: the page's CSP forbids the eval that needs.
    page.wait_for_selector(f"#token:has-text('{first_token}')", timeout=WAIT_MS)
    assert page.locator("#token").inner_text() == first_token
    page.click('button[data-token="copy"]')
    page.wait_for_selector("#token-note:has-text('Copied')", timeout=WAIT_MS)
    assert page.evaluate("navigator.clipboard.readText()") == first_token
    screenshot(page, "app")

    # The security log records both, as HubSpot's Security tab does.
    portal, _ = PortalFile(get_settings()).load()
    events = [e["event"] for e in portal.security_log.query(app="crm-sync")]
    assert events == ["created", "shown", "shown"]
    page.goto(f"{dashboard.base}/apps/security?app=crm-sync")
    assert page.locator("#security tbody tr").count() == 3
    assert "shown" in page.locator("#security").inner_text()
    screenshot(page, "security")

    # Rotate, the old token expiring in 7 days: both work until then.
    page.goto(f"{dashboard.base}/apps/crm-sync")
    page.select_option('#rotate-form select[name="expire"]', "7d")
    page.click("#rotate")
    page.wait_for_selector("#tokens tbody tr:nth-child(2)", timeout=WAIT_MS)
    portal, _ = PortalFile(get_settings()).load()
    app = portal.apps.get("crm-sync")
    assert app.token != first_token
    old = app.tokens[0]
    assert old.expires_at is not None
    assert 6.9 * 86400 < old.expires_at - time.time() <= 7 * 86400
    assert portal.apps.find_by_token(first_token) is not None  # still valid for 7 days
    rows = page.locator("#tokens tbody tr")
    assert "(current)" in rows.nth(0).inner_text() and "never" in rows.nth(0).inner_text()
    assert "valid" in rows.nth(1).inner_text() and "UTC" in rows.nth(1).inner_text()

    # Scopes change; the token stays (HubSpot keeps it) and the security log says so.
    page.click("#edit-scopes summary")
    page.uncheck('#scopes-form input[name="scope"][value="crm.objects.contacts.write"]')
    page.fill('#scopes-form input[name="extra_scopes"]', "automation")
    page.click('#scopes-form button[type="submit"]')
    page.wait_for_selector("section.card > p > code:text-is('automation')", timeout=WAIT_MS)
    portal, _ = PortalFile(get_settings()).load()
    changed = portal.apps.get("crm-sync")
    assert changed.scopes == ["automation", "crm.objects.contacts.read"]
    assert changed.token == app.token
    assert portal.security_log.query(app="crm-sync")[-1]["event"] == "scopes_changed"

    # Delete: its tokens stop working at once.
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("button.danger")
    page.wait_for_url("**/apps", timeout=WAIT_MS)
    portal, _ = PortalFile(get_settings()).load()
    assert "crm-sync" not in portal.apps.apps
    assert portal.apps.find_by_token(app.token) is None


def _seed_call_log() -> dict[str, int]:
    """Calls of two apps, 3 days ago and now, of every method and status class."""
    store = PortalFile(get_settings())
    three_days_ago = time.time() - 3 * 86400
    old = FakePortal(portal_id=get_settings().portal_id, clock=lambda: three_days_ago)
    alpha = old.apps.create("alpha", ["crm.objects.contacts.read", "crm.objects.contacts.write"])
    beta = old.apps.create("beta", ["crm.objects.contacts.read"])
    for _ in range(3):
        old.request("GET", "/crm/v3/objects/contacts", token=alpha.token)
    store.save(old)
    with store.transaction() as portal:
        for i in range(60):  # more than a page
            portal.request("GET", f"/crm/v3/objects/contacts/{900 + i}", token=beta.token)
        created = portal.request(
            "POST", "/crm/v3/objects/contacts", token=alpha.token, json={"properties": {}}
        )
        assert created.status == 201
        contact = created.json()["id"]
        deleted = portal.request("DELETE", f"/crm/v3/objects/contacts/{contact}", token=alpha.token)
        assert deleted.status == 204
        portal.request("POST", "/crm/v3/objects/contacts", token=beta.token, json={})
    return {"all": 3 + 60 + 3}


def test_call_log_filters_narrow_a_seeded_log(dashboard: Dashboard, page: Any) -> None:
    seeded = _seed_call_log()
    sign_in(page, dashboard)
    page.goto(f"{dashboard.base}/apps/logs")
    count = page.locator("#call-count")
    assert count.inner_text().startswith(f"{seeded['all']} calls · page 1 of 2")
    assert page.locator("#calls tbody tr").count() == 50
    page.click('a[rel="next"]')
    page.wait_for_url("**page=2*", timeout=WAIT_MS)
    assert page.locator("#calls tbody tr").count() == seeded["all"] - 50

    page.goto(f"{dashboard.base}/apps/logs")
    page.select_option('select[name="method"]', "DELETE")  # submits on change
    page.wait_for_url("**method=DELETE*", timeout=WAIT_MS)
    assert count.inner_text().startswith("1 call")
    rows = page.locator("#calls tbody").inner_text()
    assert "DELETE" in rows and "alpha" in rows

    page.goto(f"{dashboard.base}/apps/logs")
    page.select_option('select[name="status"]', "4xx")
    page.wait_for_url("**status=4xx*", timeout=WAIT_MS)
    # 60 GETs of missing contacts (404) and beta's POST without the write scope (403)
    assert count.inner_text().startswith("61 calls")
    page.select_option('select[name="app"]', "beta")
    page.wait_for_url("**app=beta*", timeout=WAIT_MS)
    assert count.inner_text().startswith("61 calls")  # all of them are beta's
    page.select_option('select[name="method"]', "POST")
    page.wait_for_url("**method=POST*", timeout=WAIT_MS)
    assert count.inner_text().startswith("1 call")
    assert "403" in page.locator("#calls tbody").inner_text()

    page.goto(f"{dashboard.base}/apps/logs")
    page.select_option('select[name="app"]', "alpha")
    page.wait_for_url("**app=alpha*", timeout=WAIT_MS)
    assert count.inner_text().startswith("5 calls")
    page.select_option('select[name="since"]', "1d")  # the 3 calls of 3 days ago go
    page.wait_for_url("**since=1d*", timeout=WAIT_MS)
    assert count.inner_text().startswith("2 calls")
    page.select_option('select[name="method"]', "POST")
    page.wait_for_url("**method=POST*", timeout=WAIT_MS)
    assert count.inner_text().startswith("1 call")
    assert "201" in page.locator("#calls tbody").inner_text()
    screenshot(page, "logs")


def test_workflows_records_and_secrets_pages(dashboard: Dashboard, page: Any) -> None:
    hsrun("portal", "seed", "--demo")
    with PortalFile(get_settings()).transaction() as portal:
        [ada] = portal.find("contacts", email="ada.lovelace@acme.example")
        portal.update("contacts", ada.id, {"lifecyclestage": "evangelist"})
    sign_in(page, dashboard)
    page.goto(f"{dashboard.base}/workflows")
    flows = page.locator("#flows").inner_text()
    assert "Archive contacts (hsrun demo)" in flows
    screenshot(page, "workflows")
    page.click("text=Archive contacts (hsrun demo)")
    page.wait_for_url("**/workflows/*", timeout=WAIT_MS)
    graph = page.locator("#graph").inner_text()
    assert "Enrollment trigger" in graph and "Custom code" in graph and "CUSTOM_CODE" in graph
    screenshot(page, "workflow")

    page.goto(f"{dashboard.base}/records")
    assert "contacts" in page.locator("#types").inner_text()
    screenshot(page, "records")
    page.goto(f"{dashboard.base}/records/contacts?q=lovelace")
    rows = page.locator("#records tbody tr")
    assert rows.count() == 1 and "Ada" in rows.inner_text()
    rows.locator("a").click()
    page.wait_for_url("**/records/contacts/*", timeout=WAIT_MS)
    properties = page.locator("#properties").inner_text()
    assert "ada" in properties.lower() and "hs_object_id" in properties
    assert "companies" in page.content()  # Ada is associated with Acme
    history = page.locator("#history tbody tr")
    assert history.count() == 2  # lifecyclestage: evangelist (current), then customer
    assert "evangelist" in history.nth(0).inner_text() and "current" in history.nth(0).inner_text()
    assert "customer" in history.nth(1).inner_text()
    screenshot(page, "record")

    page.goto(f"{dashboard.base}/secrets")
    page.fill('#set-secret input[name="name"]', "WEBHOOK_KEY")
    page.fill('#set-secret input[name="value"]', "value-typed-into-the-browser")
    page.click('#set-secret button[type="submit"]')
    page.wait_for_selector("text=Added WEBHOOK_KEY", timeout=WAIT_MS)
    table = page.locator("#secrets").inner_text()
    assert "WEBHOOK_KEY" in table and "28" in table  # its length, never its value
    assert "value-typed-into-the-browser" not in page.content()
    assert "set" in page.locator("#audit").inner_text()
    screenshot(page, "secrets")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#secrets button.danger")
    page.wait_for_selector("text=Removed WEBHOOK_KEY", timeout=WAIT_MS)
    from runtime.secrets import default_source

    assert "WEBHOOK_KEY" not in default_source(get_settings()).names()


def test_an_enrollment_timeline_in_hubspots_action_log_columns(
    dashboard: Dashboard, page: Any
) -> None:
    hsrun("portal", "seed", "--demo")
    done = hsrun("workflow", "run", "flows/lead_routing.json", "--object-id", "5", "--json")
    enrollment = re.search(r'"id": "([0-9a-f]+)"', done.stdout)
    path = re.search(r'"path": \[([^\]]*)\]', done.stdout)
    assert enrollment and path
    taken = re.findall(r'"(\d+)"', path.group(1))
    assert taken[:2] == ["1", "2"] and len(taken) >= 5
    sign_in(page, dashboard)
    page.goto(f"{dashboard.base}/workflows")
    listed = page.locator(f'#enrollments a[href$="{enrollment.group(1)}"]')
    assert listed.count() == 1
    listed.click()
    page.wait_for_url(f"**/workflows/enrollments/{enrollment.group(1)}", timeout=WAIT_MS)
    headers = page.locator("#timeline thead").inner_text().split()
    assert [h.upper() for h in headers] == ["OBJECT", "ACTION", "EVENT", "TIME"]
    rows = page.locator("#timeline tbody tr")
    assert "ENROLLED" in rows.first.inner_text() and "0-1/5" in rows.first.inner_text()
    assert "COMPLETED" in rows.last.inner_text()
    assert "1. Custom code (actions/lead_score.py)" in page.locator("#timeline").inner_text()
    assert page.locator("#path").inner_text() == " > ".join(taken)
    # The path is highlighted on the graph: exactly the actions it visited.
    highlighted = page.locator("#graph li.step.taken").evaluate_all(
        "steps => steps.map(s => s.dataset.action)"
    )
    assert sorted(set(highlighted)) == sorted(set(taken))
    screenshot(page, "enrollment")
    # A custom code step links to its run's page.
    page.locator("#timeline a[href^='/runs/']").first.click()
    page.wait_for_url("**/runs/*", timeout=WAIT_MS)
    assert "lead_score" in page.locator("h1").inner_text()


def test_the_browser_opens_a_private_file_that_moves_on_to_the_dashboard(
    dashboard: Dashboard, page: Any
) -> None:
    # `hsrun ui` opens this file rather than the URL: the token stays off the browser's
    # command line. From a file (another site) the Strict cookie must still work.
    from runtime.ui.server import Address, write_opener

    port = int(dashboard.base.rsplit(":", 1)[1])
    opener = write_opener(get_settings(), Address(port=port, url=dashboard.url))
    assert opener.stat().st_mode & 0o777 == 0o600
    page.goto(opener.as_uri())
    page.wait_for_url(f"{dashboard.base}/runs", timeout=WAIT_MS)
    assert page.locator("h1").inner_text().startswith("Runs")


def test_a_run_in_flight_shows_running_then_its_result(
    dashboard: Dashboard, page: Any, tmp_path: Path
) -> None:
    action = tmp_path / "slow.py"
    release = tmp_path / "release"
    action.write_text(
        "import os, time\n\n"
        "def main(event):\n"
        f"    while not os.path.exists({str(release)!r}):\n"
        "        time.sleep(0.05)\n"
        "    print('done waiting')\n"
        "    return {'outputFields': {'waited': True}}\n",
        encoding="utf-8",
    )
    invoke = subprocess.Popen(
        [sys.executable, "-m", "runtime", "invoke", str(action), "--timeout", "120"],
        cwd=ROOT,
        env={**os.environ, "HSRUN_DAEMON": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        sign_in(page, dashboard)
        running = page.locator("#runs-rows tr[data-run]", has_text="RUNNING")
        running.wait_for(timeout=WAIT_MS)  # appears live, while it runs
        running.locator("a").first.click()
        page.wait_for_url("**/runs/*", timeout=WAIT_MS)
        assert page.locator("#status").inner_text() == "RUNNING"
        release.touch()
        page.wait_for_selector("#status:has-text('SUCCESS')", timeout=WAIT_MS)  # reloaded
        assert "done waiting" in page.locator("#logs").inner_text()
    finally:
        release.touch()
        assert invoke.wait(timeout=120) == 0
