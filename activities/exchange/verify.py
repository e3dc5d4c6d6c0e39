"""verify_session: proves a reported profit against the exchange's own fills.

Credentials are decrypted here and nowhere else; they never enter a payload or a log.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ccxt.async_support as ccxt
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import contracts as c
from activities.contracts import CREDENTIALS_INVALID, EXCHANGE_REFUSED
from activities.exchange.factory import binance_client
from activities.exchange.fetch import mark_prices, prices_at_fills, session_fills
from db.crypto import FieldCipher
from db.models import ExchangeAccount
from domain.models import ProfitEvent, VerificationSummary
from domain.money import to_minor
from domain.pnl import (
    DEFAULT_VERIFICATION_POLICY,
    Fill,
    VerificationPolicy,
    net_position,
    verify_session,
)

ClientFactory = Callable[..., Any]
API_KEY_MISMATCH = "api_key_mismatch"


def _ms(moment: Any) -> int:
    return int(moment.timestamp() * 1000)


class ExchangeActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        cipher: FieldCipher,
        *,
        base_url: str | None,
        client_factory: ClientFactory = binance_client,
        policy: VerificationPolicy = DEFAULT_VERIFICATION_POLICY,
    ) -> None:
        self._sessions = sessions
        self._cipher = cipher
        self._base_url = base_url
        self._client_factory = client_factory
        self._policy = policy

    @activity.defn(name=c.VERIFY_SESSION)
    async def verify_session(self, event: ProfitEvent) -> VerificationSummary:
        async with self._sessions() as s:
            account = await s.get(ExchangeAccount, event.account_id)
        if account is None or account.user_id != event.user_id:
            raise _credentials_invalid("exchange account not registered for this user")
        client = self._client_factory(
            api_key=self._cipher.decrypt(account.api_key_enc),
            api_secret=self._cipher.decrypt(account.api_secret_enc),
            base_url=self._base_url,
        )
        start, end = _ms(event.session_start), _ms(event.session_end)
        done, fills = resume_from(activity.info().heartbeat_details)
        try:
            await client.load_markets()
            for index, symbol in enumerate(event.symbols):
                if index < done:
                    continue  # fetched by an earlier attempt: its fills are in the checkpoint
                fills += await session_fills(
                    client, symbol, start, end, on_page=lambda: activity.heartbeat(None)
                )
                # The checkpoint: a retry (worker lost, timeout) resumes after this symbol.
                activity.heartbeat(Checkpoint(symbols_done=index + 1, fills=list(fills)))
            fee_prices = await prices_at_fills(client, fills)
            still_open = [sym for sym, qty in net_position(fills).items() if qty != 0]
            marks = await mark_prices(client, still_open)
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
            await _resync(client)
            raise
        finally:
            await client.close()
        result = verify_session(
            fills=fills,
            reported_profit=event.reported_profit,
            session_start_ms=start,
            session_end_ms=end,
            positions_count=event.positions_count,
            prices_at_fill=fee_prices,
            mark_prices=marks,
            policy=self._policy,
        )
        currency = result.currency or event.currency
        reasons = [str(reason) for reason in result.reasons]
        # The session must have traded with the very key registered for this account.
        if event.api_key_fingerprint and event.api_key_fingerprint != account.api_key_fingerprint:
            reasons.append(API_KEY_MISMATCH)
        return VerificationSummary(
            agreed=not reasons,
            verified_profit=result.verified_profit,
            methods={name: to_minor(value, currency) for name, value in result.methods.items()},
            reasons=reasons,
            fills=result.fills,
        )


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
