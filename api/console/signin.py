"""Sign in (a token for a session cookie), sign out, and the console's front door."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.console import session
from api.console.render import page, redirect
from api.console.session import COOKIE, LIFETIME, PRE_COOKIE, Refused, set_cookie

router = APIRouter()


@router.get("/admin")
async def home(request: Request) -> Response:
    return redirect(request, "/admin/review")


@router.get("/admin/sign-in")
async def sign_in_page(request: Request) -> Response:
    return _form(request)


def _form(request: Request, status: int = 200, error: str = "") -> Response:
    csrf = secrets.token_urlsafe(24)
    response = page(request, None, "signin.html", status=status, csrf=csrf, error=error)
    set_cookie(request, response, PRE_COOKIE, csrf, 600)
    return response


@router.post("/admin/sign-in")
async def sign_in(request: Request) -> Response:
    form = await request.form()
    token, csrf = str(form.get("token", "")).strip(), str(form.get("csrf", ""))
    expected = request.cookies.get(PRE_COOKIE, "")
    if not expected or not hmac.compare_digest(csrf.encode(), expected.encode()):
        raise Refused(403, "the sign-in form is stale or forged (CSRF); reload it")
    if not token:
        return _form(request, 422, "enter an ops or admin token")
    try:
        secret = await session.sign_in(request, token)
    except Refused as err:
        return _form(request, err.status, err.message)
    response = redirect(request, "/admin/review")
    set_cookie(request, response, COOKIE, secret, int(LIFETIME.total_seconds()))
    response.delete_cookie(PRE_COOKIE, path="/admin")
    return response


@router.post("/admin/sign-out")
async def sign_out(request: Request) -> Response:
    await session.posted(request)  # signing out is a form like any other: CSRF checked
    await session.sign_out(request)
    response = redirect(request, "/admin/sign-in")
    response.delete_cookie(COOKIE, path="/admin")
    return response
