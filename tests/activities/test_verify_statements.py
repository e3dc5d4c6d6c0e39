"""What a verification asks PostgreSQL (issue 20 counts round trips): its reads run without a
transaction around them, and the session's row and the account's book are each read once
for the reads and once under the lock when the outcome is written, never again."""

from __future__ import annotations

from itertools import takewhile

from temporalio.testing import ActivityEnvironment

from activities.exchange.verify import ExchangeActivities
from tests.support.scenario import profitable_session
from tests.support.statements import statements

SESSION_ROW = "SELECT inventory_sessions.event_id, inventory_sessions.account_id"
BOOK_ROW = "FROM inventory_books"


async def test_a_verification_reads_each_row_once_and_outside_a_transaction(deps, emulator_url):
    acts = ExchangeActivities(deps.sessions, deps.auditor, base_url=emulator_url)
    await ActivityEnvironment().run(
        acts.verify_session, await profitable_session(deps, emulator_url)
    )
    event = await profitable_session(deps, emulator_url)  # the process's caches are warm now
    with statements() as seen:
        summary = await ActivityEnvironment().run(acts.verify_session, event)
    assert summary.agreed
    sql = [statement for statement, _ in seen]
    assert sum(SESSION_ROW in s for s in sql) == 2, sql
    assert sum(BOOK_ROW in s and s.lstrip().startswith("SELECT") for s in sql) == 2, sql
    # After enlisting the session, the reads; then the outcome's transaction.
    enlisted = next(i for i, s in enumerate(sql) if s.startswith("INSERT INTO inventory_sessions"))
    reads = list(takewhile(lambda done: not done[1], seen[enlisted + 1 :]))
    assert [s.split(".")[0] for s, _ in reads] == [
        "SELECT inventory_sessions",  # its row: a summary stored by an earlier attempt?
        "SELECT inventory_sessions",  # earlier sessions of the account still unsettled?
        "SELECT inventory_books",  # the account's lots
        "SELECT max(inventory_sessions",  # when its earlier sessions ended: fills since count
        "SELECT users",  # the user's trust
        "SELECT (SELECT count(DISTINCT exchange_accounts",
    ], reads
