"""The brief's fraud settings (issue 18): switches, dismissing a false positive, shared
devices, and a disposable email over HTTP."""

from __future__ import annotations

from sqlalchemy import select

from db.models import AuditEntry, RiskDecisionRow
from db.tokens import hash_token
from services.risk.service import device_key
from tests.support.api import ADMIN, OPS
from tests.support.risk import uid
from tests.support.risk_api import assess, put_settings, rules

ADMIN_LABEL = f"bootstrap-{hash_token('test-admin')[:10]}"  # the bootstrap admin token's


async def test_a_dismissed_device_stops_counting_and_is_listed_until_then(api, deps):
    device, first, second = uid("fp"), uid(), uid()
    await assess(api, user_id=first, device_fingerprint=device)
    shared = await assess(api, user_id=second, device_fingerprint=device)
    assert rules(shared) == {"device_shared": 0}
    stored = device_key(deps.hasher, device)

    listed = (await api.get("/v1/admin/risk/devices", headers=OPS)).json()["devices"]
    mine = [d for d in listed if d["device"] == stored]
    assert mine and mine[0]["users"] == sorted([first, second])

    url = f"/v1/admin/risk/devices/{stored}/dismissals"
    body = {"user_id": second, "note": "the same family phone"}
    assert (await api.post(url, json=body, headers=OPS)).status_code == 403
    response = await api.post(url, json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    assert (await api.post(url, json=body, headers=ADMIN)).status_code == 200
    missing = await api.post(url, json={"user_id": uid()}, headers=ADMIN)
    assert missing.status_code == 404

    again = await assess(api, user_id=second, device_fingerprint=device)
    assert again["decision"] == "allow" and again["reasons"] == []
    listed = (await api.get("/v1/admin/risk/devices", headers=OPS)).json()["devices"]
    assert not [d for d in listed if d["device"] == stored]
    async with deps.sessions() as s:
        entry = await s.scalar(
            select(AuditEntry).where(
                AuditEntry.subject == f"user/{second}",
                AuditEntry.action == "risk.false_positive_dismissed",
            )
        )
    assert entry is not None and entry.actor == f"token::admin:{ADMIN_LABEL}"


async def test_a_disposable_email_adds_its_reason_and_weight(api, deps):
    user = uid()
    result = await assess(api, user_id=user, action="signup", email="Ann+x@Mailinator.com")
    assert rules(result) == {"disposable_email": 30}
    assert "mailinator.com" in result["reasons"][0]["detail"]
    async with deps.sessions() as s:
        row = await s.get(RiskDecisionRow, result["decision_id"])
    assert row.email_enc is not None and "mailinator" not in row.email_enc
    bad = await api.post(
        "/v1/risk/assess",
        json={"user_id": uid(), "action": "signup", "email": "not-an-email"},
        headers={"Authorization": "Bearer test-backend"},
    )
    assert bad.status_code == 422


async def test_switches_turn_checks_off(api, default_fraud_settings):
    device = uid("fp")
    await assess(api, user_id=uid(), device_fingerprint=device)
    await put_settings(api, device_fingerprinting_enabled=False)
    alone = await assess(api, user_id=uid(), device_fingerprint=device)
    assert "device_shared" not in rules(alone)
    await put_settings(
        api, device_fingerprinting_enabled=True, multi_account_detection_enabled=False
    )
    assert "device_shared" not in rules(await assess(api, user_id=uid(), device_fingerprint=device))
