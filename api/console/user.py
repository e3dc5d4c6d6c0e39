"""One user: standing (the same function as GET /v1/users/{id}/standing), trust history,
open shares, linked accounts and devices, risk decisions with reasons; block or unblock,
exemption, erase (typed confirmation)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from api.audited import acting
from api.console.render import act, admin_url, audit_timeline, page, redirect
from api.console.session import Refused, operator, posted
from api.deps import app_deps
from api.errors import ApiError
from api.routes.blocking import BlockNote, block_user, unblock_user
from api.routes.exemptions import ExemptionIn, set_exemption
from api.routes.standing import get_standing
from db.models import Device, ExchangeAccount, RiskDecisionRow, Share, User
from db.risk.decisions import _decision as decision_of
from db.risk.links import linked_accounts

router = APIRouter()
DECISIONS_SHOWN = 20
HISTORY_SHOWN = 100


@router.get("/admin/users/{user_id}")
async def user(user_id: str, request: Request) -> Response:
    who = await operator(request)
    try:
        standing = await get_standing(user_id, app_deps(request))
    except ApiError as err:  # 404 with the contract's message
        raise Refused(err.status, err.message) from None
    deps = request.app.state.deps
    async with deps.sessions() as s:
        exempt = await s.scalar(select(User.exempt).where(User.id == user_id))
        history = await audit_timeline(s, deps.cipher, f"user/{user_id}", HISTORY_SHOWN)
        accounts = list(
            await s.scalars(select(ExchangeAccount).where(ExchangeAccount.user_id == user_id))
        )
        devices = list(
            await s.scalars(
                select(Device).where(Device.user_id == user_id).order_by(Device.last_seen.desc())
            )
        )
        links = await linked_accounts(s, user_id)
        rows = await s.scalars(
            select(RiskDecisionRow)
            .where(RiskDecisionRow.user_id == user_id)
            .order_by(RiskDecisionRow.id.desc())
            .limit(DECISIONS_SHOWN)
        )
        decisions = [decision_of(row, deps.cipher) for row in rows]
    return page(
        request,
        who,
        "user.html",
        standing=standing,
        exempt=bool(exempt),
        history=history,
        accounts=accounts,
        devices=devices,
        links={other: sorted(via) for other, via in sorted(links.items())},
        decisions=decisions,
    )


@router.post("/admin/users/{user_id}/block")
async def block(user_id: str, request: Request) -> Response:
    _, form = await posted(request, "admin")
    body = BlockNote(note=form.get("note", ""))
    back = _back(form, admin_url("users", user_id))
    return await act(request, back, lambda: block_user(user_id, request, body), "user blocked")


@router.post("/admin/users/{user_id}/unblock")
async def unblock(user_id: str, request: Request) -> Response:
    _, form = await posted(request, "admin")
    body = BlockNote(note=form.get("note", ""))
    run = lambda: unblock_user(user_id, request, body)  # noqa: E731
    return await act(request, admin_url("users", user_id), run, "user unblocked")


@router.post("/admin/users/{user_id}/exemption")
async def exemption(user_id: str, request: Request) -> Response:
    _, form = await posted(request, "admin")
    exempt = form.get("exempt") == "true"

    async def run() -> None:
        body = ExemptionIn(exempt=exempt, note=form.get("note", ""))
        await set_exemption(user_id, body, request, acting(request))

    return await act(
        request, admin_url("users", user_id), run, "exempt" if exempt else "exemption lifted"
    )


@router.post("/admin/users/{user_id}/erase")
async def erase(user_id: str, request: Request) -> Response:
    """HOOK (merge): POST /v1/admin/users/{user_id}/erase is being built beside this console;
    when it lands, call its function in `run` as `exemption` does."""
    _, form = await posted(request, "admin")
    if form.get("confirm", "") != user_id:
        return redirect(
            request, admin_url("users", user_id), "error", "type the user id to confirm"
        )

    async def run() -> None:
        raise ApiError(501, "erasure is not available in this build yet")

    return await act(request, admin_url("users", user_id), run, "")


def _back(form: dict[str, str], default: str) -> str:
    """Where a form asked to return to: only a console page, never another site."""
    back = form.get("back", "")
    return back if back.startswith("/admin/") and not back.startswith("//") else default


@router.get("/admin/find")
async def find(request: Request, q: str = "") -> Response:
    """The search box: a share's event id or a user id."""
    await operator(request)
    q = q.strip()
    if not q:
        return redirect(request, "/admin/review")
    async with request.app.state.deps.sessions() as s:
        if await s.get(Share, q) is not None:
            return redirect(request, admin_url("shares", q))
        if await s.get(User, q) is not None:
            return redirect(request, admin_url("users", q))
    return redirect(request, "/admin/review", "error", f"no share or user {q}")
