"""Builds the ccxt clients activities use; points them at an emulator when asked."""

from __future__ import annotations

import re
import ssl
from functools import cache

import certifi

from activities.exchange.lazy_ccxt import ccxt


@cache
def _tls() -> ssl.SSLContext:
    """One TLS context per process: ccxt would build one per client, loading every CA
    certificate again (a fifth of a worker's CPU per verification, by profile)."""
    return ssl.create_default_context(cafile=certifi.where())


def binance_client(
    *, api_key: str | None = None, api_secret: str | None = None, base_url: str | None
) -> ccxt.binance:
    """An async ccxt Binance spot client; the caller must `await client.close()`.

    Args:
        api_key, api_secret: the user's keys; None for public endpoints only (tickers).
        base_url: scheme://host[:port] replacing every Binance host (EXCHANGE_BASE_URL);
            None talks to the real exchange.
    """
    client = ccxt.binance(
        {
            "apiKey": api_key,
            "secret": api_secret,
            # ccxt queues requests under Binance's published limits instead of earning 429s.
            "enableRateLimit": True,
            "ssl_context": _tls(),
            "options": {
                "defaultType": "spot",
                # Default also loads USD-M and COIN-M futures (fapi/dapi exchangeInfo); we only
                # verify spot fills, so load_markets is then a single GET /api/v3/exchangeInfo.
                "fetchMarkets": {"types": ["spot"]},
                # With keys set, load_markets would call the private sapi/capital/config/getall
                # and sapi margin pair lists: extra weight, and endpoints the emulator lacks.
                "fetchCurrencies": False,
                "fetchMargins": False,
                # Fetch /api/v3/time once during load_markets and sign with the server's clock,
                # so a skewed host clock does not turn every signed call into -1021.
                "adjustForTimeDifference": True,
            },
        }
    )
    if base_url is not None:
        rebase(client, base_url)
    return client


def public_client(exchange_id: str, *, base_url: str | None) -> ccxt.Exchange:
    """A keyless async ccxt client of any exchange ccxt knows, spot markets only.

    Raises:
        ValueError: ccxt has no exchange of that id.
    """
    if exchange_id == "binance":
        return binance_client(base_url=base_url)
    if exchange_id not in ccxt.exchanges:
        raise ValueError(f"ccxt has no exchange {exchange_id!r}")
    # Exchanges that also list derivatives read their market types from this option.
    options = {"defaultType": "spot", "fetchMarkets": {"types": ["spot"]}}
    client = getattr(ccxt, exchange_id)({"enableRateLimit": True, "options": options})
    if base_url is not None:
        rebase(client, base_url)
    return client


def rebase(client: ccxt.Exchange, base_url: str) -> None:
    """Rewrites every API host (api, sapi, fapi, ...) onto `base_url`, so nothing can reach
    the real exchange by accident; paths such as /api/v3 stay as ccxt builds them."""
    client.urls["api"] = _rehost(client.urls["api"], base_url.rstrip("/"))


def _rehost(urls: object, root: str) -> object:
    if isinstance(urls, str):
        return re.sub(r"^https?://[^/]+", root, urls)
    if isinstance(urls, dict):
        return {name: _rehost(url, root) for name, url in urls.items()}
    return urls
