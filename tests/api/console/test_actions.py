"""Each console action runs the JSON API's own function: its effect shows through the API,
and its refusals carry the contract's messages."""

from __future__ import annotations

from decimal import Decimal

from db.tokens import hash_token
from tests.support.api import ADMIN, OPS
from tests.support.console import csrf_of as _csrf
from tests.support.console import sign_in as _sign_in
from tests.support.scenario import eventually
from tests.support.scenario import share_in as _share_in
from tests.support.scenario import submit_event as _submit

# The bootstrap admin token as the audit log names it (db.audit.Actor.render).
ADMIN_ACTOR = f"token::admin:bootstrap-{hash_token('test-admin')[:10]}"


async def _post(api, path: str, page: str, **data: str) -> str:
    """Posts a console form like the browser does; the message shown on the page after."""
    done = await api.post(path, data={"csrf": await _csrf(api, page), **data})
    assert done.status_code == 303, done.text
    shown = await api.get(done.headers["location"])
    return shown.text


async def test_review_user_and_share_actions(api, worker, deps, emulator_url):
    held = await _submit(api, deps, emulator_url, profit="400", reported="1000")
    await _share_in(api, held, "under_review")
    await _sign_in(api, "test-admin")

    bad = await _post(api, f"/admin/review/{held}", "/admin/review", decision="approve",
                      verified_profit="4e2x")  # fmt: skip
    assert "some fields are invalid" in bad and "verified_profit" in bad
    shown = await _post(api, f"/admin/review/{held}", "/admin/review", decision="approve",
                        verified_profit="400.00", note="matches the fills")  # fmt: skip
    assert f"{held}: approved" in shown
    opened = await _share_in(api, held, "open")
    assert Decimal(opened["verified_profit"]) == Decimal("400.00")
    again = await _post(api, f"/admin/review/{held}", "/admin/review", decision="reject")
    assert "the share is open, not under_review" in again

    user, user_page = opened["user_id"], f"/admin/users/{opened['user_id']}"
    assert "user blocked" in await _post(api, f"{user_page}/block", user_page, note="fraud ring")
    standing = (await api.get(f"/v1/users/{user}/standing", headers=OPS)).json()
    assert standing["blocked"] is True
    assert "user unblocked" in await _post(api, f"{user_page}/unblock", user_page)
    assert "exempt" in await _post(api, f"{user_page}/exemption", user_page, exempt="true")
    page = (await api.get(user_page)).text
    assert "user.blocked" in page and "Lift the exemption" in page
    assert "type the user id" in await _post(api, f"{user_page}/erase", user_page, confirm="no")

    share_page = f"/admin/shares/{held}"
    refund = await _post(api, f"{share_page}/refund", share_page, amount="1.00")
    assert "refunds are not available" in refund
    no_dispute = await _post(api, f"{share_page}/dispute-resolution", share_page,
                             outcome="upheld")  # fmt: skip
    assert f"no dispute on share {held}" in no_dispute
    waived = await _post(api, f"{share_page}/waive", share_page, kind="waive", note="goodwill")
    assert "waiver requested" in waived
    await _share_in(api, held, "waived")

    async def timeline_names_the_admin():
        text = (await api.get(share_page)).text
        return text if "waive.requested" in text else None

    # The timeline says who did it: the same actor the JSON route records.
    assert f"waive.requested</strong> by <code>{ADMIN_ACTOR}" in await eventually(
        timeline_names_the_admin
    )


async def test_pages_answer_for_what_is_not_there(api):
    await _sign_in(api, "test-ops")
    missing = await api.get("/admin/shares/evt_missing")
    assert missing.status_code == 404 and "no share for event evt_missing" in missing.text
    assert (await api.get("/admin/users/u_missing")).status_code == 404
    found = await api.get("/admin/find", params={"q": "nobody"})
    assert "no share or user nobody" in (await api.get(found.headers["location"])).text
    for path in ("/admin/alerts", "/admin/reports", "/admin/proofs", "/admin/review"):
        assert (await api.get(path)).status_code == 200, path
    report = await api.get("/admin/reports/overdue/2020-01-01.html")
    assert report.status_code == 404 and "no overdue report for 2020-01-01" in report.text


async def test_a_dangerous_settings_change_needs_a_confirmation(api, default_fraud_settings):
    await _sign_in(api, "test-admin")
    version = (await api.get("/v1/admin/fraud-settings", headers=ADMIN)).json()["version"]
    form = {"auto_suspend_enabled": "on", "vpn_alerts": "on", "proxy_blocks": "on",
            "tor_blocks": "on", "expected_version": str(version)}  # fmt: skip
    page = "/admin/fraud-settings"
    refused = await _post(api, page, page, **form)
    assert "not saved: confirm the dangerous change" in refused and "auto-suspend" in refused
    assert (await api.get(page.replace("/admin", "/v1/admin"), headers=ADMIN)).json()[
        "version"
    ] == version
    saved = await _post(api, page, page, **form, confirm_dangerous="on")
    assert f"saved as version {version + 1}" in saved
    stale = await _post(api, page, page, **form, confirm_dangerous="on")
    # Saved from a page that is out of date: the API's 409, in its words.
    assert f"the settings are at version {version + 1}, not {version}" in stale
