"""IP lists read from a directory: the oldest list dates them, a changed file is picked up."""

from __future__ import annotations

import os
from datetime import date

from domain.risk import IP_KINDS, data_as_of
from services.risk.intel import SAMPLES, IntelFiles, list_path, load
from tests.support.risk import LISTED, write_lists


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_load_reads_every_list_and_is_as_old_as_the_oldest(tmp_path):
    write_lists(tmp_path, as_of=date(2026, 11, 20))
    list_path(tmp_path, "vpn").write_text("# data_as_of: 2026-10-01\n198.51.100.0/25\n")
    intel = load(tmp_path)
    assert {kind: intel.kinds(ip) for kind, ip in LISTED.items()} == {
        kind: {kind} for kind in LISTED
    }
    assert intel.data_as_of == date(2026, 10, 1)


def test_a_list_without_a_date_is_as_old_as_the_file(tmp_path):
    path = list_path(tmp_path, "tor")
    path.write_text("192.0.2.70\n")
    modified = date(2026, 9, 15)
    stamp = (modified - date(1970, 1, 1)).days * 86400 + 43200
    os.utime(path, (stamp, stamp))
    intel = load(tmp_path)
    assert intel.data_as_of == modified
    assert intel.kinds("192.0.2.70") == {"tor"}
    assert intel.kinds(LISTED["vpn"]) == set()  # the missing lists are empty


def test_the_shipped_samples_are_dated_and_valid():
    for kind in IP_KINDS:
        assert data_as_of(list_path(SAMPLES, kind).read_text()) is not None
    assert load(SAMPLES).kinds("192.0.2.70") == {"tor"}


async def test_an_empty_directory_falls_back_to_the_samples(tmp_path):
    intel = await IntelFiles(tmp_path / "not-there").current()
    samples = load(SAMPLES)
    assert intel.data_as_of == samples.data_as_of
    assert intel.kinds("192.0.2.70") == {"tor"}  # a sample Tor exit


async def test_a_rewritten_list_is_picked_up_after_the_recheck_interval(tmp_path):
    write_lists(tmp_path, as_of=date(2026, 11, 20))
    clock = Clock()
    files = IntelFiles(tmp_path, recheck=60, clock=clock)
    assert (await files.current()).kinds("203.0.113.9") == set()

    path = list_path(tmp_path, "proxy")
    path.write_text("# data_as_of: 2026-11-21\n203.0.113.0/24\n")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    clock.now = 59
    assert (await files.current()).kinds("203.0.113.9") == set()  # not looked at yet
    clock.now = 60
    assert (await files.current()).kinds("203.0.113.9") == {"proxy"}


async def test_a_broken_list_keeps_the_lists_loaded_before(tmp_path):
    write_lists(tmp_path, as_of=date(2026, 11, 20))
    clock = Clock()
    files = IntelFiles(tmp_path, recheck=1, clock=clock)
    before = await files.current()
    path = list_path(tmp_path, "tor")
    path.write_text("not an address\n")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    clock.now = 2
    assert await files.current() is before
