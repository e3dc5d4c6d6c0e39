"""The IP-list refresh: downloads from the configured sources, replaces the lists whole in
PostgreSQL, where every worker and API replica reads the same copy."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.risk.intel_refresh import IntelRefreshActivities
from config.settings import Settings
from db import ip_lists
from db.models import IpList
from domain.risk import data_as_of, parse_list
from domain.risk.ipintel import list_file
from runtime.ip_intel_schedule import ip_intel_schedule
from services.risk.email_intel import SHIPPED, EmailFiles, email_list_path
from services.risk.intel import IntelStore
from tests.support.http_server import QuietHandler, serving
from workers.worker import build_worker
from workflows.ip_intel import IpIntelRefreshWorkflow

TOR = "# Tor exits\n192.0.2.70\n192.0.2.71\nnot-an-address\n2001:db8:7::1\n"
VPN = "198.51.100.0/25\n203.0.113.0/24\n"
REDIRECT = "<redirect>"  # a page the list server answers with a 302 to a plain-http host


@pytest.fixture
def list_server() -> Iterator[tuple[str, dict[str, str]]]:
    """A local HTTP server: path -> body; any other path is a 404."""
    pages: dict[str, str] = {}

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path)
            if body == REDIRECT:
                self.send_response(302)
                self.send_header("location", "http://lists.example/elsewhere.txt")
                self.send_header("content-length", "0")
                self.end_headers()
                return
            self.send_response(200 if body is not None else 404)
            payload = (body or "not found").encode()
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    with serving(Handler) as url:
        yield url, pages


@pytest.fixture
async def no_lists_in_the_database(deps) -> AsyncIterator[None]:
    """The lists these tests write must not leak into other tests' risk checks."""
    async with deps.sessions.begin() as s:
        await s.execute(delete(IpList))
    yield
    async with deps.sessions.begin() as s:
        await s.execute(delete(IpList))


async def test_the_workflow_replaces_the_lists_every_process_reads(
    time_skipping_env, deps, wf_settings, list_server, tmp_path, no_lists_in_the_database
):
    base, pages = list_server
    pages.update({"/tor.txt": TOR, "/vpn.txt": VPN})
    settings = wf_settings.model_copy(
        update={
            "ip_intel_dir": tmp_path,
            "ip_intel_sources": {"tor": f"{base}/tor.txt", "vpn": f"{base}/vpn.txt"},
        }
    )
    # Two processes (an API replica, a worker) with their own, empty, directories.
    api_replica = IntelStore(deps.sessions, tmp_path / "api", recheck=0)
    worker_replica = IntelStore(deps.sessions, tmp_path / "worker", recheck=0)
    async with build_worker(time_skipping_env.client, deps, settings):
        report = await time_skipping_env.client.execute_workflow(
            IpIntelRefreshWorkflow.run, id="ip-intel-refresh-test", task_queue=settings.task_queue
        )
    today = datetime.now(UTC).date()
    assert report.data_as_of == today
    assert {kind: (r.entries, r.rejected) for kind, r in report.lists.items()} == {
        "tor": (3, 1),
        "vpn": (2, 0),
    }
    async with deps.sessions() as s:
        tor = (await s.get(IpList, "tor")).body
    assert (data_as_of(tor), parse_list(tor)) == (
        today,
        ["192.0.2.70", "192.0.2.71", "2001:db8:7::1"],
    )
    assert f"source: {base}/tor.txt" in tor
    assert list(tmp_path.iterdir()) == []  # nothing on any worker's disk

    for replica in (api_replica, worker_replica):
        intel = await replica.current()
        assert (intel.kinds("192.0.2.71"), intel.kinds("203.0.113.9")) == ({"tor"}, {"vpn"})
        assert intel.data_as_of == today


@pytest.mark.parametrize(
    ("tor_page", "error"),
    [(None, ApplicationError), ("<html>maintenance</html>\n", ApplicationError)],
)
async def test_a_failing_source_leaves_every_list_as_it_was(
    deps, list_server, tmp_path, tor_page, error, no_lists_in_the_database
):
    base, pages = list_server
    pages["/vpn.txt"] = VPN
    if tor_page is not None:
        pages["/tor.txt"] = tor_page
    old = list_file(["192.0.2.1"], as_of=date(2026, 11, 1), source="before")
    async with deps.sessions.begin() as s:
        await ip_lists.replace(s, {"tor": (old, None), "vpn": (old, None)}, at=datetime.now(UTC))
        before = await ip_lists.bodies(s)
    sources = {"vpn": f"{base}/vpn.txt", "tor": f"{base}/tor.txt"}
    refresh = IntelRefreshActivities(deps.sessions, tmp_path, sources)
    with pytest.raises(error):
        await ActivityEnvironment().run(refresh.refresh_ip_intel)
    async with deps.sessions() as s:
        assert await ip_lists.bodies(s) == before


