"""Where a request comes from: the peer, or what our own proxies appended; allowlists."""

import pytest

from api.sources import allowed, networks, source_ip


def _scope(peer: str, forwarded: str | None = None) -> dict:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return {"client": (peer, 1234), "headers": headers}


def test_without_trusted_proxies_the_peer_is_the_source_whatever_it_claims():
    assert source_ip(_scope("203.0.113.7", "198.51.100.1"), "") == "203.0.113.7"


def test_through_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_source():
    proxies = "10.0.0.0/8"
    assert source_ip(_scope("10.0.0.1", "203.0.113.9, 10.0.0.2"), proxies) == "203.0.113.9"
    # A client-supplied prefix is ignored: only what our proxies appended is believed.
    assert source_ip(_scope("10.0.0.1", "1.2.3.4, 198.51.100.5"), proxies) == "198.51.100.5"
    assert source_ip(_scope("10.0.0.1", "garbage"), proxies) == "10.0.0.1"
    assert source_ip(_scope("10.0.0.1"), proxies) == "10.0.0.1"


def test_ipv6_and_mixed_families():
    assert source_ip(_scope("::1", "2001:db8::7"), "::1/128") == "2001:db8::7"
    assert allowed("2001:db8::7", "203.0.113.0/24, 2001:db8::/32")
    assert not allowed("203.0.114.1", "203.0.113.0/24, 2001:db8::/32")


def test_an_unset_allowlist_takes_any_source_and_a_set_one_refuses_the_unknown():
    assert allowed("198.51.100.1", None) and allowed(None, "")
    assert not allowed(None, "203.0.113.0/24")
    assert not allowed("testclient", "203.0.113.0/24")


def test_a_malformed_range_is_an_error_not_an_open_door():
    with pytest.raises(ValueError, match="not a CIDR"):
        networks("203.0.113.0/24, everyone")
