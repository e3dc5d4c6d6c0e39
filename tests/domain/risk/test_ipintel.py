from __future__ import annotations

import ipaddress
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.risk import IpIntel, IpRanges, data_as_of, list_file, parse_list
from domain.risk.ipintel import split_valid

LIST = """
# Tor exit nodes, published 2026-11-19
198.51.100.7
203.0.113.0/25   # first half
203.0.113.128/25
2001:db8::/48

"""


def test_parse_list_skips_comments_and_blanks() -> None:
    assert parse_list(LIST) == [
        "198.51.100.7",
        "203.0.113.0/25",
        "203.0.113.128/25",
        "2001:db8::/48",
    ]
    assert parse_list("") == []


def test_ranges_merge_adjacent_and_overlapping_blocks() -> None:
    ranges = IpRanges.from_text(LIST)
    assert len(ranges) == 3  # the two /25 halves become one /24
    assert len(IpRanges(["10.0.0.0/8", "10.1.0.0/16", "10.2.3.4"])) == 1


@pytest.mark.parametrize(
    ("ip", "member"),
    [
        ("198.51.100.7", True),
        ("198.51.100.8", False),
        ("203.0.113.0", True),
        ("203.0.113.255", True),
        ("203.0.114.0", False),
        ("2001:db8:0:ffff::1", True),
        ("2001:db8:1::", False),
        ("::ffff:198.51.100.7", True),
        ("0.0.0.0", False),
    ],
)
def test_membership(ip: str, member: bool) -> None:
    assert (ip in IpRanges.from_text(LIST)) is member


def test_families_do_not_mix() -> None:
    # 1.2.3.4 and ::102:304 are the same integer; only the IPv4 one is listed.
    ranges = IpRanges(["1.2.3.4"])
    assert "1.2.3.4" in ranges
    assert "::102:304" not in ranges


def test_host_bits_in_published_lists_are_tolerated() -> None:
    assert "198.51.100.200" in IpRanges(["198.51.100.7/24"])


def test_bad_entries_and_addresses_raise() -> None:
    with pytest.raises(ValueError, match="not an IP network: 'nope'"):
        IpRanges(["10.0.0.0/8", "nope"])
    with pytest.raises(ValueError):
        _ = "nope" in IpRanges()


def test_intel_kinds() -> None:
    intel = IpIntel(
        tor=IpRanges(["198.51.100.7"]),
        vpn=IpRanges(["198.51.100.0/24"]),
        proxy=IpRanges(),
        datacenter=IpRanges(["198.51.0.0/16", "2001:db8::/32"]),
        data_as_of=date(2026, 11, 19),
    )
    assert intel.kinds("198.51.100.7") == {"tor", "vpn", "datacenter"}
    assert intel.kinds("198.51.7.1") == {"datacenter"}
    assert intel.kinds("2001:db8::5") == {"datacenter"}
    assert intel.kinds("192.0.2.1") == set()


# Blocks are drawn inside a small window so that they overlap and touch often.
WINDOW = 2**14
BASES = {4: int(ipaddress.ip_address("10.0.0.0")), 6: int(ipaddress.ip_address("2001:db8::"))}
BITS = {4: 32, 6: 128}


def network(version: int, offset: int, size_bits: int) -> str:
    return str(
        ipaddress.ip_network((BASES[version] + offset, BITS[version] - size_bits), strict=False)
    )


@given(
    version=st.sampled_from([4, 6]),
    blocks=st.lists(st.tuples(st.integers(0, WINDOW - 1), st.integers(0, 12)), max_size=30),
    probes=st.lists(st.integers(-64, WINDOW + 64), max_size=30),
)
def test_membership_agrees_with_brute_force(
    version: int, blocks: list[tuple[int, int]], probes: list[int]
) -> None:
    cidrs = [network(version, offset, size_bits) for offset, size_bits in blocks]
    nets = [ipaddress.ip_network(cidr) for cidr in cidrs]
    ranges = IpRanges(cidrs)
    # Probe every block's edges and one address either side of them, and random addresses.
    edges = [int(n.network_address) - 1 for n in nets] + [
        int(n.broadcast_address) + 1 for n in nets
    ]
    edges += [int(n.network_address) for n in nets] + [int(n.broadcast_address) for n in nets]
    for number in edges + [BASES[version] + p for p in probes]:
        address = ipaddress.ip_address(number) if version == 4 else ipaddress.IPv6Address(number)
        assert (str(address) in ranges) is any(address in net for net in nets)


def test_list_files_carry_their_date_and_entries() -> None:
    text = list_file(["192.0.2.1", "2001:db8::/32"], as_of=date(2026, 11, 19), source="https://x")
    assert data_as_of(text) == date(2026, 11, 19)
    assert parse_list(text) == ["192.0.2.1", "2001:db8::/32"]


@pytest.mark.parametrize(
    ("text", "as_of"),
    [
        ("#data_as_of:2026-01-02\n1.2.3.4\n", date(2026, 1, 2)),
        ("# source: x\n  # data_as_of: 2026-01-02  \n", date(2026, 1, 2)),
        ("1.2.3.4\n# fetched 2026-01-02\n", None),
        ("1.2.3.4  # data_as_of: 2026-01-02\n", None),  # only a comment line declares it
        ("", None),
    ],
)
def test_data_as_of_header(text: str, as_of: date | None) -> None:
    assert data_as_of(text) == as_of


def test_a_malformed_date_is_an_error() -> None:
    with pytest.raises(ValueError):
        data_as_of("# data_as_of: yesterday\n")


def test_split_valid_keeps_networks_and_returns_the_junk() -> None:
    assert split_valid(["192.0.2.1", "<html>", "10.0.0.0/8", "2001:db8::1", "300.0.0.1"]) == (
        ["192.0.2.1", "10.0.0.0/8", "2001:db8::1"],
        ["<html>", "300.0.0.1"],
    )
