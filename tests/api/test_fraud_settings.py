"""GET/PUT /v1/admin/fraud-settings, reset and versions: a versioned, validated document."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import AuditEntry
from domain.risk import DEFAULT_FRAUD_SETTINGS
from tests.support.api import ADMIN, BACKEND, OPS
from tests.support.audit import details
from tests.support.risk import LISTED, uid

URL = "/v1/admin/fraud-settings"
DEFAULTS = DEFAULT_FRAUD_SETTINGS.model_dump(mode="json")

pytestmark = pytest.mark.usefixtures("default_fraud_settings")


async def current(api) -> dict:
    response = await api.get(URL, headers=ADMIN)
    assert response.status_code == 200
    return response.json()


async def put(api, document: dict, **extra) -> dict:
    response = await api.put(URL, json={"settings": document, **extra}, headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()


async def test_only_admins(api):
    for headers in (OPS, BACKEND):
        assert (await api.get(URL, headers=headers)).status_code == 403
        put = await api.put(URL, json={"settings": DEFAULTS}, headers=headers)
        assert put.status_code == 403
        assert (await api.post(f"{URL}/reset", headers=headers)).status_code == 403
    assert (await api.get(URL)).status_code == 401


async def test_round_trip(api):
    before = await current(api)
    assert before["settings"] == DEFAULTS
    changed = {
        **DEFAULTS,
        "alert_threshold": 35,
        "weights": {**DEFAULTS["weights"], "vpn": 10},
        "whitelisted_ips": ["10.0.0.0/8"],
        "profit_outlier_factor": "7.5",
    }
    saved = await put(api, changed, note="fewer VPN false alarms")
    assert saved["version"] == before["version"] + 1
    assert saved["settings"] == changed
    assert saved["note"] == "fewer VPN false alarms"
    assert saved["changed_by"].startswith("token::admin:bootstrap-")
    assert saved["changed_at"] is not None
    assert await current(api) == saved


async def test_a_left_out_field_takes_its_default(api):
    await put(api, {**DEFAULTS, "block_threshold": 80})
    saved = await put(api, {"alert_threshold": 30})
    assert (saved["settings"]["alert_threshold"], saved["settings"]["block_threshold"]) == (30, 70)


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"alert_threshold": 70}, "settings.block_threshold"),
        ({"block_threshold": 95}, "settings.auto_suspend_threshold"),
        ({"alert_threshold": "high"}, "settings.alert_threshold"),
        ({"alert_threshold": 101}, "settings.alert_threshold"),
        ({"weights": {"vpn": -1}}, "settings.weights.vpn"),
        ({"weights": {"vpm": 1}}, "settings.weights.vpm"),
        ({"max_accounts_per_device": 0}, "settings.max_accounts_per_device"),
        ({"whitelisted_ips": ["10.0.0.1/8"]}, "settings.whitelisted_ips.0"),
        ({"stale_intel_weight_factor": "2"}, "settings.stale_intel_weight_factor"),
        ({"tor_blocks": "perhaps"}, "settings.tor_blocks"),
        ({"no_such_setting": 1}, "settings.no_such_setting"),
    ],
)
async def test_invalid_documents_are_refused_and_change_nothing(api, document, field):
    before = await current(api)
    response = await api.put(URL, json={"settings": document}, headers=ADMIN)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert [d["field"] for d in error["details"]] == [field]
    assert await current(api) == before


async def test_a_stale_expected_version_is_a_conflict(api):
    start = (await current(api))["version"]
    await put(api, DEFAULTS | {"alert_threshold": 30}, expected_version=start)
    response = await api.put(
        URL, json={"settings": DEFAULTS, "expected_version": start}, headers=ADMIN
    )
    assert response.status_code == 409
    assert response.json()["error"]["details"] == [{"latest_version": start + 1}]
    assert (await current(api))["settings"]["alert_threshold"] == 30


async def test_reset_appends_the_defaults_as_a_new_version(api):
    changed = await put(api, DEFAULTS | {"vpn_blocks": True})
    response = await api.post(f"{URL}/reset", headers=ADMIN)
    assert response.status_code == 200
    reset = response.json()
    assert reset["version"] == changed["version"] + 1
    assert reset["settings"] == DEFAULTS
    assert reset["note"] == "reset to the defaults"


async def test_versions_say_who_changed_what_and_when(api, deps):
    first = await put(api, DEFAULTS | {"alert_threshold": 30}, note="one")
    second = await put(
        api, DEFAULTS | {"alert_threshold": 30, "weights": DEFAULTS["weights"] | {"tor": 60}}
    )
    history = (await api.get(f"{URL}/versions", params={"limit": 2}, headers=ADMIN)).json()
    assert [(v["version"], v["changes"]) for v in history["versions"]] == [
        (second["version"], ["weights.tor"]),
        (first["version"], ["alert_threshold"]),
    ]
    assert history["versions"][1]["note"] == "one"
    async with deps.sessions() as s:
        entry = await s.scalar(
            select(AuditEntry).where(
                AuditEntry.idempotency_key == f"fraud-settings:{second['version']}"
            )
        )
    assert (entry.action, entry.actor) == ("fraud_settings.changed", second["changed_by"])
    assert (await details(deps, entry))["changes"] == ["weights.tor"]


async def test_a_change_applies_to_the_next_assessment_at_once(api):
    user = uid()
    body = {"user_id": user, "action": "login", "ip": LISTED["vpn"]}
    assert (await api.post("/v1/risk/assess", json=body, headers=BACKEND)).json()[
        "decision"
    ] == "alert"
    await put(api, DEFAULTS | {"vpn_blocks": True})
    after = (await api.post("/v1/risk/assess", json=body, headers=BACKEND)).json()
    assert after["decision"] == "block"
