"""The one place FX_SOURCE is read: "fixed" | "ccxt:<exchange_id>" | "http:<url>"."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import httpx

from activities.exchange.factory import public_client
from activities.exchange.lazy_ccxt import ccxt
from activities.fx.ccxt_ticker import CcxtTickerRates
from activities.fx.fixed import FixedFxRates
from activities.fx.http_rates import HttpRates
from activities.fx.source import FxSource
from config.settings import Settings


def fx_source(settings: Settings, *, http: httpx.AsyncClient) -> FxSource:
    """Raises ValueError for a setting it cannot read, so a worker refuses to start with it."""
    kind, _, target = settings.fx_source.partition(":")
    max_age = timedelta(seconds=settings.fx_max_age_seconds)
    if kind == "fixed" and not target:
        return FixedFxRates()
    if kind == "ccxt" and target in ccxt.exchanges:
        make = partial(public_client, target, base_url=settings.fx_exchange_base_url)
        return CcxtTickerRates(make, max_age=max_age)
    if kind == "http" and target.startswith(("http://", "https://")):
        return HttpRates(
            http,
            target,
            rate_path=settings.fx_http_rate_path,
            timestamp_path=settings.fx_http_timestamp_path,
            max_age=max_age,
        )
    raise ValueError(
        f"PROFITSHARE_FX_SOURCE={settings.fx_source!r}: expected fixed, ccxt:<exchange_id> "
        "or http:<url>"
    )
