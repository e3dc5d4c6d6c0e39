"""Intake: one event, one workflow, one share; bad input is refused and creates nothing."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import datetime

import pytest
from sqlalchemy import func, select, update

from db.models import ProfitEventRow, Share
from domain.models import ProfitEvent
from tests.support.api import BACKEND, OPS
from tests.support.scenario import event_body, eventually
from tests.support.statements import statements
from workflows.ids import share_workflow_id


async def _count(deps, model, event_id: str) -> int:
    async with deps.sessions() as s:
        return await s.scalar(
            select(func.count()).select_from(model).where(model.event_id == event_id)
        )


async def test_same_event_twice_is_one_workflow_and_one_share(
    api, worker, deps, emulator_url, time_skipping_env
):
    body = await event_body(deps, emulator_url)
    first = await api.post("/v1/profit-events", json=body, headers=BACKEND)
    second = await api.post("/v1/profit-events", json=body, headers=BACKEND)
    assert (first.status_code, second.status_code) == (202, 200)
    assert (
        first.json()
        == second.json()
        == {
            "event_id": body["event_id"],
            "workflow_id": share_workflow_id(body["event_id"]),
            "status_url": f"/v1/shares/{body['event_id']}",
        }
    )

    async def opened():
        share = (await api.get(f"/v1/shares/{body['event_id']}", headers=OPS)).json()
        return share if share["status"] == "open" else None

    share = await eventually(opened)
    assert share["share_amount"] == "150.00"
    assert await _count(deps, Share, body["event_id"]) == 1
    handle = time_skipping_env.client.get_workflow_handle(share_workflow_id(body["event_id"]))
    history = await handle.fetch_history()
    first_run = history.events[
        0
    ].workflow_execution_started_event_attributes.original_execution_run_id
    assert (await handle.describe()).run_id == first_run  # the second POST started no new run


async def test_same_id_different_body_is_a_conflict(api, worker, deps, emulator_url):
    body = await event_body(deps, emulator_url)
    assert (await api.post("/v1/profit-events", json=body, headers=BACKEND)).status_code == 202
    changed = {**body, "reported_profit": "999.00"}
    response = await api.post("/v1/profit-events", json=changed, headers=BACKEND)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


@pytest.mark.parametrize(
    ("field", "respelled"),
    [
        ("reported_profit", "1000.0"),
        ("reported_profit", "1E+3"),
        ("reported_profit", "1000"),
        ("session_start", "+05:30"),  # the same instant in another UTC offset
    ],
)
async def test_the_same_event_spelled_another_way_is_a_repeat_not_a_conflict(
    api, deps, emulator_url, field, respelled
):
    body = await event_body(deps, emulator_url)
    assert body["reported_profit"] == "1000.00"
    if field == "session_start":
        zone = datetime.fromisoformat(f"2026-01-01T00:00:00{respelled}").tzinfo
        respelled = datetime.fromisoformat(body[field]).astimezone(zone).isoformat()
    first = await api.post("/v1/profit-events", json=body, headers=BACKEND)
    assert first.status_code == 202, first.text
    again = await api.post("/v1/profit-events", json={**body, field: respelled}, headers=BACKEND)
    assert (again.status_code, again.json()) == (200, first.json()), again.text


async def test_an_event_recorded_with_the_old_fingerprint_is_a_repeat_when_sent_as_before(
    api, deps, emulator_url
):
    """Fingerprints recorded before they were canonical hashed the body as spelled."""
    body = await event_body(deps, emulator_url, reported_profit="1000.5")
    first = await api.post("/v1/profit-events", json=body, headers=BACKEND)
    assert first.status_code == 202, first.text
    as_spelled = ProfitEvent.model_validate(body).model_dump(mode="json")
    as_spelled.pop("email")
    text = json.dumps(as_spelled, sort_keys=True, separators=(",", ":"))
    async with deps.sessions.begin() as s:
        await s.execute(
            update(ProfitEventRow)
            .where(ProfitEventRow.event_id == body["event_id"])
            .values(fingerprint=hashlib.sha256(text.encode()).hexdigest())
        )
    again = await api.post("/v1/profit-events", json=body, headers=BACKEND)
    assert (again.status_code, again.json()) == (200, first.json()), again.text
    changed = {**body, "reported_profit": "1000.6"}
    assert (await api.post("/v1/profit-events", json=changed, headers=BACKEND)).status_code == 409


async def test_malformed_events_get_field_errors_and_create_nothing(api, deps, emulator_url):
    body = await event_body(deps, emulator_url)
    cases = {
        "reported_profit": 1000.0,  # a number, not a decimal string
        "currency": "usdt",
        "positions_count": -1,
        "session_end": body["session_start"],  # ends when it starts
        "symbols": [],
        "event_id": "evt with spaces",
    }
    for field, value in cases.items():
        response = await api.post("/v1/profit-events", json={**body, field: value}, headers=BACKEND)
        assert response.status_code == 422, (field, response.text)
        error = response.json()["error"]
        assert error["code"] == "invalid" and error["details"], field
    for bad in ("NaN", "Infinity", "1e400", "12345678901234567890.00"):
        response = await api.post(
            "/v1/profit-events", json={**body, "reported_profit": bad}, headers=BACKEND
        )
        assert response.status_code == 422, bad
    assert await _count(deps, ProfitEventRow, body["event_id"]) == 0


async def test_a_fingerprint_the_database_cannot_hold_is_refused_before_anything_is_recorded(
    api, deps, emulator_url
):
    """A NUL was accepted (202), then screening failed on every attempt (psycopg refuses NUL
    in text) and the share never left `screening`, its event id spent."""
    body = await event_body(deps, emulator_url)
    for field in ("api_key_fingerprint", "device_fingerprint"):
        response = await api.post(
            "/v1/profit-events", json={**body, field: "fp\u0000x"}, headers=BACKEND
        )
        assert response.status_code == 422, (field, response.text)
        assert response.json()["error"]["details"][0]["field"] == field
    assert await _count(deps, ProfitEventRow, body["event_id"]) == 0
    assert (await api.post("/v1/profit-events", json=body, headers=BACKEND)).status_code == 202


async def test_not_json_is_400_and_too_large_is_413(api):
    response = await api.post(
        "/v1/profit-events",
        content=b"{not json",
        headers={**BACKEND, "content-type": "application/json"},
    )
    assert response.status_code == 400
    huge = json.dumps({"pad": "x" * 200_000}).encode()
    response = await api.post(
        "/v1/profit-events", content=huge, headers={**BACKEND, "content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


async def test_tokens_and_roles(api, deps, emulator_url):
    body = await event_body(deps, emulator_url)
    assert (await api.post("/v1/profit-events", json=body)).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert (await api.post("/v1/profit-events", json=body, headers=wrong)).status_code == 401
    assert (await api.post("/v1/profit-events", json=body, headers=OPS)).status_code == 403
    assert (await api.get("/v1/shares/evt_unknown", headers=OPS)).status_code == 404


async def test_an_account_not_the_users_is_refused_and_records_nothing(api, deps, emulator_url):
    body = await event_body(deps, emulator_url)
    other = await event_body(deps, emulator_url)  # a registered account, of another user
    for account in ("acct_never_registered", other["account_id"]):
        response = await api.post(
            "/v1/profit-events", json={**body, "account_id": account}, headers=BACKEND
        )
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert (error["code"], error["details"][0]["field"]) == ("invalid", "account_id")
    assert await _count(deps, ProfitEventRow, body["event_id"]) == 0
    # The event once recorded, the same id with a wrong account is still refused first.
    assert (await api.post("/v1/profit-events", json=body, headers=BACKEND)).status_code == 202
    moved = {**body, "account_id": other["account_id"]}
    assert (await api.post("/v1/profit-events", json=moved, headers=BACKEND)).status_code == 422


async def test_a_new_event_is_one_statement_with_no_transaction_around_it(api, deps, emulator_url):
    """Issue 20: in a burst, intake's requests share the cores with the shares they start. A
    new event is one INSERT on its own (no BEGIN, no COMMIT); a repeat reads what it repeats."""
    warm = await event_body(deps, emulator_url)
    assert (await api.post("/v1/profit-events", json=warm, headers=BACKEND)).status_code == 202
    body = await event_body(deps, emulator_url)
    with statements() as seen:
        first = await api.post("/v1/profit-events", json=body, headers=BACKEND)
    assert first.status_code == 202
    assert [in_transaction for _, in_transaction in seen] == [False], seen
    with statements() as seen:
        again = await api.post("/v1/profit-events", json=body, headers=BACKEND)
    assert again.status_code == 200
    assert [in_transaction for _, in_transaction in seen] == [False, False], seen


async def test_the_same_new_event_twice_at_once_is_recorded_once(api, deps, emulator_url):
    body = await event_body(deps, emulator_url)
    answers = await asyncio.gather(
        *(api.post("/v1/profit-events", json=body, headers=BACKEND) for _ in range(2))
    )
    assert sorted(a.status_code for a in answers) == [200, 202]
    assert answers[0].json() == answers[1].json()
    assert await _count(deps, ProfitEventRow, body["event_id"]) == 1
