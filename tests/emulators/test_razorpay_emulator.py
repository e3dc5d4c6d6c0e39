"""The Razorpay emulator answers as Razorpay does: basic auth, its error body, and a second
link under a used reference_id refused."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from emulators.razorpay import create_app
from emulators.serve import serving

KEY = ("rzp_test_k", "s3cret")


@pytest.fixture(scope="module")
async def razorpay() -> AsyncIterator[httpx.AsyncClient]:
    async with (
        serving(create_app(key_id=KEY[0], key_secret=KEY[1])) as url,
        httpx.AsyncClient(base_url=url, auth=KEY) as http,
    ):
        yield http


def link(reference: str, **fields: object) -> dict:
    return {"amount": 13275, "currency": "INR", "reference_id": reference, **fields}


async def test_a_link_is_created_with_its_fields_and_a_short_url(razorpay) -> None:
    expire_by = int(time.time()) + 86_400
    body = link("PS1", description="share", expire_by=expire_by, notes={"payment_reference": "PS1"})
    response = await razorpay.post("/v1/payment_links", json=body)
    assert response.status_code == 200, response.text
    created = response.json()
    assert created["id"].startswith("plink_")
    assert created["short_url"].startswith(str(razorpay.base_url))
    assert (created["amount"], created["currency"], created["status"]) == (13275, "INR", "created")
    assert created["notes"] == {"payment_reference": "PS1"}
    assert created["expire_by"] == expire_by
    fetched = await razorpay.get(f"/v1/payment_links/{created['id']}")
    assert fetched.json() == created


async def test_a_used_reference_id_is_refused_and_found_by_fetch_all(razorpay) -> None:
    first = (await razorpay.post("/v1/payment_links", json=link("PS2"))).json()
    again = await razorpay.post("/v1/payment_links", json=link("PS2"))
    assert again.status_code == 400
    error = again.json()["error"]
    assert (error["code"], error["field"]) == ("BAD_REQUEST_ERROR", "reference_id")
    listed = await razorpay.get("/v1/payment_links", params={"reference_id": "PS2"})
    assert [v["id"] for v in listed.json()["payment_links"]] == [first["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (link("PS3", amount=99), "amount"),
        (link("PS3", amount="13275"), "amount"),
        (link("PS3", currency="inr"), "currency"),
        (link("x" * 41), "reference_id"),
        (link("PS3", expire_by=int(time.time()) - 60), "expire_by"),
        (link("PS3", notes={"n": 1}), "notes"),
    ],
)
async def test_invalid_fields_get_razorpay_errors(razorpay, body: dict, field: str) -> None:
    response = await razorpay.post("/v1/payment_links", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field


@pytest.mark.parametrize("auth", [None, ("rzp_test_k", "wrong"), ("other", "s3cret")])
async def test_every_endpoint_needs_the_key_pair(razorpay, auth) -> None:
    for method, path in [("POST", "/v1/payment_links"), ("GET", "/v1/payment_links")]:
        response = await razorpay.request(method, path, json=link("PS4"), auth=auth)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "BAD_REQUEST_ERROR"
