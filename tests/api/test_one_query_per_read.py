"""The standing and share reads each ask PostgreSQL once (issue 20: one query per read);
the standing of a user linked to others asks once more, for the linked users' debts. No
transaction is opened around them: a BEGIN and a ROLLBACK would be two round trips more.
Counted statements leave out the rate limiter's own (api/limits.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from psycopg.pq import TransactionStatus
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.api.test_linked_debt import assess, locked_share
from tests.support.api import BACKEND
from tests.support.risk import CLEAN_IP, uid

# Set for the request under test only: the worker's own statements (a share's effects may
# still run) are not counted; tasks the request starts inherit it.
_COUNTING: ContextVar[bool] = ContextVar("counting", default=False)


@contextmanager
def statements() -> Iterator[list[tuple[str, bool]]]:
    """Each statement the request under test runs, and whether it ran inside a transaction."""
    seen: list[tuple[str, bool]] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if _COUNTING.get() and "rate_limit_windows" not in statement:
            status = conn.connection.driver_connection.info.transaction_status
            seen.append((statement, status != TransactionStatus.IDLE))

    event.listen(Engine, "after_cursor_execute", count)
    token = _COUNTING.set(True)
    try:
        yield seen
    finally:
        _COUNTING.reset(token)
        event.remove(Engine, "after_cursor_execute", count)


async def read(api, path: str) -> list[str]:
    await api.get(path, headers=BACKEND)  # warm: the token's role is cached after this
    with statements() as seen:
        response = await api.get(path, headers=BACKEND)
    assert response.status_code == 200, response.text
    assert not any(in_transaction for _, in_transaction in seen), seen
    return [statement for statement, _ in seen]


async def test_a_share_read_is_one_statement(api, open_share):
    assert len(await read(api, f"/v1/shares/{open_share}")) == 1


async def test_a_standing_read_is_one_statement_and_one_more_for_linked_debts(api, deps):
    a, b, device = uid("a"), uid("b"), uid("fp")
    await assess(api, user_id=a, action="signup", device_fingerprint=device, ip=CLEAN_IP)
    account = await api.post(
        f"/v1/users/{a}/exchange-accounts",
        json={"exchange": "binance", "api_key": uid("key"), "api_secret": "s" * 16},
        headers=BACKEND,
    )
    await locked_share(deps, a, account.json()["account_id"])
    assert len(await read(api, f"/v1/users/{a}/standing")) == 1
    await assess(api, user_id=b, action="signup", device_fingerprint=device, ip=CLEAN_IP)
    assert len(await read(api, f"/v1/users/{b}/standing")) == 2
