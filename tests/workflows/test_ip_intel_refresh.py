"""The IP-list refresh: downloads from the configured sources, replaces the lists whole in
PostgreSQL, where every worker and API replica reads the same copy."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from sqlalchemy import delete
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.risk.intel import IntelStore
from activities.risk.intel_refresh import IntelRefreshActivities
from db import ip_lists
from db.models import IpList
from domain.risk import data_as_of, parse_list
from domain.risk.ipintel import list_file
from workers.ip_intel_schedule import ip_intel_schedule
from workers.worker import build_worker
from workflows.ip_intel import IpIntelRefreshWorkflow

TOR = "# Tor exits\n192.0.2.70\n192.0.2.71\nnot-an-address\n2001:db8:7::1\n"
VPN = "198.51.100.0/25\n203.0.113.0/24\n"


@pytest.fixture
def list_server() -> Iterator[tuple[str, dict[str, str]]]:
    """A local HTTP server: path -> body; any other path is a 404."""
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path)
            self.send_response(200 if body is not None else 404)
            payload = (body or "not found").encode()
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", pages
    server.shutdown()
    server.server_close()


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
    [(None, httpx.HTTPStatusError), ("<html>maintenance</html>\n", ApplicationError)],
)
async def test_a_failing_source_leaves_every_list_as_it_was(
    deps, list_server, tor_page, error, no_lists_in_the_database
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
    refresh = IntelRefreshActivities(deps.sessions, sources)
    with pytest.raises(error):
        await ActivityEnvironment().run(refresh.refresh_ip_intel)
    async with deps.sessions() as s:
        assert await ip_lists.bodies(s) == before


async def test_no_sources_configured_changes_nothing(deps, no_lists_in_the_database):
    refresh = IntelRefreshActivities(deps.sessions, {})
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
