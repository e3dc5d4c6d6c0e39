"""One rounding (issue 13, Deliver 2): the share is billed from the unrounded verified profit
× rate × FX, rounded once, half-up, in the billing currency.

The verification shows the FIFO figure at the quote's minor unit (100.005 USDT shows as
100.01) and keeps the figure it was rounded from beside it; the ledger bills from that one.
An admin's corrected profit is exact as typed and billed as it is.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

from activities import contracts as c
from activities.fx import FixedFxRates
from activities.ledger import LedgerActivities
from activities.ledger.trust import carried_losses, carry_loss
from db.models import Share, User
from domain.models import VerificationSummary
from domain.pnl import positions_count, verify_session
from domain.settlement import billed_for, profit_to_bill, unrounded_charge
from tests.support.fills import START_MS, fills_of
from tests.support.scenario import profit_event, register_account, store_event

RATE = D("0.15")
USDT_INR = D("88.50")


def test_the_verification_keeps_the_fifo_figure_before_its_rounding() -> None:
    fills = fills_of("BTC/USDT buy 1000 1", "BTC/USDT sell 1100.005 1")
    session = {"session_start_ms": START_MS, "session_end_ms": START_MS + 10 * 60_000}
    count = positions_count(fills)
    reported = D("100.01")
    result = verify_session(fills=fills, reported_profit=reported, positions_count=count, **session)
    assert result.verified_profit == D("100.01")  # shown at the cent
    assert result.verified_profit_exact == D("100.005")  # billed from


def test_the_displayed_profit_is_swapped_for_the_figure_it_was_rounded_from() -> None:
    # 100.005 × 0.15 × 88.50 = 1327.566375 -> 1327.57 INR; from the displayed 100.01 it
    # would be 1327.63275 -> 1327.63 (rounded twice).
    profit = profit_to_bill(D("100.01"), D("100.01"), D("100.005"), "USDT")
    assert profit == D("100.005")
    assert billed_for(profit, RATE, USDT_INR, "INR") == D("1327.57")
    assert billed_for(D("100.01"), RATE, USDT_INR, "INR") == D("1327.63")
    # 0.0349 USDT shows as 0.03 (15 % = 0.0045 -> 0.00); billed from 0.0349: 0.005235 -> 0.01.
    small = profit_to_bill(D("0.03"), D("0.03"), D("0.0349"), "USDT")
    assert billed_for(small, RATE, D(1), "USDT") == D("0.01")


def test_a_corrected_or_old_profit_is_billed_as_passed() -> None:
    # An admin typed 100.00: exact as typed, whatever the exchange's figure was.
    assert profit_to_bill(D("100.00"), D("100.01"), D("100.005"), "USDT") == D("100.00")
    # A summary recorded before the exact figure was kept.
    assert profit_to_bill(D("100.01"), D("100.01"), None, "USDT") == D("100.01")
    # A stale exact figure (the displayed one was corrected since) is never used.
    assert profit_to_bill(D("90.00"), D("90.00"), D("100.005"), "USDT") == D("90.00")


def test_a_carried_loss_absorbs_at_the_minor_unit_and_the_rest_is_billed_unrounded() -> None:
    # Shown 0.03, exact 0.0299; a carried loss of 0.01 absorbed: 0.0199 charged.
    assert unrounded_charge(D("0.02"), D("0.01"), D("0.0299")) == D("0.0199")
    # The whole shown profit absorbed: nothing charged, even if the exact figure is larger.
    assert unrounded_charge(D("0"), D("0.03"), D("0.0301")) == D("0")
    # No high-water mark: the exact profit.
    assert unrounded_charge(D("100.01"), None, D("100.005")) == D("100.005")


async def _record(
    deps,
    shown: str,
    exact: str | None,
    passed: str,
    billing: str | None,
    *,
    carried: str | None = None,
    **event_fields,
):
    user_id = f"u_one_rounding_{datetime.now(UTC).timestamp():.6f}"
    account_id = await register_account(deps, user_id, f"key-{user_id}", "secret")
    if carried is not None:  # a loss carried from earlier sessions (high-water mark)
        async with deps.sessions.begin() as s:
            await carry_loss(s, deps.cipher, user_id, "USDT", lambda _: D(carried))
    day0 = datetime.now(UTC).replace(microsecond=0)
    start = day0 - timedelta(hours=1)
    event = profit_event(user_id, account_id, start=start, reported=D(shown), **event_fields)
    await store_event(deps, event)
    books = LedgerActivities(
        deps.sessions,
        deps.cipher,
        deps.hasher,
        FixedFxRates(),
        billing_currency=billing,
        high_water_mark=carried is not None,
    )
    await books.open_share(event)
    verification = VerificationSummary(
        agreed=True,
        verified_profit=D(shown),
        verified_profit_exact=None if exact is None else D(exact),
        methods={"fifo": D(shown)},
    )
    recorded = await books.record_share(
        c.RecordShareInput(
            event=event, verified_profit=D(passed), verification=verification, at=day0
        )
    )
    async with deps.sessions() as s:
        share = await s.get(Share, event.event_id)
        user = await s.get(User, user_id)
    assert share is not None and user is not None
    figures = {
        "absorbed": deps.cipher.decrypt_decimal(share.loss_absorbed_enc),
        "carried": carried_losses(user, deps.cipher),
    }
    return recorded, figures


async def test_the_ledger_bills_100_005_usdt_in_inr_rounded_once(deps) -> None:
    recorded, _ = await _record(deps, "100.01", "100.005", "100.01", "INR")
    assert recorded.billing_currency == "INR"
    assert recorded.billed_amount == D("1327.57")  # not 1327.63
    assert recorded.share_amount == D("15.00")  # 15.00075 USDT shown at the cent


async def test_the_ledger_bills_a_profit_shown_as_three_cents_from_its_exact_figure(deps) -> None:
    recorded, _ = await _record(deps, "0.03", "0.0349", "0.03", None)
    assert recorded.billed_amount == D("0.01")  # 0.005235 once; 0.0045 -> 0.00 from 0.03


async def test_the_ledger_bills_an_admins_corrected_profit_as_typed(deps) -> None:
    recorded, _ = await _record(deps, "100.01", "100.005", "100.00", "INR")
    assert recorded.billed_amount == D("1327.50")  # 100.00 × 0.15 × 88.50


async def test_the_ledger_bills_a_0_0299_eth_profit_in_eth_s_own_places(deps) -> None:
    # ETH has 8 places (not 2): 15 % of 0.0299 is 0.004485 ETH, billed, not rounded to 0.00.
    recorded, _ = await _record(
        deps, "0.0299", "0.0299", "0.0299", None, currency="ETH", symbols=["BTC/ETH"]
    )
    assert (recorded.billing_currency, str(recorded.billed_amount)) == ("ETH", "0.00448500")
    assert str(recorded.share_amount) == "0.00448500"


async def test_a_carried_loss_is_earned_back_at_the_cent_and_the_rest_billed_unrounded(deps):
    # 10.00 USDT carried: 100.005 - 10.00 = 90.005 charged; × 0.15 × 88.50 = 1194.816375
    # -> 1194.82 INR (from the shown 100.01 it would be 1194.88275 -> 1194.88).
    recorded, figures = await _record(deps, "100.01", "100.005", "100.01", "INR", carried="10.00")
    assert recorded.billed_amount == D("1194.82")
    assert recorded.share_amount == D("13.50")  # 13.50075 USDT shown at the cent
    # Absorbed at the cent, as it was carried: nothing left over with more places.
    assert figures == {"absorbed": D("10.00"), "carried": {"USDT": D("0.00")}}
