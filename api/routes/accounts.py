"""POST /v1/users/{user_id}/exchange-accounts: credentials go in encrypted and never come back."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr
from sqlalchemy import select

from activities.exchange.clients import POOL as CLIENTS
from activities.exchange.holdings import HoldingsSnapshot, snapshot_holdings
from activities.exchange.markets import SHARED as SHARED_MARKETS
from api.audited import AppActing
from api.auth import require
from db import standing
from db.models import ExchangeAccount
from domain.types import Identifier

router = APIRouter(tags=["accounts"])


def _characters(allowed: str, what: str) -> BeforeValidator:
    """Refuses a credential with a character outside `allowed`, before anything is saved; the
    message never repeats the value."""
    pattern = re.compile(allowed)

    def check(value: object) -> object:
        if isinstance(value, str) and not pattern.fullmatch(value):
            raise ValueError(f"must be {what}")
        return value

    return BeforeValidator(check)


# The key travels in an HTTP header (X-MBX-APIKEY): a control character there is refused by
# the HTTP client only after the account was saved (it was a 500, the account half-registered).
ApiKey = Annotated[
    SecretStr,
    Field(min_length=8, max_length=256),
    _characters(r"[\x21-\x7e]+", "printable ASCII without spaces"),
]
# The secret only signs; a PEM private key (Ed25519 API keys) spans lines, nothing else needs
# a control character.
ApiSecret = Annotated[
    SecretStr,
    Field(min_length=8, max_length=256),
    _characters(r"[\x20-\x7e\r\n]+", "printable ASCII (line breaks allowed)"),
]


class NewExchangeAccount(BaseModel):
    model_config = ConfigDict(extra="forbid")
    exchange: Literal["binance"]
    api_key: ApiKey
    api_secret: ApiSecret


class ExchangeAccountCreated(BaseModel):
    account_id: str
    api_key_fingerprint: str
    # Added with the inventory: the holdings read and valued as opening lots at registration.
    holdings: HoldingsSnapshot | None = None


@router.post(
    "/v1/users/{user_id}/exchange-accounts",
    status_code=201,
    dependencies=[Depends(require("backend"))],
)
async def register_exchange_account(
    user_id: Identifier,
    body: NewExchangeAccount,
    request: Request,
    act: AppActing,
    response: Response,
) -> ExchangeAccountCreated:
    deps = act.deps
    fingerprint = deps.hasher.fingerprint(body.api_key.get_secret_value())
    # Deterministic id: registering the same key for the same user twice is one account.
    account_id = "acc_" + hashlib.sha256(f"{user_id}:{fingerprint}".encode()).hexdigest()[:20]
    # The user's chain first, before the account's foreign key locks the user's row.
    async with act.audited(user_id) as a:
        s = a.session
        await standing.ensure_user(s, deps.hasher, user_id, deps.policy.trust)
        existing = await s.scalar(select(ExchangeAccount).where(ExchangeAccount.id == account_id))
        if existing is None:
            await a.record(
                "exchange_account.registered",
                subject=f"user/{user_id}",
                key=f"account:{account_id}",
                details={"account_id": account_id},
            )
            s.add(
                ExchangeAccount(
                    id=account_id,
                    user_id=user_id,
                    exchange=body.exchange,
                    api_key_enc=deps.cipher.encrypt(body.api_key.get_secret_value()),
                    api_secret_enc=deps.cipher.encrypt(body.api_secret.get_secret_value()),
                    api_key_fingerprint=fingerprint,
                )
            )
        else:
            response.status_code = 200
    if existing is not None:
        return ExchangeAccountCreated(account_id=account_id, api_key_fingerprint=fingerprint)
    # After the account's commit: the snapshot's lots reference the account row.
    holdings = await snapshot_holdings(
        deps.sessions,
        deps.auditor,
        account_id=account_id,
        api_key=body.api_key.get_secret_value(),
        api_secret=body.api_secret.get_secret_value(),
        base_url=request.app.state.settings.exchange_base_url,
        clients=CLIENTS,
        markets=SHARED_MARKETS,
    )
    return ExchangeAccountCreated(
        account_id=account_id, api_key_fingerprint=fingerprint, holdings=holdings
    )
