"""GET /v1/reports...: ops read the stored reports as JSON, CSV or an HTML page."""

from __future__ import annotations

from tests.support.api import BACKEND, OPS
from tests.support.records import recorded_share
from tests.support.reports import overdue_report as _overdue_report


async def test_ops_read_the_latest_overdue_report_in_three_forms(api, deps):
    overdue = (await recorded_share(deps, days_ago=16)).event_id
    summary = await _overdue_report(deps)

    latest = await api.get("/v1/reports/overdue", headers=OPS)
    assert latest.status_code == 200
    body = latest.json()
    assert body["period"] == summary.period and body["title"] == "Open shares past due, by level"
    assert overdue in {line["event_id"] for line in body["shares"]}
    assert (await api.get("/v1/reports/overdue/latest", headers=OPS)).json() == body
    assert (await api.get(f"/v1/reports/overdue/{summary.period}", headers=OPS)).json() == body

    as_csv = await api.get("/v1/reports/overdue", params={"format": "csv"}, headers=OPS)
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text.splitlines()[0].startswith("event_id,user_id,level")
    assert overdue in as_csv.text

    page = await api.get("/v1/reports/overdue", params={"format": "html"}, headers=OPS)
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "<svg" in page.text and overdue in page.text


async def test_the_list_links_every_form(api, deps):
    summary = await _overdue_report(deps)
    listed = (await api.get("/v1/reports", params={"kind": "overdue"}, headers=OPS)).json()
    entry = next(r for r in listed["reports"] if r["period"] == summary.period)
    assert entry["links"]["csv"] == f"/v1/reports/overdue/{summary.period}?format=csv"
    assert (await api.get(entry["links"]["html"], headers=OPS)).status_code == 200


async def test_reports_are_for_ops_and_say_what_is_missing(api, deps):
    assert (await api.get("/v1/reports/overdue")).status_code == 401
    refused = await api.get("/v1/reports/overdue", headers=BACKEND)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"

    missing = await api.get("/v1/reports/fraud/1999-W01", headers=OPS)
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "no fraud report for 1999-W01"
    unknown = await api.get("/v1/reports/profits/latest", headers=OPS)
    assert unknown.status_code == 422
    bad_format = await api.get("/v1/reports/overdue", params={"format": "pdf"}, headers=OPS)
    assert bad_format.status_code == 422
