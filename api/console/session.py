"""Console sessions: an ops or admin token exchanged for a session cookie.

The cookie holds a random secret (HttpOnly, SameSite=Strict, scoped to /admin, expiring);
the database keeps its SHA-256 with the token encrypted. Every request re-checks the token
through `api.auth.authenticate`, the JSON API's own check: a revoked token stops working here
within a second, a role is checked per action exactly as the API does, and the audit log
records the same actor. Every form carries the session's CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request, Response
from sqlalchemy import delete

from api.auth import authenticate
from api.errors import ApiError
from db.models import ConsoleSession

COOKIE = "ps_console"
PRE_COOKIE = "ps_console_signin"  # the sign-in form's own CSRF token (double submit)
PATH = "/admin"
LIFETIME = timedelta(hours=8)  # a working day; then sign in again


class NotSignedIn(Exception):
    """No live session: GET pages redirect to the sign-in page."""


class Refused(Exception):
    """A request the console refuses as a whole (forged form, wrong role): an error page."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Operator:
    """The signed-in token and the session's CSRF token.

    `caller` is exactly what `authenticate` answered (what a route's `require(...)`
    dependency gives it), so an action passes it on to the route's function unchanged.
    """

    caller: Any
    csrf: str
    session_id: str

    @property
    def role(self) -> str:
        return str(getattr(self.caller, "role", self.caller))

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def set_cookie(request: Request, response: Response, name: str, value: str, age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=age,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


async def sign_in(request: Request, token: str) -> str:
    """Checks the token like the API does (ops or admin) and stores a session; the secret."""
    try:
        await authenticate(request, token, ("ops",))
    except ApiError as err:
        raise Refused(err.status, err.message) from None
    deps = request.app.state.deps
    secret = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    async with deps.sessions.begin() as s:
        # Sessions past their expiry are cleared on the way, so the table stays small.
        await s.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
        s.add(
            ConsoleSession(
                id=_digest(secret),
                token_enc=deps.cipher.encrypt(token),
                csrf=secrets.token_urlsafe(32),
                expires_at=now + LIFETIME,
            )
        )
    return secret


async def sign_out(request: Request) -> None:
    secret = request.cookies.get(COOKIE)
    if secret:
        async with request.app.state.deps.sessions.begin() as s:
            await s.execute(delete(ConsoleSession).where(ConsoleSession.id == _digest(secret)))


async def operator(request: Request, *roles: str) -> Operator:
    """The signed-in operator, admitted for `roles` by the API's own check."""
    secret = request.cookies.get(COOKIE)
    if not secret:
        raise NotSignedIn()
    deps = request.app.state.deps
    async with deps.sessions() as s:
        row = await s.get(ConsoleSession, _digest(secret))
    if row is None or row.expires_at <= datetime.now(UTC):
        raise NotSignedIn()
    try:
        caller = await authenticate(request, deps.cipher.decrypt(row.token_enc), roles or ("ops",))
    except ApiError as err:
        if err.status == 401:  # the token was revoked since
            raise NotSignedIn() from None
        raise Refused(err.status, err.message) from None
    return Operator(caller=caller, csrf=row.csrf, session_id=row.id)


async def posted(request: Request, *roles: str) -> tuple[Operator, dict[str, str]]:
    """A form post: the session, the role for this action, and the CSRF token checked."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    who = await operator(request, *roles)
    if not hmac.compare_digest(fields.pop("csrf", "").encode(), who.csrf.encode()):
        raise Refused(403, "this form is stale or did not come from the console (CSRF); reload")
    return who, fields
