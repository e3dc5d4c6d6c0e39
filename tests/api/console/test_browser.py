"""The console in a real Chromium: sign in, decide proofs, change fraud settings, sign out;
an ops token sees no admin buttons. Screenshots of each page land in test-artifacts/console."""

from __future__ import annotations

from tests.support.api import ADMIN, BACKEND, OPS
from tests.support.console import shot
from tests.support.proofs import proof_body as _proof
from tests.support.proofs import proofs_url as _url
from tests.support.proofs import utr as _utr
from tests.support.records import recorded_share
from tests.support.reports import overdue_report as _overdue_report
from tests.support.scenario import share_in as _share_in
from tests.support.scenario import submit_event as _submit

WIDE, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


async def _sign_in(browser, base: str, token: str, viewport=WIDE):
    page = await browser.new_page(viewport=viewport)
    await page.goto(f"{base}/admin")
    assert page.url.endswith("/admin/sign-in")  # not signed in: sent to the sign-in page
    await shot(page, "sign-in")
    await page.get_by_label("Ops or admin token").fill(token)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/admin/review")
    return page


async def _flash(page) -> str:
    return await page.locator("p.flash").inner_text()


async def test_an_admin_decides_proofs_changes_settings_and_signs_out(
    api, worker, deps, emulator_url, console_url, browser, default_fraud_settings
):
    held = await _submit(api, deps, emulator_url, profit="400", reported="1000")
    event_id = await _submit(api, deps, emulator_url, profit="1000", reported="1000")
    await _share_in(api, held, "under_review")
    await _share_in(api, event_id, "open")
    overdue = (await recorded_share(deps, days_ago=16)).event_id
    report = await _overdue_report(deps)
    cropped_utr, good_utr = _utr(), _utr()
    first, second = _proof(txn=cropped_utr), _proof(txn=good_utr)
    for proof in (first, second):
        response = await api.post(_url(event_id), json=proof, headers=BACKEND)
        assert response.status_code == 202, response.text

    page = await _sign_in(browser, console_url, "test-admin")
    assert await page.get_by_role("link", name=held).count() == 1
    await shot(page, "review-queue")

    await page.get_by_role("link", name="Payments").click()
    await shot(page, "payments")
    cropped = page.locator("article", has_text=cropped_utr)
    await cropped.get_by_label("Message to the user").fill("the screenshot is cropped")
    await cropped.get_by_role("button", name="Request new proof").click()
    assert "new proof requested" in await _flash(page)
    good = page.locator("article", has_text=good_utr)
    await good.get_by_role("button", name="Approve").click()
    assert "approved" in await _flash(page)
    paid = await _share_in(api, event_id, "paid")
    statuses = {p["transaction_id"]: p["status"] for p in paid["proofs"]}
    assert statuses == {
        cropped_utr: "new_proof_requested",
        good_utr: "approved",
    }

    await page.goto(f"{console_url}/admin/shares/{event_id}")
    assert await page.locator("h1 .badge").inner_text() == "paid"
    await shot(page, "share")
    await page.get_by_role("link", name=paid["user_id"]).first.click()
    await shot(page, "user")

    # A threshold slider, moved with the keyboard, saved as a new version.
    await page.get_by_role("link", name="Fraud settings").click()
    before = (await api.get("/v1/admin/fraud-settings", headers=ADMIN)).json()
    slider = page.locator("#f-alert_threshold")
    await slider.focus()
    for _ in range(5):
        await page.keyboard.press("ArrowRight")
    assert await page.locator('output[data-for="f-alert_threshold"]').inner_text() == "45"
    await page.get_by_label("What changed and why").fill("alert a little later")
    await page.get_by_role("button", name="Save as a new version").click()
    assert f"saved as version {before['version'] + 1}" in await _flash(page)
    after = (await api.get("/v1/admin/fraud-settings", headers=ADMIN)).json()
    assert after["version"] == before["version"] + 1
    assert after["settings"]["alert_threshold"] == 45
    assert after["changed_by"].startswith("token::admin:bootstrap-")
    await shot(page, "fraud-settings")

    # Out of range: a block threshold at or below the alert one is refused, with the reason.
    await page.locator("#f-block_threshold").fill("30")
    await page.get_by_role("button", name="Save as a new version").click()
    assert "must be greater than alert_threshold (45)" in await _flash(page)
    latest = (await api.get("/v1/admin/fraud-settings", headers=ADMIN)).json()
    assert latest["version"] == after["version"]

    await page.get_by_role("link", name="Alerts").click()
    await shot(page, "alerts")
    await page.get_by_role("link", name="Reports").click()
    await shot(page, "reports")
    row = page.get_by_role("row").filter(has_text=report.period).first
    await row.get_by_role("link", name="page with chart").click()
    assert await page.locator("svg").count() >= 1 and overdue in await page.content()
    await shot(page, "report-overdue")
    await page.go_back()
    await page.set_viewport_size(PHONE)
    await page.goto(f"{console_url}/admin/review")
    await shot(page, "review-queue-phone")
    await page.goto(f"{console_url}/admin/proofs")
    await shot(page, "payments-phone")

    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url("**/admin/sign-in")
    await page.goto(f"{console_url}/admin/proofs")
    assert page.url.endswith("/admin/sign-in")  # the session is gone, not just the cookie


async def test_an_ops_token_sees_no_admin_buttons(
    api, worker, deps, emulator_url, console_url, browser
):
    held = await _submit(api, deps, emulator_url, profit="400", reported="1000")
    await _share_in(api, held, "under_review")
    page = await _sign_in(browser, console_url, "test-ops")
    assert await page.get_by_role("link", name=held).count() == 1
    assert await page.get_by_role("button", name="Approve").count() == 0
    assert await page.get_by_role("link", name="Fraud settings").count() == 0
    await page.goto(f"{console_url}/admin/shares/{held}")
    assert await page.get_by_role("button").all_inner_texts() == ["Open", "Sign out"]
    await shot(page, "share-as-ops")
    response = await page.goto(f"{console_url}/admin/fraud-settings")
    assert response.status == 403
    assert "needs the role admin" in await page.locator("p.flash").inner_text()
    share = (await api.get(f"/v1/shares/{held}", headers=OPS)).json()
    assert share["status"] == "under_review"
