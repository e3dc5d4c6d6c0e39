"""Erasure (issue 18): personal data unreadable, the money and the audit chain intact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from db import integrity, user_keys
from db.models import Device, PaymentProof, RiskDecisionRow, Share
from db.privacy_models import UserKey
from tests.api.test_proof_screenshots import _fields, _image
from tests.api.test_proofs import _url, open_share  # noqa: F401 (fixture)
from tests.support.api import ADMIN, BACKEND, OPS
from tests.support.risk import LISTED


async def test_erasing_a_user_keeps_the_money_and_the_chain(api, deps, open_share):  # noqa: F811
    before = (await api.get(f"/v1/shares/{open_share}", headers=OPS)).json()
    user = before["user_id"]
    paid_at = datetime.now(UTC) - timedelta(minutes=2)
    shot = _image("JPEG", taken=paid_at)
    proof = await api.post(
        _url(open_share),
        data=_fields(paid_at),
        files={"screenshot": ("p.jpg", shot, "image/jpeg")},
        headers=BACKEND,
    )
    assert proof.status_code == 202, proof.text
    risk = await api.post(
        "/v1/risk/assess",
        json={
            "user_id": user,
            "action": "login",
            "ip": LISTED["vpn"],
            "device_fingerprint": "fp_erase_me",
            "email": "Erase.Me+x@example.org",
        },
        headers=BACKEND,
    )
    assert risk.status_code == 200
    assert LISTED["vpn"] in str(risk.json()["reasons"])  # the reason quotes the address
    async with deps.sessions() as s:
        stored = await s.get(PaymentProof, proof.json()["proof_id"])
        screenshot_token = stored.screenshot_enc
        email_token = (await s.get(RiskDecisionRow, risk.json()["decision_id"])).email_enc
        mine = await user_keys.existing(s, deps.cipher, user)
        assert mine.decrypt(email_token) == "erase.me@example.org"

    assert (await api.post(f"/v1/admin/users/{user}/erase", headers=OPS)).status_code == 403
    assert (await api.post("/v1/admin/users/u_nobody_here/erase", headers=ADMIN)).status_code == 404
    erased = await api.post(f"/v1/admin/users/{user}/erase", headers=ADMIN)
    assert erased.status_code == 200, erased.text
    report = erased.json()
    assert report["data_key_destroyed"] is True and report["screenshots_deleted"] == 1
    assert report["risk_decisions_pseudonymised"] >= 2 and report["device_sightings_deleted"] >= 1
    assert "shares" in report["kept"]

    async with deps.sessions() as s:
        assert await s.get(UserKey, user) is None
        assert await user_keys.existing(s, deps.cipher, user) is None
        assert user_keys.readable(None, screenshot_token) is None
        assert user_keys.readable(None, email_token) is None
        decisions = (
            await s.scalars(select(RiskDecisionRow).where(RiskDecisionRow.user_id == user))
        ).all()
        assert decisions and all(
            d.ip_enc is None
            and d.ip_hash is None
            and d.device_fingerprint is None
            and d.email_enc is None
            for d in decisions
        )
        # The reasons quoted the address and the device: they no longer do.
        details = str([deps.cipher.decrypt_json(d.reasons_enc) for d in decisions])
        assert LISTED["vpn"] not in details and "(erased)" in details
        assert not (await s.scalars(select(Device).where(Device.user_id == user))).all()
        proof_row = await s.get(PaymentProof, proof.json()["proof_id"])
        assert proof_row.screenshot_enc is None and proof_row.ip_enc is None
        assert (await s.get(Share, open_share)) is not None

    after = (await api.get(f"/v1/shares/{open_share}", headers=OPS)).json()
    assert (after["amount_due"], after["share_amount"]) == (
        before["amount_due"],
        before["share_amount"],
    )
    checked = await integrity.verify(deps.sessions, deps.cipher, deps.hasher)
    assert not [f for f in checked.findings if f.kind == "chain_broken"]
    assert not [f for f in checked.findings if f.subject == open_share]

    again = (await api.post(f"/v1/admin/users/{user}/erase", headers=ADMIN)).json()
    assert again["already_erased"] is True and again["data_key_destroyed"] is False
