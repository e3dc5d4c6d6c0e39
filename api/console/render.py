"""Rendering console pages, and running an action through the JSON API's own functions.

An action redirects back to its page (POST, redirect, GET) with the outcome in a short-lived
flash cookie: the result, or the contract's error message exactly as the API would answer.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.service import RPCError

from api.console.session import Operator, set_cookie
from api.errors import ApiError
from db import audit
from db.crypto import FieldCipher

FLASH = "ps_console_flash"
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def admin_url(section: str, key: str) -> str:
    """The console page of one record (a share, a user): the id quoted whole, "/" included."""
    return f"/admin/{section}/{quote(key, safe='')}"


def page(
    request: Request, who: Operator | None, template: str, status: int = 200, **context: Any
) -> Response:
    flash = _read_flash(request)
    response = templates.TemplateResponse(
        request, template, {"who": who, "flash": flash, **context}, status_code=status
    )
    if flash is not None:
        response.delete_cookie(FLASH, path="/admin")
    return response


def _read_flash(request: Request) -> dict[str, str] | None:
    raw = request.cookies.get(FLASH)
    if not raw:
        return None
    try:
        value = json.loads(unquote(raw))
        return {"kind": str(value["kind"]), "text": str(value["text"])}
    except (ValueError, KeyError, TypeError):
        return None


def redirect(request: Request, to: str, kind: str | None = None, text: str = "") -> Response:
    response = RedirectResponse(to, status_code=303)
    if kind is not None:
        set_cookie(request, response, FLASH, quote(json.dumps({"kind": kind, "text": text})), 60)
    return response


def error_text(err: Exception) -> str:
    """The contract's message (and its details' field messages) for the page."""
    if isinstance(err, ApiError):
        extra = [
            f"{d.get('field')}: expected {d['expected']}"
            for d in err.details
            if isinstance(d, dict) and "expected" in d
        ]
        return "; ".join([err.message, *extra])
    if isinstance(err, ValidationError):
        parts = []
        for e in err.errors():
            field = ".".join(str(p) for p in e.get("loc", ()))
            parts.append(f"{field}: {e.get('msg', '')}" if field else str(e.get("msg", "")))
        return "some fields are invalid: " + "; ".join(parts)
    raise err


async def act(
    request: Request, back: str, action: Callable[[], Awaitable[Any]], done: str
) -> Response:
    """Runs `action` (a JSON route's own function) and shows its outcome on `back`: `done`,
    or what the action answered if it answered a sentence."""
    try:
        result = await action()
    except (ApiError, ValidationError) as err:
        return redirect(request, back, "error", error_text(err))
    except RPCError:  # as the API answers it (api/errors.py): nothing was half-done
        return redirect(request, back, "error", "the workflow service is unavailable; retry later")
    return redirect(request, back, "ok", result if isinstance(result, str) else done)


async def audit_timeline(
    s: AsyncSession, cipher: FieldCipher, subject: str, limit: int
) -> list[dict[str, Any]]:
    """Who did what to `subject`: its last `limit` audit entries, newest first, details
    decrypted (a share's and a user's page show the same timeline)."""
    entries = (await audit.entries_for(s, subject))[-limit:]
    return [
        {
            "at": e.at,
            "actor": e.actor,
            "action": e.action,
            "details": await audit.details_of(s, cipher, e),
        }
        for e in reversed(entries)
    ]


def money(value: object) -> str:
    return "—" if value is None else str(value)


templates.env.filters["money"] = money
templates.env.filters["when"] = lambda d: (
    "—" if d is None else d.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
)
