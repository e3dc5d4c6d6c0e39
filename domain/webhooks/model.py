"""The one shape every gateway callback is parsed into, its errors, and parsing helpers."""

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError

from domain.money import minor_unit_places
from domain.types import Money
from domain.webhooks.limits import MAX_WEBHOOK_BODY_BYTES, TIMESTAMP_TOLERANCE

PaymentStatus = Literal["succeeded", "failed", "pending", "other"]
# What a payment row and a payment signal can hold; a callback beyond it is refused whole.
MAX_TRANSACTION_ID, MAX_REFERENCE = 128, 64
_CURRENCY = re.compile(r"[A-Za-z0-9]{2,10}")
_MONEY: TypeAdapter[Decimal] = TypeAdapter(Money)


@dataclass(frozen=True)
class GatewayPayment:
    provider: str
    transaction_id: str
    payment_reference: str | None
    amount: Decimal  # major units (rupees), exact
    currency: str
    status: PaymentStatus
    paid_at: datetime | None  # set only when status is "succeeded"
    event_id: str | None  # the gateway's delivery id, when it sends one
    # Why the amount cannot be used, found while reading it (not a number, negative...).
    amount_problem: str | None = None
    # The UPI transaction reference (UTR) the gateway reports, when it paid by UPI: a manual
    # proof may claim the same money by it (DESIGN.md: unique across all payments).
    utr: str | None = None
    # The scheme sends amounts with at most the currency's decimal places (Standard Webhooks,
    # by our contract): a finer amount is refused, not rounded.
    exact_places: bool = dataclass_field(default=False, compare=False)

    def __post_init__(self) -> None:
        """Refuses, before anything is recorded, what the rest of the system cannot hold:
        a 19-digit amount or a 200-character id would otherwise fail halfway through.

        Identity problems raise PayloadError (nothing to record); amount problems raise
        UnusableAmount, which carries this payment so the API can record it as refused."""
        if len(self.transaction_id) > MAX_TRANSACTION_ID:
            raise PayloadError(f"transaction id is longer than {MAX_TRANSACTION_ID} characters")
        if self.payment_reference is not None and len(self.payment_reference) > MAX_REFERENCE:
            raise PayloadError(f"payment reference is longer than {MAX_REFERENCE} characters")
        if not _CURRENCY.fullmatch(self.currency):
            raise PayloadError("currency must be 2 to 10 letters or digits")
        object.__setattr__(self, "currency", self.currency.upper())
        if self.amount_problem is None:
            object.__setattr__(self, "amount_problem", self._amount_problem())
        if self.amount_problem is not None:
            raise UnusableAmount(self.amount_problem, self)

    def _amount_problem(self) -> str | None:
        try:
            _MONEY.validate_python(self.amount)
        except ValidationError:
            return f"amount {self.amount} is out of range"
        exponent, places = self.amount.as_tuple().exponent, minor_unit_places(self.currency)
        if self.exact_places and isinstance(exponent, int) and -exponent > places:
            return f"amount {self.amount} has more decimal places than {self.currency}'s {places}"
        return None


class SignatureError(Exception):
    """The callback is not provably from the gateway. The message is safe to return."""


class PayloadError(Exception):
    """The body is not a callback we can read (malformed JSON, missing or bad fields)."""


class UnusableAmount(PayloadError):
    """A callback we can identify whose amount cannot be used: recorded as refused, alerted."""

    def __init__(self, reason: str, payment: GatewayPayment) -> None:
        super().__init__(reason)
        self.payment = payment


def read_amount(read: Callable[[], Decimal]) -> tuple[Decimal, str | None]:
    """(amount, None), or (0, why) when the amount field cannot be read: the payment can
    still be identified and recorded as refused."""
    try:
        return read(), None
    except PayloadError as exc:
        return Decimal(0), str(exc)


# Helpers shared by the provider modules; not part of the package's public API.

