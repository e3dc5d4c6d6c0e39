"""What a payment gateway is to this system: one `Gateway` value per gateway module.

Each gateway module (razorpay, cashfree, phonepe_v1, phonepe_v2, standard) ends with a
`GATEWAY = Gateway(...)` naming its webhook path, the settings it needs, how a callback is
verified and parsed, how the money is confirmed, and how a callback is signed (for tests
and emulators). `domain.webhooks.registry` lists them; the webhook route, the settings
check, the env example, the dev stack and the tests read that list and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from domain.webhooks.model import GatewayPayment

# Setting name (lower case, as on Settings) -> its value; None or "" when unset.
Credentials = Mapping[str, str | None]
Verifier = Callable[[bytes, Mapping[str, str], Credentials, datetime], None]
Parser = Callable[[bytes, Mapping[str, str]], GatewayPayment]
Signer = Callable[[bytes, Credentials, datetime], dict[str, str]]
Example = Callable[[str, str, Decimal, bool], bytes]  # (reference, txn, amount, succeeded)

# "signature": a verified callback is the payment. "order_status": the callback is only a
# hint; the money counts once the gateway's status API confirms it (PhonePe v2).
Confirmation = Literal["signature", "order_status"]


@dataclass(frozen=True)
class Setting:
    """One PROFITSHARE_<NAME> variable a gateway reads."""

    name: str  # lower case: the attribute on Settings; the variable is its upper case
    secret: bool = True
    # Needed for the gateway to work once any of its settings is set.
    required: bool = True
    # What the dev stack writes to dev.env when the variable is unset ("" or a value; the
    # placeholder "{token}" becomes a fresh random token, "{emulator}" the emulator's URL).
    dev_value: str = "{token}"
    help: str = ""

    @property
    def env(self) -> str:
        return f"PROFITSHARE_{self.name.upper()}"


@dataclass(frozen=True)
class Gateway:
    name: str  # unique: "phonepe_v2"
    path: str  # POST /v1/webhooks/{path}; several gateways may share one (PhonePe v1 and v2)
    provider: str  # stored on payment rows; unique with the transaction id
    settings: tuple[Setting, ...]
    verify: Verifier  # raises SignatureError
    parse: Parser  # raises PayloadError (UnusableAmount when only the amount is bad)
    sign: Signer
    example: Example
    # On a shared path, whether these headers are this gateway's callback.
    claims: Callable[[Mapping[str, str]], bool] = lambda headers: True
    confirmation: Confirmation = "signature"
    title: str = ""

    @property
    def allowlist_setting(self) -> str:
        """WEBHOOK_ALLOWED_IPS_<PATH>: one allowlist per path, whatever shares it."""
        return f"webhook_allowed_ips_{self.path}"
