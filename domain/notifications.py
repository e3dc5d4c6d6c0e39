"""What users are told at each stage of a share: short plain-text messages (issue 5.4).

Pure: the notifier activity renders a template with its params and hands the text to the
email/SMS provider. Every param is a string; money arrives already formatted ("132.75").
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

TemplateName = Literal[
    "payment_due",
    "reminder",
    "warning",
    "suspended",
    "locked",
    "collections",
    "paid",
    "proof_rejected",
    "proof_request_new",
    "dispute_opened",
    "dispute_resolved",
]
TEMPLATE_NAMES: tuple[TemplateName, ...] = get_args(TemplateName)

_SHARE = "platform share of {amount_due} {currency} (reference {payment_reference})"

# (subject, text). A `payment_url` param, when given, adds a "Pay online" line to the
# templates where paying is the next step.
TEMPLATES: Mapping[TemplateName, tuple[str, str]] = {
    # Day 0 (the brief): the amount, the early-payment discount and its deadline.
    "payment_due": (
        "Payment due: your platform share of {billed_amount} {currency}",
        "Your platform share of {billed_amount} {currency} (reference {payment_reference}) is "
        "due {due_at}. Pay by {discount_until} and {amount_due} {currency} settles it: an "
        "early-payment discount of {discount} {currency}.",
    ),
    "reminder": (
        "Reminder: your platform share is due {due_at}",
        f"Hello, your {_SHARE} is due {{due_at}}.",
    ),
    "warning": (
        "Payment due: your platform share",
        f"Your {_SHARE} is now due. If it stays unpaid, new trades will be "
        "suspended on {suspend_at}.",
    ),
    "suspended": (
        "Trading suspended",
        f"You cannot start new trades until your {_SHARE} is paid. Paying lifts the "
        "suspension at once.",
    ),
    "locked": (
        "Account locked",
        f"Your account is locked until your {_SHARE} is paid. Paying unlocks it at once.",
    ),
    "collections": (
        "Handed over to collections",
        f"Your {_SHARE} has been handed over to collections. You can still pay it "
        "with the same reference.",
    ),
    "paid": (
        "Payment received",
        "We received {amount_paid} {currency} for reference {payment_reference}. The share "
        "is settled and any restriction it caused is lifted. Thank you.",
    ),
    "proof_rejected": (
        "Payment proof not accepted",
        "Your payment proof for reference {payment_reference} was not accepted: {note}. "
        "{amount_due} {currency} is still due.",
    ),
    "proof_request_new": (
        "Please send a new payment proof",
        "We need a new payment proof for reference {payment_reference}: {note}.",
    ),
    "dispute_opened": (
        "Dispute received",
        "We received your dispute of the share with reference {payment_reference}. Reminders "
        "and restrictions from it are paused while we review it.",
    ),
    "dispute_resolved": (
        "Dispute resolved",
        "Your dispute of the share with reference {payment_reference} was resolved: "
        "{outcome}. {note}",
    ),
}
PAYABLE: frozenset[TemplateName] = frozenset(
    {"payment_due", "reminder", "warning", "suspended", "locked", "collections", "proof_rejected"}
)


@dataclass(frozen=True)
class Message:
    subject: str
    text: str


class MissingParams(ValueError):
    pass


def required_params(template: TemplateName) -> frozenset[str]:
    subject, text = TEMPLATES[template]
    fields = string.Formatter().parse(subject + text)
    return frozenset(name for _, name, _, _ in fields if name)


def render(template: TemplateName, params: Mapping[str, str]) -> Message:
    """The message for `template`; raises MissingParams naming every param it lacks."""
    missing = required_params(template) - params.keys()
    if missing:
        raise MissingParams(f"template {template!r} needs {', '.join(sorted(missing))}")
    subject, text = TEMPLATES[template]
    body = text.format_map(params)
    if template in PAYABLE and params.get("payment_url"):
        body += f"\nPay online: {params['payment_url']}"
    return Message(subject.format_map(params), body)
