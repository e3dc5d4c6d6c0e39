"""verify_session: proves a reported profit against the exchange's own fills.

The session is verified in its account's order, against the lots carried from the earlier
sessions and the balances read before and after (activities/exchange/inventory.py).
Credentials are decrypted here and nowhere else; they never enter a payload or a log.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import contracts as c
from activities.contracts import CREDENTIALS_INVALID, EXCHANGE_REFUSED
from activities.exchange import inventory
from activities.exchange.balances import interval_fills, read_balances, read_transfers
from activities.exchange.clients import ClientLender, FreshClients
from activities.exchange.factory import binance_client
from activities.exchange.fetch import (
    currency_places,
    mark_prices,
    prices_at_fills,
    quote_rates,
    session_fills,
)
from activities.exchange.lazy_ccxt import ccxt
from activities.exchange.markets import SharedMarkets
from activities.fx.quote import quote
from activities.fx.source import FxSource, UnknownRate
from db import inventory as books
from db.audit import Auditor
from db.engine import autocommit
from db.models import ExchangeAccount
from db.trust_signals import effective_trust_of
from domain.models import ProfitEvent, VerificationSummary
from domain.money import to_exact, to_minor
from domain.pnl import (
    DEFAULT_VERIFICATION_POLICY,
    BalanceEvidence,
    Fill,
    Lot,
    PnlError,
    VerificationPolicy,
    net_position,
    realize,
    verify_session,
)
from domain.pnl.balances import fill_effects
from domain.pnl.inventory import before_registration
from domain.policy import TrustPolicy, review_limit_for

ClientFactory = Callable[..., Any]
API_KEY_MISMATCH = "api_key_mismatch"
UNREPORTED_FILLS = "unreported_fills"
# Fills between the last verified session and this one may belong to a session whose event
# has not arrived yet: wait this long for it before verifying without it.
GAP_WAIT = timedelta(minutes=15)
REVIEW_LIMIT = (Decimal("10000"), "USD")


def _ms(moment: Any) -> int:
    return int(moment.timestamp() * 1000)


@dataclass
class _Read:
    """What the exchange said about the session and the interval since the last snapshot."""

    fills: list[Fill]
    fee_prices: dict[str, dict[str, Decimal]]
    quote_rates: dict[str, Decimal]
    marks: dict[str, Decimal]
    lot_steps: dict[str, Decimal]
    balances: dict[str, Decimal]
    read_at: datetime  # when the balances were read: the next interval starts here
    evidence: BalanceEvidence | None
    gap: list[Fill]
    # currency -> decimal places, as the exchange reports them (ccxt's currency precision)
    currency_places: dict[str, int]


class ExchangeActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        auditor: Auditor,
        *,
        base_url: str | None,
        client_factory: ClientFactory = binance_client,
        policy: VerificationPolicy = DEFAULT_VERIFICATION_POLICY,
        fx: FxSource | None = None,
        review_limit: tuple[Decimal, str] = REVIEW_LIMIT,
        trust: TrustPolicy | None = None,
        markets: SharedMarkets | None = None,
        clients: ClientLender | None = None,
        billing_currency: str | None = None,
    ) -> None:
        """`markets`: the process's shared copy of the exchange's markets (the worker passes
        it); None: each client loads its own. `clients`: the process's pool of exchange
        clients (the worker passes it); None: a new client from `client_factory` each time."""
        self._sessions = sessions
        self._markets = markets
        self._auditor = auditor
        self._cipher = auditor.cipher
        self._base_url = base_url
        self._clients = clients or FreshClients(client_factory)
        self._policy = policy
        self._fx = fx
        self._review_limit = review_limit
        self._trust = trust or TrustPolicy()
        self._billing_currency = billing_currency

    @activity.defn(name=c.VERIFY_AND_QUOTE)
    async def verify_and_quote(self, event: ProfitEvent) -> c.VerifiedSession:
        """VERIFY_SESSION, then QUOTE_FX's rate when the exchange agreed (ShareWorkflowV4)."""
        verification = await self.verify_session(event)
        if verification.reasons or self._fx is None:
            return c.VerifiedSession(verification=verification)
        fx = await quote(self._fx, event.currency, self._billing_currency)
        return c.VerifiedSession(verification=verification, fx=fx)

    @activity.defn(name=c.VERIFY_SESSION)
    async def verify_session(self, event: ProfitEvent) -> VerificationSummary:
        async with self._sessions.begin() as s:
            account = await s.get(ExchangeAccount, event.account_id)
            if account is None or account.user_id != event.user_id:
                raise _credentials_invalid("exchange account not registered for this user")
            await books.enlist_session(
                s, account.id, event.event_id, event.session_start, event.session_end
            )
        async with self._sessions() as s:
            # Reads only, each whole on its own (READ COMMITTED gives each statement its own
            # snapshot anyway): no BEGIN and ROLLBACK around them. The book's version is
            # checked again under its lock when the outcome is written.
            await autocommit(s)
            done = await inventory.stored_summary(s, self._cipher, event.event_id)
            if done is not None:
                return done
            await inventory.wait_for_earlier(s, account.id, event.event_id, event.session_start)
            book = await books.read_book(s, self._cipher, account.id)
            previous_end = await books.previous_end(
                s, account.id, event.event_id, event.session_start
            )
            enlisted = await books.session_row(s, event.event_id)
            trust = await effective_trust_of(s, event.user_id, _now(), self._trust)
        read = await self._read_exchange(account, event, book, previous_end)
        if read.gap and enlisted is not None and _now() - enlisted.created_at < GAP_WAIT:
            raise inventory.waiting(
                f"{len(read.gap)} fills since the last verified session and before this one:"
                " waiting for the session that made them"
            )
        start, end = _ms(event.session_start), _ms(event.session_end)
        carried = book.lots
        if book.registered_at is not None:
            registered = _ms(book.registered_at)
            early = [fill for fill in read.fills if fill.timestamp_ms <= registered]
            carried = before_registration(carried, early) if early else carried
        if read.gap:  # trades no reported session made: they still move the inventory
            carried = _unknown_cost_lots(carried, read.gap, "unreported")
        result = verify_session(
            fills=read.fills,
            reported_profit=event.reported_profit,
            session_start_ms=start,
            session_end_ms=end,
            positions_count=event.positions_count,
            prices_at_fill=read.fee_prices,
            mark_prices=read.marks,
            policy=self._policy,
            currency=event.currency,
            carried=carried,
            source=event.event_id,
            balances=read.evidence,
            lot_steps=read.lot_steps,
            review_above=await self._review_above(_quote_of(read.fills, event.currency), trust),
            quote_rates=read.quote_rates,
        )
        currency = result.currency or event.currency
        reasons = [str(reason) for reason in result.reasons]
        details = dict(result.details)
        # The session must have traded with the very key registered for this account.
        if event.api_key_fingerprint and event.api_key_fingerprint != account.api_key_fingerprint:
            reasons.append(API_KEY_MISMATCH)
        if read.gap:
            reasons.append(UNREPORTED_FILLS)
            details[UNREPORTED_FILLS] = f"{len(read.gap)} fills outside any reported session"
        summary = VerificationSummary(
            agreed=not reasons,
            verified_profit=result.verified_profit,
            verified_profit_exact=None
            if result.verified_profit_exact is None
            else to_exact(result.verified_profit_exact),
            methods={name: to_minor(value, currency) for name, value in result.methods.items()},
            reasons=reasons,
            fills=result.fills,
            details=details,
            inputs=result.inputs,
            currency_places=read.currency_places.get(currency),
        )
        rejected = _unknown_cost_lots(carried, read.fills, event.event_id)
        return await inventory.commit(
            self._sessions,
            self._auditor,
            account_id=account.id,
            event_id=event.event_id,
            read_version=book.version,
            summary=summary,
            lots_if_approved=result.lots,
            lots_if_rejected=rejected,
            balances=read.balances,
            snapshot_at=read.read_at,
            at=_now(),
        )

    async def _read_exchange(
        self,
        account: ExchangeAccount,
        event: ProfitEvent,
        book: books.Book,
        previous_end: datetime | None,
    ) -> _Read:
        client = self._clients.borrow(
            api_key=self._cipher.decrypt(account.api_key_enc),
            api_secret=self._cipher.decrypt(account.api_secret_enc),
            base_url=self._base_url,
        )
        start, end = _ms(event.session_start), _ms(event.session_end)
        done, fills = resume_from(activity.info().heartbeat_details)
        clean = False  # a client whose read failed is closed, never lent again
        try:
            if self._markets is None:
                await client.load_markets()
            else:
                await self._markets.prepare(client, event.symbols)
            for index, symbol in enumerate(event.symbols):
                if index < done:
                    continue  # fetched by an earlier attempt: its fills are in the checkpoint
                fills += await session_fills(
                    client, symbol, start, end, on_page=lambda: activity.heartbeat(None)
                )
                # The checkpoint: a retry (worker lost, timeout) resumes after this symbol.
                activity.heartbeat(Checkpoint(symbols_done=index + 1, fills=list(fills)))
            fee_prices = await prices_at_fills(client, fills)
            rates = await quote_rates(client, fills, event.currency)
            marks: dict[str, Decimal] = {}
            if book.balances is None:  # cash_flow from the fills, open positions at the mark
                still_open = [sym for sym, qty in net_position(fills).items() if qty != 0]
                marks = await mark_prices(client, still_open)
            read_at = _now()
            now = _ms(read_at)
            balances = await read_balances(client)
            evidence, gap = None, []
            if book.balances is not None and book.snapshot_at is not None:
                since = _ms(book.snapshot_at)
                # From the end of the account's previous session, when that was before its
                # snapshot: a closing sell a moment after it ended was read with it but
                # reported by no session, and must not vanish between the two.
                look_from = since if previous_end is None else min(since, _ms(previous_end))
                if book.registered_at is not None:  # before it the holdings were snapshotted
                    look_from = max(look_from, _ms(book.registered_at))
                seen = {fill.id for fill in fills}
                # The carried assets' markets too: another session may have sold them since.
                held = {f"{lot.asset}/{lot.quote}" for lot in book.lots}
                watched = [*event.symbols, *sorted(held & set(client.markets) - set(event.symbols))]
                around = await interval_fills(client, watched, look_from, now)
                others = [fill for fill in around if fill.id not in seen]
                # Not this session's and not after it: made before it by no reported session,
                # or during it in a market its report left out. Either way no share billed
                # them: they go to review (after GAP_WAIT, for a session still to report).
                gap = [fill for fill in others if fill.timestamp_ms <= end]
                evidence = BalanceEvidence(
                    before=_before_session(book.balances, fills, since),
                    after=balances,
                    transfers=await read_transfers(client, since, now),
                    other_fills=[fill for fill in others if fill.timestamp_ms > since],
                    # An asset the book carries must add up even if no fill read touched it
                    # (sold in a market nobody watched).
                    carried_assets=frozenset(lot.asset for lot in book.lots),
                )
            steps = {sym: _step(client, sym) for sym in event.symbols}
            places = currency_places(client)
            clean = True
        except (ccxt.AuthenticationError, ccxt.PermissionDenied, ccxt.AccountSuspended) as err:
            raise _credentials_invalid(type(err).__name__) from None
        except (ccxt.BadSymbol, ccxt.NotSupported) as err:
            # Asking again will not change the answer: an admin looks at the session.
            raise ApplicationError(
                f"the exchange refused the session's request ({type(err).__name__})",
                type=EXCHANGE_REFUSED,
                non_retryable=True,
            ) from None
        except ccxt.InvalidNonce:
            # Our clock drifted from the exchange's: resync, then let Temporal retry.
            if self._markets is not None:
                self._markets.forget(client)
            await _resync(client)
            raise
        finally:
            await self._clients.give_back(client, reuse=clean)
        return _Read(
            fills, fee_prices, rates, marks, steps, balances, read_at, evidence, gap, places
        )

    async def _review_above(self, currency: str, trust: int | None) -> Decimal:
        """REVIEW_LIMIT in the session's currency through FX (without FX, the policy's figure),
        raised for a trusted user (domain/policy.py). No rate: zero, so any profit goes to
        review rather than past an unknown limit."""
        if self._fx is None:
            base = self._policy.review_above
        else:
            amount, limit_currency = self._review_limit
            try:
                base = amount * await self._fx.rate(limit_currency, currency)
            except UnknownRate:
                return Decimal(0)
        return base if trust is None else review_limit_for(base, trust, self._trust)


