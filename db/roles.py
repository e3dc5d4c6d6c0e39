"""Least privilege: the application's role may read and write its tables, but the audit log
only INSERT and SELECT, and it owns nothing (so it can neither ALTER a table nor switch the
append-only trigger off). The owner role (DATABASE_OWNER_URL) runs migrations and this grant.
"""

from __future__ import annotations

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url


def libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


APPEND_ONLY = ("audit_log",)
READ_ONLY = ("alembic_version",)


def role_of(url: str) -> str:
    name = make_url(url).username
    if not name:
        raise ValueError("the database URL names no role")
    return name


def ensure_role(owner_url: str, role: str, password: str | None = None) -> None:
    """Creates `role` (LOGIN, nothing more) if it does not exist; the owner needs CREATEROLE."""
    with psycopg.connect(libpq_url(owner_url), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
            return
        statement = sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE").format(
            sql.Identifier(role)
        )
        if password:
            statement = sql.SQL("{} PASSWORD {}").format(statement, sql.Literal(password))
        conn.execute(statement)


def grant_app_role(owner_url: str, role: str) -> None:
    """Grants `role` what the application needs, and no more, on the owner's schema."""
    who = sql.Identifier(role)
    with psycopg.connect(libpq_url(owner_url), autocommit=False) as conn:
        owner = conn.execute("SELECT current_user").fetchone()
        if owner is not None and owner[0] == role:
            raise ValueError("the application's role must not be the owner")
        statements = [
            "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {who}",
            "GRANT USAGE ON SCHEMA public TO {who}",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {who}",
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {who}",
        ]
        for statement in statements:
            conn.execute(sql.SQL(statement).format(who=who))
        for table in APPEND_ONLY:
            conn.execute(
                sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(
                    sql.Identifier(table), who
                )
            )
        for table in READ_ONLY:
            conn.execute(
                sql.SQL("REVOKE INSERT, UPDATE, DELETE ON {} FROM {}").format(
                    sql.Identifier(table), who
                )
            )
        conn.commit()


def set_up(owner_url: str, app_url: str, *, create: bool = False) -> None:
    """After migrating as the owner: the app's role (of `app_url`) gets its grants."""
    role = role_of(app_url)
    if create:
        ensure_role(owner_url, role, make_url(app_url).password)
    grant_app_role(owner_url, role)
