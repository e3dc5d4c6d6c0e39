"""PhonePe PG callbacks, both generations, on one endpoint: kept for callers that do not
go through the registry (phonepe_v1 and phonepe_v2 are the gateways)."""

from collections.abc import Mapping
from datetime import datetime

from domain.webhooks.model import GatewayPayment, SignatureError, header, load_object
from domain.webhooks.phonepe_v1 import V1_HEADER, parse_v1, sign_v1, verify_v1
from domain.webhooks.phonepe_v2 import V2_HEADER, parse_v2, sign_v2, verify_v2

PROVIDER = "phonepe"
__all__ = ["V1_HEADER", "V2_HEADER", "parse", "sign_v1", "sign_v2", "verify", "verify_v1",
           "verify_v2"]  # fmt: skip


def verify(
    body: bytes, headers: Mapping[str, str], *, salt_key: str | None = None,
    salt_index: int | str | None = None, username: str | None = None,
    password: str | None = None, now: datetime,
) -> None:  # fmt: skip
    """Verify whichever generation sent the callback: an X-VERIFY header means v1."""
    if header(headers, V1_HEADER) is None:
        verify_v2(body, headers, username=username or "", password=password or "", now=now)
    elif salt_key is None or salt_index is None:
        raise SignatureError("PhonePe v1 callbacks are not configured")
    else:
        verify_v1(body, headers, salt_key=salt_key, salt_index=salt_index, now=now)


def parse(body: bytes, headers: Mapping[str, str] | None = None) -> GatewayPayment:
    """Normalise a verified v1 or v2 callback, told apart by the body's shape."""
    return parse_v1(body) if "response" in load_object(body) else parse_v2(body)
