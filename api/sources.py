"""Where a request comes from, and whether a gateway's callbacks may come from there.

The source is the TCP peer, unless the peer is one of TRUSTED_PROXIES: then the
X-Forwarded-For chain is walked from the right, skipping trusted proxies, and the first
address not ours is the source (a client can prepend anything; only what our proxies
appended is believed).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from starlette.types import Scope

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=64)
def networks(cidrs: str) -> tuple[Network, ...]:
    """Comma-separated CIDRs (or bare addresses); a malformed one is a startup error."""
    found = []
    for item in cidrs.split(","):
        if item.strip():
            try:
                found.append(ipaddress.ip_network(item.strip(), strict=False))
            except ValueError as exc:
                raise ValueError(f"not a CIDR range: {item.strip()!r}") from exc
    return tuple(found)


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _inside(address: Address, ranges: Iterable[Network]) -> bool:
    return any(address.version == net.version and address in net for net in ranges)


def source_ip(scope: Scope, trusted_proxies: str) -> str | None:
    """The client's address as this deployment can know it; None when there is no peer."""
    peer = scope.get("client")
    address = _address(peer[0]) if peer else None
    proxies = networks(trusted_proxies)
    if address is None or not proxies or not _inside(address, proxies):
        return str(address) if address else None
    headers = dict(scope.get("headers", []))
    chain = headers.get(b"x-forwarded-for", b"").decode("latin-1").split(",")
    for hop in reversed(chain):
        hop_address = _address(hop)
        if hop_address is None:
            return str(address)  # a garbled chain: believe only the proxy that sent it
        if not _inside(hop_address, proxies):
            return str(hop_address)
        address = hop_address
    return str(address)


def allowed(source: str | None, allowlist: str | None) -> bool:
    """Unset allowlist: any source. Set: the source must be inside one of its ranges."""
    if not allowlist:
        return True
    address = _address(source) if source else None
    return address is not None and _inside(address, networks(allowlist))
