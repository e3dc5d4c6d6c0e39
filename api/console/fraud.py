"""Fraud settings (admin) as sliders and toggles with their valid ranges, a warning on
dangerous changes, the version history with what changed and who changed it; and the
alerts list (ops)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from api.console.render import act, error_text, page, redirect
from api.console.session import operator, posted
from api.console.settings_form import controls, dangerous, parse
from api.deps import app_deps
from api.routes.fraud_settings import SettingsChange, put_fraud_settings
from api.routes.risk import list_alerts
from db.risk import settings_store
from domain.risk.settings import DEFAULT_FRAUD_SETTINGS

router = APIRouter()
HISTORY_SHOWN = 20
ALERTS_SHOWN = 50


@router.get("/admin/fraud-settings")
async def settings_page(request: Request) -> Response:
    who = await operator(request, "admin")
    async with request.app.state.deps.sessions() as s:
        current = await settings_store.current(s)
        # One more than shown, so the oldest shown has its predecessor to diff against.
        changes = await settings_store.history(s, limit=HISTORY_SHOWN + 1)
    shown = changes[:HISTORY_SHOWN]
    olders = [c.version.settings for c in changes[1:]] + [DEFAULT_FRAUD_SETTINGS]
    history = [
        {
            "version": newer.version,
            "diff": [
                (f, _get(older.model_dump(mode="json"), f), _get(after, f)) for f in newer.fields
            ],
        }
        for newer, older in zip(shown, olders, strict=False)
        for after in [newer.version.settings.model_dump(mode="json")]
    ]
    return page(
        request,
        who,
        "fraud_settings.html",
        current=current,
        groups=controls(current.settings),
        history=history,
    )


def _get(document: dict, dotted: str) -> object:
    value: object = document
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


@router.post("/admin/fraud-settings")
async def save(request: Request) -> Response:
    _, form = await posted(request, "admin")
    back = "/admin/fraud-settings"
    try:
        settings = parse(form)
        change = SettingsChange(
            settings=settings,
            note=form.get("note", ""),
            expected_version=int(form.get("expected_version", "0")),
        )
    except (ValidationError, ValueError) as err:
        text = error_text(err) if isinstance(err, ValidationError) else "a field is malformed"
        return redirect(request, back, "error", text)
    async with request.app.state.deps.sessions() as s:
        before = (await settings_store.current(s)).settings
    warnings = dangerous(before, settings)
    if warnings and form.get("confirm_dangerous") != "on":
        text = "not saved: confirm the dangerous change(s): " + "; ".join(warnings)
        return redirect(request, back, "error", text)

    async def run() -> str:
        saved = await put_fraud_settings(change, request)
        return f"saved as version {saved.version}"

    return await act(request, back, run, "saved")


@router.get("/admin/alerts")
async def alerts(request: Request, before: int | None = None) -> Response:
    who = await operator(request)
    found = await list_alerts(app_deps(request), limit=ALERTS_SHOWN, before=before)
    return page(request, who, "alerts.html", alerts=found.alerts, next_before=found.next_before)