async def test_no_sources_configured_changes_nothing(deps, tmp_path, no_lists_in_the_database):
    refresh = IntelRefreshActivities(deps.sessions, tmp_path, {})
    report = await ActivityEnvironment().run(refresh.refresh_ip_intel)
    async with deps.sessions() as s:
        assert report.lists == {} and await ip_lists.bodies(s) == {}


def test_the_refresh_is_scheduled_daily_only_when_a_source_is_configured(wf_settings):
    assert ip_intel_schedule(wf_settings.model_copy(update={"ip_intel_sources": {}})) is None
    schedule = ip_intel_schedule(
        wf_settings.model_copy(update={"ip_intel_sources": {"tor": "https://example.org/tor"}})
    )
    assert schedule is not None
    assert (schedule.action.workflow, schedule.action.task_queue) == (
        "IpIntelRefresh",
        wf_settings.task_queue,
    )
    assert [i.every for i in schedule.spec.intervals] == [timedelta(days=1)]


@pytest.mark.parametrize(
    "url", ["http://lists.example/tor.txt", "ftp://lists.example/tor.txt", "file:///etc/hosts"]
)
async def test_only_https_sources_are_fetched(deps, tmp_path, url):
    refresh = IntelRefreshActivities(deps.sessions, tmp_path, {"tor": url})
    with pytest.raises(ApplicationError, match="is not https") as raised:
        await ActivityEnvironment().run(refresh.refresh_ip_intel)
    assert raised.value.non_retryable


async def test_redirects_are_not_followed(deps, list_server, tmp_path):
    base, pages = list_server
    refresh = IntelRefreshActivities(deps.sessions, tmp_path, {"tor": f"{base}/moved"})
    pages["/moved"] = REDIRECT
    with pytest.raises(ApplicationError, match="answered 302"):
        await ActivityEnvironment().run(refresh.refresh_ip_intel)
    assert list(tmp_path.iterdir()) == []


async def test_a_list_past_the_size_cap_is_refused(deps, list_server, tmp_path, monkeypatch):
    base, pages = list_server
    pages["/tor.txt"] = TOR * 100
    monkeypatch.setattr("activities.risk.intel_refresh.MAX_LIST_BYTES", len(TOR) * 10)
    refresh = IntelRefreshActivities(deps.sessions, tmp_path, {"tor": f"{base}/tor.txt"})
    with pytest.raises(ApplicationError, match="larger than") as raised:
        await ActivityEnvironment().run(refresh.refresh_ip_intel)
    assert raised.value.non_retryable


async def test_ranges_wider_than_a_slash_8_are_dropped(
    deps, list_server, tmp_path, no_lists_in_the_database
):
    base, pages = list_server
    pages["/vpn.txt"] = "0.0.0.0/0\n10.0.0.0/7\n10.0.0.0/8\n::/0\n2001:db8::/32\n"
    refresh = IntelRefreshActivities(deps.sessions, tmp_path, {"vpn": f"{base}/vpn.txt"})
    report = await ActivityEnvironment().run(refresh.refresh_ip_intel)
    assert (report.lists["vpn"].entries, report.lists["vpn"].rejected) == (2, 3)
    async with deps.sessions() as s:
        stored = (await ip_lists.bodies(s))["vpn"]
    assert parse_list(stored) == ["10.0.0.0/8", "2001:db8::/32"]


async def test_the_same_refresh_brings_the_disposable_email_list(deps, list_server, tmp_path):
    base, pages = list_server
    pages["/disposable.txt"] = "# a community list\nMailinator.com\nnot a domain!\nyopmail.com\n"
    refresh = IntelRefreshActivities(
        deps.sessions, tmp_path, {}, email_sources={"disposable": f"{base}/disposable.txt"}
    )
    report = await ActivityEnvironment().run(refresh.refresh_ip_intel)
    assert {k: (r.entries, r.rejected) for k, r in report.lists.items()} == {"disposable": (2, 1)}
    lists = await EmailFiles(tmp_path).current()
    assert lists.kinds("eu.mailinator.com") == {"disposable"}
    # As old as the oldest list read: the refreshed one is today's, the shipped suspicious
    # list carries the date it was written.
    shipped = data_as_of(email_list_path(SHIPPED, "suspicious").read_text())
    assert report.data_as_of == datetime.now(UTC).date()
    assert lists.data_as_of == min(report.data_as_of, shipped or report.data_as_of)
    # The shipped suspicious list still stands beside the refreshed disposable one.
    assert lists.kinds("example.com") == {"suspicious"}
    assert (
        ip_intel_schedule(Settings(email_list_sources={"disposable": f"{base}/disposable.txt"}))
        is not None
    )
