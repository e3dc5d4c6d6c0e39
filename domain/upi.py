"""UPI transaction references (UTRs): one spelling per payment, so a reuse is recognised.

A UTR is 12 digits. Users copy them from bank apps with spaces, dashes, dots, a trailing
full stop or extra leading zeros ("0412 3456 7890 1."): all of those are the same UTR
412345678901 and must not pass the uniqueness check as new.
"""

from __future__ import annotations

import re

UTR_DIGITS = 12
# An approved manual UPI proof is applied as a payment of this provider, its UTR the
# transaction id (the workflow, the ledger and the API's closed-share path alike).
UPI_PROOF = "upi_proof"
_SEPARATORS = re.compile(r"[\s._:/-]+")


def normalise_utr(text: str) -> str:
    """The UTR's one spelling (12 digits), or ValueError saying why it is none."""
    compact = _SEPARATORS.sub("", text).upper()
    if not compact.isascii() or not compact.isdigit():
        raise ValueError(f"a UPI transaction id (UTR) is {UTR_DIGITS} digits")
    digits = compact.lstrip("0").zfill(UTR_DIGITS)
    if len(digits) != UTR_DIGITS:
        raise ValueError(f"a UPI transaction id (UTR) is {UTR_DIGITS} digits")
    return digits


def utr_in(value: object) -> str | None:
    """The UTR a gateway reports beside its own payment id (Razorpay's `rrn`, Cashfree's
    `bank_reference`, PhonePe's `rail.utr`), normalised; None when there is none."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    try:
        return normalise_utr(str(value))
    except ValueError:
        return None
