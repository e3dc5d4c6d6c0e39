"""Every payment gateway the system takes callbacks from: one line each.

Adding a gateway is its module (ending in `GATEWAY = Gateway(...)`, see gateway.py) and one
`register(...)` line here. The webhook route, the settings check, the env example, the dev
stack and the tests' parametrisation read `gateways()`.
"""

from __future__ import annotations

from collections.abc import Mapping

from domain.webhooks import cashfree, phonepe_v1, phonepe_v2, razorpay, standard
from domain.webhooks.gateway import Gateway

_GATEWAYS: dict[str, Gateway] = {}


def register(gateway: Gateway) -> Gateway:
    """Adds a gateway (idempotent for the same value); its name must be new."""
    known = _GATEWAYS.get(gateway.name)
    if known is not None and known is not gateway:
        raise ValueError(f"a gateway named {gateway.name} is already registered")
    _GATEWAYS[gateway.name] = gateway
    return gateway


def unregister(name: str) -> None:
    """For tests that register a gateway of their own."""
    _GATEWAYS.pop(name, None)


def gateways() -> tuple[Gateway, ...]:
    return tuple(_GATEWAYS.values())


def paths() -> tuple[str, ...]:
    return tuple(dict.fromkeys(g.path for g in _GATEWAYS.values()))


def for_callback(path: str, headers: Mapping[str, str]) -> Gateway | None:
    """The gateway a callback on /v1/webhooks/{path} with these headers comes from."""
    return next((g for g in _GATEWAYS.values() if g.path == path and g.claims(headers)), None)


register(razorpay.GATEWAY)
register(cashfree.GATEWAY)
register(phonepe_v1.GATEWAY)
register(phonepe_v2.GATEWAY)
register(standard.GATEWAY)
