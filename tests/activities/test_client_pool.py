"""The worker's pool of exchange clients: a client lent again keeps nothing of its last user."""

from __future__ import annotations

import asyncio

from activities.exchange.clients import ClientPool

HOST = "http://127.0.0.1:9"  # never called: signing is local


def _signed_key(client) -> str:
    request = client.sign("account", ["private"], "GET", {})
    return request["headers"]["X-MBX-APIKEY"]


async def test_a_client_lent_again_signs_with_the_new_users_key_only() -> None:
    pool = ClientPool()
    first = pool.borrow(api_key="key-a", api_secret="secret-a", base_url=HOST)
    assert _signed_key(first) == "key-a"
    first.last_request_headers = {"X-MBX-APIKEY": "key-a"}  # as after a real request
    await pool.give_back(first, reuse=True)
    assert (first.apiKey, first.secret, first.last_request_headers) == (None, None, None)

    second = pool.borrow(api_key="key-b", api_secret="secret-b", base_url=HOST)
    assert second is first  # built once, lent twice
    assert _signed_key(second) == "key-b"
    await pool.give_back(second, reuse=True)
    await pool.close()
    assert pool.idle() == 0


async def test_a_client_whose_read_failed_is_closed_not_lent_again() -> None:
    pool = ClientPool()
    client = pool.borrow(api_key="key-a", api_secret="secret-a", base_url=HOST)
    await pool.give_back(client, reuse=False)
    assert pool.idle() == 0
    assert pool.borrow(api_key="key-b", api_secret="secret-b", base_url=HOST) is not client


async def test_the_pool_keeps_at_most_its_bound_and_one_host_per_list() -> None:
    pool = ClientPool(keep=1)
    lent = [pool.borrow(api_key=f"k{i}", api_secret="s", base_url=HOST) for i in range(3)]
    other = pool.borrow(api_key="k", api_secret="s", base_url="http://127.0.0.1:8")
    for client in lent:
        await pool.give_back(client, reuse=True)
    await pool.give_back(other, reuse=True)
    assert pool.idle() == 2  # one per host
    again = pool.borrow(api_key="k", api_secret="s", base_url="http://127.0.0.1:8")
    assert again is other
    await pool.give_back(again, reuse=True)
    await pool.close()


def test_a_client_kept_from_another_event_loop_is_never_lent() -> None:
    """A worker started again in the same process (as the tests do) runs a new loop: the
    old loop's clients cannot make a request on it."""
    pool = ClientPool()

    async def borrow_and_give_back() -> object:
        client = pool.borrow(api_key="k", api_secret="s", base_url=HOST)
        await pool.give_back(client, reuse=True)
        return client

    first = asyncio.run(borrow_and_give_back())
    second = asyncio.run(borrow_and_give_back())
    assert second is not first


async def test_what_ccxt_learnt_of_one_account_is_not_lent_to_the_next() -> None:
    """After one authenticated success ccxt reads Binance's -2015 (invalid API key) as a
    temporary ban, a retryable error: the next user's bad key must read as invalid."""
    pool = ClientPool()
    first = pool.borrow(api_key="key-a", api_secret="secret-a", base_url=HOST)
    first.options["hasAlreadyAuthenticatedSuccessfully"] = True  # as ccxt sets it
    await pool.give_back(first, reuse=True)
    second = pool.borrow(api_key="key-b", api_secret="secret-b", base_url=HOST)
    assert second is first
    assert not second.options.get("hasAlreadyAuthenticatedSuccessfully")
    await pool.give_back(second, reuse=True)
    await pool.close()
