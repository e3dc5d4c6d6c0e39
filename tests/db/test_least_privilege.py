"""The application's role may only INSERT and SELECT the audit log, and owns nothing."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from db.roles import libpq_url, set_up
from runtime.deps import Deps
from stack.postgres import with_role
from tests.support.records import full_record

REFUSED = [
    "UPDATE audit_log SET action = 'share.waived'",
    "DELETE FROM audit_log",
    "TRUNCATE audit_log",
    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
    "ALTER TABLE audit_log DISABLE TRIGGER ALL",
    "DROP TRIGGER audit_log_append_only ON audit_log",
    "ALTER TABLE shares ADD COLUMN x int",
]


@pytest.fixture
def app_url(own_database_url) -> str:
    """A fresh login role with the application's grants on the test's own database, set up
    as the embedded stack does (stack/devstack.py): the server's superuser is the owner."""
    url = with_role(own_database_url, f"app_{uuid.uuid4().hex[:8]}")
    set_up(own_database_url, url, create=True)
    set_up(own_database_url, url, create=True)  # a restart: the role exists, grants again
    return url


@pytest.mark.parametrize("statement", REFUSED)
def test_the_app_role_is_refused(app_url, statement):
    with (
        psycopg.connect(libpq_url(app_url)) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(statement)


async def test_the_app_role_runs_the_application(app_url, settings):
    deps = Deps.from_settings(settings.model_copy(update={"database_url": app_url}), pool_size=1)
    try:
        await full_record(deps)  # every ledger write, the audit chain included
    finally:
        await deps.close()
    with psycopg.connect(libpq_url(app_url)) as conn:
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] > 0
        owns = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner"
            " WHERE r.rolname = current_user"
        ).fetchone()[0]
    assert owns == 0
