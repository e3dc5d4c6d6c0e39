"""Offline IP intelligence: which published lists (Tor exits, VPN, proxy, datacenter) hold an IP.

Pure: an activity reads the list files and hands their text to `parse_list`; lookups here
never touch the network, so the same answer comes back however often a workflow replays.
"""

from __future__ import annotations

import ipaddress
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

IpKind = Literal["vpn", "proxy", "tor", "datacenter"]
IP_KINDS: tuple[IpKind, ...] = get_args(IpKind)
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
DATA_AS_OF = "data_as_of:"


def parse_list(text: str) -> list[str]:
    """The entries of a list file: one per line, `#` starts a comment, blank lines skipped."""
    entries = []
    for line in text.splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            entries.append(entry)
    return entries


def data_as_of(text: str) -> date | None:
    """The publication date a list file declares in a `# data_as_of: YYYY-MM-DD` comment.

    Raises:
        ValueError: the header is there but its date is not a date.
    """
    for line in text.splitlines():
        stripped = line.strip()
        comment = stripped.lstrip("#").strip()
        if stripped.startswith("#") and comment.startswith(DATA_AS_OF):
            return date.fromisoformat(comment.removeprefix(DATA_AS_OF).strip())
    return None


def list_file(entries: list[str], *, as_of: date, source: str) -> str:
    """The text of a list file: the header `data_as_of` reads back, then one entry a line."""
    header = [f"# source: {source}", f"# {DATA_AS_OF} {as_of.isoformat()}"]
    return "\n".join(header + entries) + "\n"


def to_address(ip: str | IpAddress) -> IpAddress:
    """Parse an address; IPv4-mapped IPv6 (::ffff:1.2.3.4) becomes the IPv4 it carries.

    Dual-stack servers report IPv4 clients in mapped form, and the lists name them as IPv4.

    Raises:
        ValueError: not an IP address.
    """
    address = ip if not isinstance(ip, str) else ipaddress.ip_address(ip.strip())
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class _Family:
    """Disjoint, sorted integer ranges of one address family, searched by bisection."""

    def __init__(self, ranges: list[tuple[int, int]]) -> None:
        merged: list[tuple[int, int]] = []
        for start, end in sorted(ranges):
            # Adjacent ranges merge too (end + 1), so neighbours never need two probes.
            if merged and start <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        self.starts = [start for start, _ in merged]
        self.ends = [end for _, end in merged]

    def __contains__(self, number: int) -> bool:
        i = bisect_right(self.starts, number) - 1
        return i >= 0 and number <= self.ends[i]


class IpRanges:
    """A set of CIDR blocks (IPv4 and IPv6) with O(log n) membership.

    The families are kept apart: as integers, 1.2.3.4 and ::102:304 are the same number.
    """

    def __init__(self, cidrs: Iterable[str] = ()) -> None:
        """Build from CIDRs or bare addresses; host bits are ignored, as published lists
        often write "198.51.100.7/24".

        Raises:
            ValueError: an entry is not a CIDR or address (the message names it).
        """
        by_version: dict[int, list[tuple[int, int]]] = {4: [], 6: []}
        for cidr in cidrs:
            try:
                network = ipaddress.ip_network(cidr.strip(), strict=False)
            except ValueError:
                raise ValueError(f"not an IP network: {cidr!r}") from None
            span = (int(network.network_address), int(network.broadcast_address))
            by_version[network.version].append(span)
        self._v4 = _Family(by_version[4])
        self._v6 = _Family(by_version[6])

    @classmethod
    def from_text(cls, text: str) -> IpRanges:
        return cls(parse_list(text))

    def __contains__(self, ip: str | IpAddress) -> bool:
        """Raises ValueError when `ip` is not an IP address."""
        address = to_address(ip)
        family = self._v4 if address.version == 4 else self._v6
        return int(address) in family

    def __len__(self) -> int:
        """How many disjoint ranges remain after merging."""
        return len(self._v4.starts) + len(self._v6.starts)


@dataclass(frozen=True)
class IpIntel:
    tor: IpRanges
    vpn: IpRanges
    proxy: IpRanges
    datacenter: IpRanges
    # When the lists were published: risk rules trust old lists less.
    data_as_of: date

    def kinds(self, ip: str) -> set[IpKind]:
        """Every list that holds `ip`. Raises ValueError when `ip` is not an IP address."""
        address = to_address(ip)
        lists: dict[IpKind, IpRanges] = {
            "tor": self.tor,
            "vpn": self.vpn,
            "proxy": self.proxy,
            "datacenter": self.datacenter,
        }
        return {kind for kind, ranges in lists.items() if address in ranges}


# The widest range a list may hold: a /8 of IPv4 (and a /32 of IPv6, an ISP's allocation).
# A wider one (0.0.0.0/0 in a poisoned or broken list) would flag whole continents.
WIDEST_PREFIX = {4: 8, 6: 32}


def split_valid(entries: Iterable[str]) -> tuple[list[str], list[str]]:
    """(networks, rejected): published lists carry the odd junk line (or a range wider than
    WIDEST_PREFIX); keep the rest."""
    valid, rejected = [], []
    for entry in entries:
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            rejected.append(entry)
            continue
        if network.prefixlen < WIDEST_PREFIX[network.version]:
            rejected.append(entry)
        else:
            valid.append(entry)
    return valid, rejected
