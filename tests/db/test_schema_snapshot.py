"""The migrations build, revision by revision, the schema they always built.

Migrations are history: a refactor of a released revision (db/migrations/columns.py helpers)
must not change what it creates. The snapshot, tests/db/schema_snapshot.txt, is the schema of
an empty database migrated to head (columns with types, nullability and defaults,
constraints, indexes, sequences, triggers, functions, grants), sorted. A new migration that is
meant to change the schema regenerates it: `python -m tests.support.schema`.
"""

from __future__ import annotations

from tests.support.schema import SNAPSHOT, migrated_dump


def test_migrations_build_the_snapshot_schema(postgres_server: str) -> None:
    assert migrated_dump(postgres_server) == SNAPSHOT.read_text()
