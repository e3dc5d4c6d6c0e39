"""deploy/alerts.yml is well-formed and every metric its expressions name is one the API
exports (there is no promtool wheel, so this is the CI check of the rules file)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.support.api import BACKEND

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "alerts.yml"
METRIC = re.compile(r"\b(profitshare_[a-z0-9_]+)")
# What the brief asks an alert for (brief 004).
BRIEF = {
    "PaymentSuccessRateLow",
    "ApiLatencyP95High",
    "ApiErrorRateHigh",
    "PaymentsQuiet",
    "WebhookSignatureFailuresSpiking",
    "SharesStalled",
}


def _rules() -> list[dict]:
    document = yaml.safe_load(RULES.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_rules_are_well_formed_and_cover_the_brief():
    rules = _rules()
    assert {rule["alert"] for rule in rules} >= BRIEF
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        expr = rule["expr"]
        assert expr.count("(") == expr.count(")") and expr.count("{") == expr.count("}")
        assert rule["labels"]["severity"] in {"page", "warn"}
        assert rule["annotations"]["summary"]
        if "for" in rule:
            assert re.fullmatch(r"\d+[smh]", rule["for"])
    prometheus = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())
    assert prometheus["rule_files"] == ["/etc/prometheus/alerts.yml"]


async def test_every_metric_in_the_rules_is_exported(api):
    # One request so the latency histogram has a series to show.
    await api.get("/v1/users/u_nobody/standing", headers=BACKEND)
    scraped = (await api.get("/metrics")).text
    # A labelled counter shows no sample before its first event: its TYPE line still counts.
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum")}
    exported = {
        family.name + suffix
        for family in text_string_to_metric_families(scraped)
        for suffix in suffixes.get(family.type, ("",))
    }
    named = {name for rule in _rules() for name in METRIC.findall(rule["expr"])}
    assert named and named <= exported, sorted(named - exported)


async def test_latency_is_labelled_by_route_template_not_by_id(api):
    await api.get("/v1/users/u_someone_else/standing", headers=BACKEND)
    scraped = (await api.get("/metrics")).text
    assert 'route="/v1/users/{user_id}/standing"' in scraped
    assert "u_someone_else" not in scraped