def _unknown_cost_lots(carried: tuple[Lot, ...], fills: list[Fill], source: str) -> tuple[Lot, ...]:
    """The lots as the fills leave them, at unknown cost: an admin rejected the session, or
    no reported session made them. The fills happened; what they cost is not accepted."""
    try:
        return realize(carried, fills, source=source, unknown_cost=True).lots
    except PnlError:  # a fee that cannot be valued: the lots still move by the quantities
        return realize(
            carried,
            [replace(f, fee_cost=Decimal(0)) for f in fills],
            source=source,
            unknown_cost=True,
        ).lots


def _quote_of(fills: list[Fill], fallback: str) -> str:
    """The currency the figures come out in: the fills' one quote (mixed: the event's)."""
    quotes = {fill.quote for fill in fills}
    return quotes.pop() if len(quotes) == 1 else fallback


def _now() -> datetime:
    return datetime.now(UTC)


def _step(client: Any, symbol: str) -> Decimal:
    step = client.markets.get(symbol, {}).get("precision", {}).get("amount")
    return Decimal(str(step)) if step else Decimal(0)


def _before_session(
    balances: dict[str, Decimal], fills: list[Fill], since_ms: int
) -> dict[str, Decimal]:
    """The last snapshot with the session's fills that precede it taken back out, so the
    snapshot pair brackets the whole session (it was read after the session began)."""
    early = fill_effects(fill for fill in fills if fill.timestamp_ms <= since_ms)
    before = dict(balances)
    for asset, amount in early.items():
        before[asset] = before.get(asset, Decimal(0)) - amount
    return before


@dataclass(frozen=True)
class Checkpoint:
    """What VERIFY_SESSION heartbeats: the symbols whose fills are fetched, and those fills."""

    symbols_done: int
    fills: list[Fill]


def resume_from(details: Sequence[Any]) -> tuple[int, list[Fill]]:
    """The last checkpoint an earlier attempt heartbeated (decoded without a type: a dict)."""
    for detail in reversed(details):
        if isinstance(detail, dict) and "symbols_done" in detail:
            checkpoint = TypeAdapter(Checkpoint).validate_python(detail)
            return checkpoint.symbols_done, list(checkpoint.fills)
    return 0, []


def _credentials_invalid(detail: str) -> ApplicationError:
    return ApplicationError(
        f"exchange credentials invalid ({detail})", type=CREDENTIALS_INVALID, non_retryable=True
    )


async def _resync(client: Any) -> None:
    try:
        await client.load_time_difference()
    except Exception:  # the retry will surface the real problem
        activity.logger.warning("could not resync the exchange clock")
