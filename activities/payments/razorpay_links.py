"""Razorpay Payment Links over httpx: create one link per payment reference, idempotently.

Razorpay refuses a second link with a reference_id it has seen (400). A retried activity
whose first create succeeded but whose answer was lost therefore finds the link it made
by reference_id (GET /v1/payment_links?reference_id=...) instead of failing.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from activities.payments.contracts import PaymentLink
from domain.money import minor_unit_places, to_minor


class RazorpayRefused(Exception):
    """A 4xx answer: the request itself is wrong, sending it again will not help."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(f"Razorpay refused ({status} {code}): {description}")
        self.status, self.code, self.description = status, code, description


def minor_units(amount: Decimal, currency: str, places: int | None = None) -> int:
    """Razorpay counts money in the currency's smallest unit: 132.75 INR -> 13275 paise,
    1500 JPY -> 1500, 1.234 KWD -> 1234."""
    places = minor_unit_places(currency) if places is None else places
    return int(to_minor(amount, currency, places).scaleb(places))


class RazorpayLinks:
    def __init__(
        self, http: httpx.AsyncClient, *, key_id: str, key_secret: str, base_url: str
    ) -> None:
        self._http = http
        self._auth = httpx.BasicAuth(key_id, key_secret)
        self._url = base_url.rstrip("/") + "/v1/payment_links"

    async def create(
        self,
        *,
        reference: str,
        amount: Decimal,
        currency: str,
        description: str,
        expire_by: datetime,
        notes: dict[str, str],
        min_partial: Decimal | None = None,
    ) -> PaymentLink:
        """The link for `reference`: created now, or the one an earlier attempt created.

        Raises:
            RazorpayRefused: a 4xx other than a duplicate reference.
            httpx.HTTPError: the gateway is down or answered 5xx (worth retrying).
        """
        body = {
            "amount": minor_units(amount, currency),
            "currency": currency,
            "reference_id": reference,
            "description": description,
            "expire_by": int(expire_by.timestamp()),
            "notes": notes,
        }
        if min_partial is not None and min_partial < amount:
            body["accept_partial"] = True
            body["first_min_partial_amount"] = minor_units(min_partial, currency)
        response = await self._http.post(self._url, json=body, auth=self._auth)
        if response.status_code == 400:
            # Whatever Razorpay's wording, a link already under our reference is the one
            # we want; if there is none, the 400 was about something else.
            existing = await self.find(reference)
            if existing is not None:
                return existing
        return _link(_ok(response))

    async def cancel(self, reference: str) -> bool:
        """Cancels the link of `reference` so it takes no more money; False when there is
        none or it no longer takes payments (paid, expired, cancelled already).

        Raises:
            httpx.HTTPError: the gateway is down or answered 5xx (worth retrying).
        """
        response = await self._http.get(
            self._url, params={"reference_id": reference}, auth=self._auth
        )
        open_links = [
            link
            for link in _ok(response).get("payment_links", [])
            if link.get("reference_id") == reference and link.get("status") == "created"
        ]
        cancelled = False
        for link in open_links:
            answer = await self._http.post(f"{self._url}/{link['id']}/cancel", auth=self._auth)
            if answer.status_code == 400:
                continue  # paid or expired meanwhile: it takes no more money either way
            _ok(answer)
            cancelled = True
        return cancelled

    async def find(self, reference: str) -> PaymentLink | None:
        response = await self._http.get(
            self._url, params={"reference_id": reference}, auth=self._auth
        )
        found = [
            link
            for link in _ok(response).get("payment_links", [])
            if link.get("reference_id") == reference
        ]
        return _link(found[0]) if found else None


def _ok(response: httpx.Response) -> dict[str, Any]:
    if 400 <= response.status_code < 500 and response.status_code != 429:
        error = _error(response)
        raise RazorpayRefused(
            response.status_code, error.get("code", ""), error.get("description", "")
        )
    response.raise_for_status()
    return response.json()


def _error(response: httpx.Response) -> dict[str, Any]:
    try:
        error = response.json().get("error")
    except ValueError:
        return {}
    return error if isinstance(error, dict) else {}


def _link(entity: dict[str, Any]) -> PaymentLink:
    return PaymentLink(url=entity["short_url"], link_id=entity["id"])
