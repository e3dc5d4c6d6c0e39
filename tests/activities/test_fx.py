"""FX sources: the fixed table, an exchange ticker through ccxt (our Binance emulator) and an
HTTP rate service (a local one), each refusing rates we must not bill with."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial

import httpx
import pytest
from fastapi import FastAPI, HTTPException, Response

from activities.exchange.factory import public_client
from activities.fx import BadRate, FixedFxRates, UnknownRate
from activities.fx.ccxt_ticker import CcxtTickerRates
from activities.fx.factory import fx_source
from activities.fx.http_rates import HttpRates
from config.settings import Settings
from emulators.serve import serving

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MAX_AGE = timedelta(minutes=15)


def clock() -> datetime:
    return NOW


# --- fixed ----------------------------------------------------------------------------------
async def test_fixed_rates_answer_both_directions_and_refuse_unknown_pairs() -> None:
    fx = FixedFxRates()
    assert await fx.rate("USDT", "INR") == Decimal("88.50")
    assert await fx.rate("INR", "USDT") == Decimal("0.011299435028")
    assert await fx.rate("INR", "INR") == 1
    with pytest.raises(UnknownRate):
        await fx.rate("EUR", "INR")


# --- ccxt ticker against the Binance emulator -------------------------------------------------
@pytest.fixture
async def pin_usdt_inr(emulator_url: str) -> AsyncIterator:
    async with httpx.AsyncClient(base_url=emulator_url) as control:

        async def pin(price: str) -> None:
            response = await control.post("/_emulator/prices", json={"USDT/INR": price})
            assert response.status_code == 200, response.text

        yield pin


def ccxt_rates(emulator_url: str) -> CcxtTickerRates:
    make = partial(public_client, "binance", base_url=emulator_url)
    return CcxtTickerRates(make, max_age=MAX_AGE, clock=clock)


async def test_ccxt_ticker_reads_the_exchange_price_exactly(emulator_url, pin_usdt_inr) -> None:
    await pin_usdt_inr("87.23")
    fx = ccxt_rates(emulator_url)
    assert await fx.rate("USDT", "INR") == Decimal("87.23")


async def test_ccxt_ticker_inverts_a_pair_listed_the_other_way(emulator_url, pin_usdt_inr) -> None:
    await pin_usdt_inr("80")
    assert await ccxt_rates(emulator_url).rate("INR", "USDT") == Decimal("0.0125")


async def test_ccxt_ticker_refuses_a_zero_price(emulator_url, pin_usdt_inr) -> None:
    await pin_usdt_inr("0")
    with pytest.raises(BadRate):
        await ccxt_rates(emulator_url).rate("USDT", "INR")


async def test_ccxt_ticker_knows_when_the_exchange_lists_no_such_pair(emulator_url) -> None:
    with pytest.raises(UnknownRate):
        await ccxt_rates(emulator_url).rate("EUR", "INR")


# --- an HTTP rate service -------------------------------------------------------------------
class RateService:
    """A local stand-in for a service like open.er-api.com: GET /latest/{base} -> JSON text."""

    def __init__(self) -> None:
        self.body = ""
        self.app = FastAPI()

        @self.app.get("/latest/{base}")
        async def latest(base: str) -> Response:
            if base != "USDT":
                raise HTTPException(404)
            return Response(self.body, media_type="application/json")

    def answer(self, rate: str, *, age: timedelta = timedelta(minutes=1)) -> None:
        """`rate` is JSON text as the service would write it, e.g. '88.10' or '"88.10"'."""
        stamp = int((NOW - age).timestamp())
        self.body = f'{{"rates": {{"INR": {rate}}}, "time_last_update_unix": {stamp}}}'


@pytest.fixture
async def service() -> AsyncIterator[tuple[RateService, HttpRates]]:
    rates = RateService()
    async with serving(rates.app) as url, httpx.AsyncClient() as http:
        fx = HttpRates(
            http,
            url + "/latest/{base}",
            rate_path="rates.{quote}",
            timestamp_path="time_last_update_unix",
            max_age=MAX_AGE,
            clock=clock,
        )
        yield rates, fx


async def test_http_rate_keeps_every_digit_the_service_wrote(service) -> None:
    rates, fx = service
    rates.answer("88.123456789012345678")  # more digits than a float holds
    assert await fx.rate("USDT", "INR") == Decimal("88.123456789012345678")
    rates.answer('"88.50"')
    assert await fx.rate("USDT", "INR") == Decimal("88.50")


async def test_http_rate_refuses_a_stale_rate(service) -> None:
    rates, fx = service
    rates.answer("88.10", age=timedelta(hours=1))
    with pytest.raises(BadRate, match="older than"):
        await fx.rate("USDT", "INR")


@pytest.mark.parametrize("nonsense", ["0", "-88.5", '"0.00"', "null", '"abc"', "true"])
async def test_http_rate_refuses_rates_that_are_not_positive_numbers(service, nonsense) -> None:
    rates, fx = service
    rates.answer(nonsense)
    with pytest.raises((BadRate, UnknownRate)):
        await fx.rate("USDT", "INR")


async def test_http_rate_unknown_pair_is_unknown(service) -> None:
    rates, fx = service
    rates.answer("88.10")
    with pytest.raises(UnknownRate):
        await fx.rate("EUR", "INR")  # the service answers 404
    with pytest.raises(UnknownRate):
        await fx.rate("USDT", "JPY")  # no rates.JPY in its answer


# --- the factory ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("setting", "kind"),
    [
        ("fixed", FixedFxRates),
        ("ccxt:binance", CcxtTickerRates),
        ("http:https://rates.example/latest/{base}", HttpRates),
    ],
)
async def test_fx_source_setting_picks_the_source(setting: str, kind: type) -> None:
    async with httpx.AsyncClient() as http:
        assert isinstance(fx_source(Settings(fx_source=setting), http=http), kind)


@pytest.mark.parametrize("setting", ["", "fixed:x", "ccxt:", "ccxt:nosuchexchange", "http:ftp://x"])
async def test_fx_source_refuses_a_setting_it_cannot_read(setting: str) -> None:
    async with httpx.AsyncClient() as http:
        with pytest.raises(ValueError, match="FX_SOURCE"):
            fx_source(Settings(fx_source=setting), http=http)
