"""Versioned terms and consent (issue 18): no trading until the version in force is accepted."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete

from db.privacy_models import Consent, Terms
from tests.support.api import ADMIN, BACKEND, OPS
from tests.support.standing import outbox


@pytest.fixture
async def terms(api, deps) -> AsyncIterator[str]:
    """A terms version in force for this test only (every other test runs without terms)."""
    version = f"v{uuid.uuid4().hex[:8]}"
    yield version
    async with deps.sessions.begin() as s:
        await s.execute(delete(Consent).where(Consent.terms_version == version))
        await s.execute(delete(Terms).where(Terms.version == version))


async def _user(api) -> str:
    user = f"u_{uuid.uuid4().hex[:10]}"
    response = await api.post(
        "/v1/risk/assess", json={"user_id": user, "action": "signup"}, headers=BACKEND
    )
    assert response.status_code == 200
    return user


async def test_terms_gate_trading_until_accepted(api, deps, terms):
    user = await _user(api)
    standing = (await api.get(f"/v1/users/{user}/standing", headers=BACKEND)).json()
    assert standing["can_trade"] is True and standing["reasons"] == []

    body = {
        "version": terms,
        "url": "https://example.com/terms/" + terms,
        "effective_at": (datetime.now(UTC) - timedelta(seconds=1)).isoformat(),
    }
    assert (await api.put("/v1/admin/terms", json=body, headers=OPS)).status_code == 403
    put = await api.put("/v1/admin/terms", json=body, headers=ADMIN)
    assert put.status_code == 200, put.text
    assert put.json()["in_force"] is True
    again = await api.put("/v1/admin/terms", json=body | {"url": "https://x.test/"}, headers=ADMIN)
    assert again.status_code == 409

    standing = (await api.get(f"/v1/users/{user}/standing", headers=BACKEND)).json()
    assert (standing["can_trade"], standing["reason"]) == (False, "terms_not_accepted")
    pushed = await outbox(deps, user)
    assert pushed[-1].payload["changes"] == ["terms_not_accepted"]
    assert pushed[-1].payload["can_trade"] is False

    unknown = {"terms_version": "nope", "accepted_at": datetime.now(UTC).isoformat()}
    refused = await api.post(f"/v1/users/{user}/consents", json=unknown, headers=BACKEND)
    assert refused.status_code == 422

    consent = {
        "terms_version": terms,
        "accepted_at": datetime.now(UTC).isoformat(),
        "ip": "203.0.113.50",
        "user_agent": "Mozilla/5.0 (test)",
    }
    created = await api.post(f"/v1/users/{user}/consents", json=consent, headers=BACKEND)
    assert created.status_code == 201, created.text
    repeat = await api.post(f"/v1/users/{user}/consents", json=consent, headers=BACKEND)
    assert repeat.status_code == 200

    listed = (await api.get(f"/v1/users/{user}/consents", headers=OPS)).json()
    assert listed["accepted_current"] is True and listed["terms_in_force"] == terms
    assert [(c["terms_version"], c["ip"]) for c in listed["consents"]] == [(terms, "203.0.113.50")]

    standing = (await api.get(f"/v1/users/{user}/standing", headers=BACKEND)).json()
    assert standing["can_trade"] is True and standing["reason"] is None
    pushed = await outbox(deps, user)
    assert pushed[-1].payload["changes"] == ["terms_accepted"]

    audit = await api.get(f"/v1/admin/audit?subject=user/{user}", headers=OPS)
    if audit.status_code == 200:  # the audit endpoint is another helper's
        actions = [e["action"] for e in audit.json().get("entries", [])]
        assert "terms.accepted" in actions
