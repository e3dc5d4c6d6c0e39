"""The application's role may only INSERT and SELECT the audit log, and owns nothing."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from sqlalchemy.engine import make_url

from db.roles import ensure_role, grant_app_role, libpq_url
from tests.support.records import recorded_share
from workers.deps import Deps

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
    """A fresh login role with the application's grants on the test's own database."""
    role = f"app_{uuid.uuid4().hex[:8]}"
    ensure_role(own_database_url, role)
    grant_app_role(own_database_url, role)
    return make_url(own_database_url).set(username=role).render_as_string(hide_password=False)


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
        await recorded_share(deps)  # every ledger write, the audit chain included
    finally:
        await deps.close()
    with psycopg.connect(libpq_url(app_url)) as conn:
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] > 0
        owns = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner"
            " WHERE r.rolname = current_user"
        ).fetchone()[0]
    assert owns == 0