_DECIMAL_STRING = re.compile(r"[0-9]+(\.[0-9]+)?")  # ASCII only: no exponents, signs, NaN
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """Case-insensitive lookup: HTTP header names are case-insensitive, dict keys are not.
    None when there are no headers (a parser called on a bare body)."""
    if headers is None:
        return None
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def signed_header(headers: Mapping[str, str], name: str, *, secret: str) -> str:
    """The signature header of a shared-secret scheme. Fails closed: an empty secret would
    let anyone compute a valid signature, and a missing header proves nothing."""
    if not secret:
        raise SignatureError("webhook secret is not configured")
    given = header(headers, name)
    if not given:
        raise SignatureError(f"missing {name} header")
    return given


def _reject_constant(name: str) -> Any:
    raise PayloadError(f"{name} is not a valid JSON number")


def load_object(body: bytes | str) -> dict[str, Any]:
    """Parse a JSON object keeping every number exact (floats would corrupt money)."""
    if len(body) > MAX_WEBHOOK_BODY_BYTES:
        raise PayloadError("body too large")
    try:
        value = json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise PayloadError("body is not valid JSON") from exc
    if not isinstance(value, dict):
        raise PayloadError("body is not a JSON object")
    return value


def field(obj: Any, *path: str) -> Any:
    """Walk nested objects; a missing or non-object step raises PayloadError naming the path."""
    for i, key in enumerate(path):
        if not isinstance(obj, dict) or key not in obj or obj[key] is None:
            raise PayloadError(f"missing field {'.'.join(path[: i + 1])}")
        obj = obj[key]
    return obj


def optional(obj: Any, *path: str) -> Any:
    try:
        return field(obj, *path)
    except PayloadError:
        return None


def text(value: Any, name: str) -> str:
    """Ids arrive as strings or integers depending on gateway version; normalise to str."""
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise PayloadError(f"{name} must be a non-empty string")
    return str(value)


def minor_units(value: Any, name: str, currency: str = "INR") -> Decimal:
    """An integer of the currency's minor units to major units, keeping its places:
    15000 INR paise -> Decimal('150.00'); 500 JPY -> 500; 1500 KWD fils -> 1.500."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PayloadError(f"{name} must be a non-negative integer of minor units")
    return Decimal(value).scaleb(-minor_unit_places(currency))


def major_units(value: Any, name: str, *, strings_only: bool = False) -> Decimal:
    """A JSON number or decimal string in major units; never NaN, infinite or negative."""
    if isinstance(value, str) and _DECIMAL_STRING.fullmatch(value):
        return Decimal(value)
    if not strings_only and not isinstance(value, bool) and isinstance(value, int | Decimal):
        amount = Decimal(value)
        if amount.is_finite() and amount >= 0:
            return amount
    raise PayloadError(f"{name} must be a non-negative decimal amount")


def rfc3339(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise PayloadError(f"{name} must be an RFC 3339 time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise PayloadError(f"{name} must be an RFC 3339 time") from exc
    if moment.tzinfo is None:
        raise PayloadError(f"{name} must carry a time zone")
    return moment


def epoch(value: Any, name: str, *, millis: bool = False) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PayloadError(f"{name} must be a Unix timestamp")
    try:  # timedelta arithmetic stays exact where float seconds would not
        return _EPOCH + timedelta(milliseconds=value if millis else value * 1000)
    except OverflowError as exc:
        raise PayloadError(f"{name} is out of range") from exc


def check_timestamp(sent_at: datetime, now: datetime) -> None:
    """Reject replays and clock abuse: the signed timestamp must be within ±tolerance of now."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if sent_at < now - TIMESTAMP_TOLERANCE:
        raise SignatureError("webhook timestamp is too old")
    if sent_at > now + TIMESTAMP_TOLERANCE:
        raise SignatureError("webhook timestamp is in the future")


def header_digits(headers: Mapping[str, str], name: str) -> int:
    """A signed integer header (a timestamp); absent or non-numeric fails verification."""
    value = header(headers, name)
    if value is None or not re.fullmatch(r"[0-9]{1,20}", value.strip()):
        raise SignatureError(f"missing or malformed {name} header")
    return int(value.strip())
