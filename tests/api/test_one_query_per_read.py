"""The standing and share reads each ask PostgreSQL once (issue 20: one query per read);
the standing of a user linked to an overdue one asks once more, for those debts. No
transaction is opened around them: a BEGIN and a ROLLBACK would be two round trips more.
Counted statements leave out the rate limiter's own (api/limits.py)."""

from __future__ import annotations

from tests.api.test_linked_debt import assess, locked_share
from tests.support.api import BACKEND
from tests.support.risk import CLEAN_IP, uid
from tests.support.statements import statements


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
    a, b, c, device = uid("a"), uid("b"), uid("c"), uid("fp")
    await assess(api, user_id=a, action="signup", device_fingerprint=device, ip=CLEAN_IP)
    await assess(api, user_id=c, action="signup", device_fingerprint=device, ip=CLEAN_IP)
    assert len(await read(api, f"/v1/users/{c}/standing")) == 1  # linked, nothing overdue
    account = await api.post(
        f"/v1/users/{a}/exchange-accounts",
        json={"exchange": "binance", "api_key": uid("key"), "api_secret": "s" * 16},
        headers=BACKEND,
    )
    await locked_share(deps, a, account.json()["account_id"])
    assert len(await read(api, f"/v1/users/{a}/standing")) == 1
    await assess(api, user_id=b, action="signup", device_fingerprint=device, ip=CLEAN_IP)
    assert len(await read(api, f"/v1/users/{b}/standing")) == 2
