"""A canonical text dump of the schema the migrations build, to compare against a snapshot.

Regenerate the snapshot (only when a new migration is meant to change the schema):
`python -m tests.support.schema` (an embedded server, or PROFITSHARE_DATABASE_URL's).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import psycopg

from db.migrate import upgrade
from stack.postgres import create_database, drop_database, libpq_url, start_embedded

SNAPSHOT = Path(__file__).parents[1] / "db" / "schema_snapshot.txt"

# Each query yields rows of text, sorted, so the dump does not depend on creation order or OIDs.
_SECTIONS = {
    "columns": """
        SELECT table_name, ordinal_position, column_name, data_type, character_maximum_length,
               numeric_precision, numeric_scale, datetime_precision, is_nullable,
               column_default, is_identity
        FROM information_schema.columns WHERE table_schema = 'public'
        ORDER BY table_name, ordinal_position
    """,
    "constraints": """
        SELECT t.relname, c.conname, c.contype, pg_get_constraintdef(c.oid)
        FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public'
        ORDER BY t.relname, c.conname
    """,
    "indexes": """
        SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
        ORDER BY tablename, indexname
    """,
    "sequences": """
        SELECT sequence_name, data_type, start_value, increment
        FROM information_schema.sequences WHERE sequence_schema = 'public'
        ORDER BY sequence_name
    """,
    "triggers": """
        SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND NOT t.tgisinternal ORDER BY t.tgname
    """,
    "functions": """
        SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
        ORDER BY p.proname
    """,
    "grants": """
        SELECT table_name, grantee, privilege_type FROM information_schema.role_table_grants
        WHERE table_schema = 'public' AND grantee <> current_user
        ORDER BY table_name, grantee, privilege_type
    """,
}


def dump(database_url: str) -> str:
    """Every section's rows, one tab-separated line each, under a `## section` heading."""
    lines: list[str] = []
    with psycopg.connect(libpq_url(database_url)) as conn:
        for section, query in _SECTIONS.items():
            lines.append(f"## {section}")
            for row in conn.execute(query):
                lines.append("\t".join("" if v is None else str(v) for v in row))
    return "\n".join(lines) + "\n"


def migrated_dump(server_url: str) -> str:
    """Migrates a fresh database on the server to head and dumps its schema."""
    name = f"profitshare_schema_{uuid.uuid4().hex[:8]}"
    url = create_database(server_url, name)
    try:
        upgrade(url)
        return dump(url)
    finally:
        drop_database(server_url, name)


def main() -> None:
    server_url = os.environ.get("PROFITSHARE_DATABASE_URL")
    if server_url is not None:
        SNAPSHOT.write_text(migrated_dump(server_url))
        return
    scratch = Path(tempfile.mkdtemp(prefix="ps-schema-"))
    try:
        SNAPSHOT.write_text(migrated_dump(start_embedded(scratch / "pgdata")))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
