"""Console sessions over plain HTTP: the cookie, CSRF on every form, roles per action,
expiry, and the strict content security policy."""

from __future__ import annotations

from sqlalchemy import update

from db.models import ConsoleSession
from tests.support.console import csrf_of as _csrf
from tests.support.console import sign_in as _sign_in


async def test_only_ops_and_admin_tokens_sign_in(api):
    assert (await api.get("/admin/review")).headers["location"] == "/admin/sign-in"
    wrong = await _sign_in(api, "not-a-token")
    assert wrong.status_code == 401 and "the token is not valid" in wrong.text
    backend = await _sign_in(api, "test-backend")
    assert backend.status_code == 403 and "this needs the role ops" in backend.text
    stale = await api.post("/admin/sign-in", data={"token": "test-admin", "csrf": "guess"})
    assert stale.status_code == 403 and "CSRF" in stale.text


async def test_the_session_cookie_is_http_only_strict_and_expires(api, deps):
    signed = await _sign_in(api, "test-admin")
    assert signed.status_code == 303 and signed.headers["location"] == "/admin/review"
    cookie = next(v for v in signed.headers.get_list("set-cookie") if v.startswith("ps_console="))
    for attribute in ("HttpOnly", "SameSite=strict", "Path=/admin", "Max-Age=28800"):
        assert attribute.lower() in cookie.lower(), cookie
    page = await api.get("/admin/review")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy

    async with deps.sessions.begin() as s:  # the session's 8 hours are up
        await s.execute(update(ConsoleSession).values(expires_at=ConsoleSession.created_at))
    assert (await api.get("/admin/review")).headers["location"] == "/admin/sign-in"


async def test_a_forged_form_post_is_refused(api):
    await _sign_in(api, "test-admin")
    url = "/admin/proofs/prf_nope/decision"
    for data in ({"decision": "approve"}, {"decision": "approve", "csrf": "forged"}):
        response = await api.post(url, data=data)
        assert response.status_code == 403 and "CSRF" in response.text
    # With the page's token the same post runs, and the API's own answer is shown.
    done = await api.post(url, data={"decision": "approve", "csrf": await _csrf(api)})
    assert done.status_code == 303 and done.headers["location"] == "/admin/proofs"
    assert "no payment proof prf_nope" in (await api.get("/admin/proofs")).text


async def test_an_ops_session_cannot_act_even_with_a_valid_form(api):
    await _sign_in(api, "test-ops")
    csrf = await _csrf(api)
    response = await api.post("/admin/review/evt_x", data={"decision": "approve", "csrf": csrf})
    assert response.status_code == 403 and "this needs the role admin" in response.text
    assert (await api.get("/admin/fraud-settings")).status_code == 403


async def test_signing_out_ends_the_session_on_the_server(api):
    signed = await _sign_in(api, "test-admin")
    secret = signed.cookies["ps_console"]
    out = await api.post("/admin/sign-out", data={"csrf": await _csrf(api)})
    assert out.headers["location"] == "/admin/sign-in"
    api.cookies.set("ps_console", secret, path="/admin")  # a copy of the old cookie
    assert (await api.get("/admin/review")).headers["location"] == "/admin/sign-in"
