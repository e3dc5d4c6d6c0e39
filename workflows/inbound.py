"""What the share workflow accepts from outside, forward compatible.

The API validates strictly (its models forbid unknown fields). At the workflow edge, a field a
newer API added must not make an older worker drop the message (the SDK drops a signal it
cannot decode, with only a log line): these are the same models, ignoring unknown fields.
They are the types the workflow's run and signal handlers declare; callers convert a domain
model with `inbound` (workflows/share_client.py), and both serialize to the same JSON.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ConfigDict

from domain.models import (
    DisputeOpened,
    DisputeResolution,
    PaymentSignal,
    ProfitEvent,
    ProofDecision,
    ProofSubmitted,
    ReviewDecision,
    Waiver,
)

_LENIENT = ConfigDict(extra="ignore", frozen=True)
In = TypeVar("In", bound=BaseModel)


def inbound(kind: type[In], value: BaseModel) -> In:
    """`value` as the workflow's lenient type (same fields, same JSON)."""
    return kind.model_validate(value.model_dump())


class ProfitEventIn(ProfitEvent):
    model_config = _LENIENT


class PaymentIn(PaymentSignal):
    model_config = _LENIENT


class ReviewIn(ReviewDecision):
    model_config = _LENIENT


class ProofIn(ProofSubmitted):
    model_config = _LENIENT


class ProofDecisionIn(ProofDecision):
    model_config = _LENIENT


class DisputeIn(DisputeOpened):
    model_config = _LENIENT


class ResolutionIn(DisputeResolution):
    model_config = _LENIENT


class WaiverIn(Waiver):
    model_config = _LENIENT
