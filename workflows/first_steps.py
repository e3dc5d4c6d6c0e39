"""Steps of the share before its ladder: opening and screening, the exchange's verification,
the payment link."""

from __future__ import annotations

from decimal import Decimal

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities import contracts as c
    from activities.contracts import Contract
    from activities.payments.contracts import (
        CREATE_LINK,
        CreatePaymentLinkInput,
    )
    from domain.models import ProfitEvent, VerificationSummary
    from workflows import options
    from workflows import search_attributes as sa
    from workflows.calls import LedgerCall, Out, execute
    from workflows.share_state import ShareState
    from workflows.stalls import Stalls


async def open_and_screen(s: ShareState, ledger: LedgerCall, event: ProfitEvent) -> None:
    """Patch lean: opened, screening, screened and verifying in one local activity (each
    step still written and audited on its own); the caller publishes the search attributes
    in the same workflow task."""
    risk = await ledger(
        c.ACTIVITIES.open_and_screen,
        c.OpenAndScreenInput(event=event, at=workflow.now()),
        summary="open the share, screen the user",
    )
    s.risk_decision = risk.decision
    s.status = "verifying"
    if not s.patches.risk_in_publish:  # V4: the caller's publish carries it
        workflow.upsert_search_attributes([sa.RISK_DECISION.value_set(risk.decision)])


_VERIFY = "verify the session's fills with the exchange"
_QUOTING = f"{_VERIFY}, quote the FX rate"


async def verify(
    s: ShareState, stalls: Stalls, event: ProfitEvent
) -> tuple[VerificationSummary, list[str]]:
    try:
        if s.patches.verify_quotes_fx:
            verified = await _from_exchange(stalls, c.ACTIVITIES.verify_and_quote, event, _QUOTING)
            verification, s.fx_quote = verified.verification, verified.fx
        elif s.patches.stall_and_alert:
            verification = await _from_exchange(stalls, c.ACTIVITIES.verify_session, event, _VERIFY)
        else:
            verification = await execute(
                c.ACTIVITIES.verify_session,
                event,
                summary=_VERIFY,
                start_to_close=options.EXCHANGE_TIMEOUT,
                retry_policy=options.EXCHANGE_RETRY,
            )
    except ActivityError as err:
        # The exchange said no for good: an admin decides, nothing is billed unseen.
        reason = _refusal(err)
        if reason is None:
            raise
        empty = VerificationSummary(
            agreed=False, verified_profit=Decimal(0), methods={}, reasons=[reason]
        )
        return empty, [reason]
    s.verification = verification
    return verification, list(verification.reasons)


async def _from_exchange(
    stalls: Stalls, contract: Contract[ProfitEvent, Out], event: ProfitEvent, summary: str
) -> Out:
    """An exchange read: retried while it may succeed, a stall (ops alerted) when it gives up
    on anything but a refusal, which the caller sends to review."""
    return await stalls.call(
        contract,
        event,
        summary=summary,
        start_to_close=options.EXCHANGE_TIMEOUT,
        give_up=options.EXCHANGE_GIVE_UP,
        retry_policy=options.EXCHANGE_RETRY_V2,
        heartbeat=options.EXCHANGE_HEARTBEAT,
        stall_on=lambda err: _refusal(err) is None,
    )


async def payment_link(s: ShareState, ledger: LedgerCall) -> None:
    """A hosted payment page when a gateway is configured; the reference works without."""
    r = s.recorded
    assert r is not None
    try:
        link = await execute(
            CREATE_LINK,
            CreatePaymentLinkInput(
                event_id=s.event.event_id,
                payment_reference=r.payment_reference,
                amount=r.billed_amount,
                currency=r.billing_currency,
                min_partial=s.bill().owed_at(r.recorded_at),
                description=f"Platform share, session {s.event.session_id}",
            ),
            summary="create the payment link",
            start_to_close=options.LEDGER_TIMEOUT,
            retry_policy=options.LINK_RETRY,
        )
    except ActivityError as err:
        workflow.logger.warning("no payment link for %s: %s", s.event.event_id, err)
        return
    if link is not None:
        await ledger(
            c.ACTIVITIES.set_payment_link,
            c.PaymentLinkInput(event_id=s.event.event_id, url=link.url),
            summary="store the payment link",
        )
        s.payment_link = link.url


def _refusal(err: ActivityError) -> str | None:
    """The review reason for an exchange's permanent refusal; None for anything retryable."""
    cause = err.cause
    if isinstance(cause, ApplicationError):
        if cause.type == c.CREDENTIALS_INVALID:
            return "exchange credentials invalid"
        if cause.type == c.EXCHANGE_REFUSED:
            return f"exchange refused: {cause.message}"[:200]
    return None
