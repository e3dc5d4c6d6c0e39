"""Column shapes every migration writes the same way.

Frozen: migrations are history, and an old revision must build the same schema tomorrow as
today (tests/db/test_schema_snapshot.py checks it), so nothing here changes once a revision
uses it; a new shape gets a new name. Only pure builders of declarations belong here: each
call returns new objects (a Column belongs to one table) and runs no operation.
"""

import sqlalchemy as sa

TZ = sa.DateTime(timezone=True)


def stamped(name: str = "created_at") -> sa.Column:
    """A timestamp the database fills in when the row is written."""
    return sa.Column(name, TZ, server_default=sa.func.now(), nullable=False)


def created_and_updated() -> tuple[sa.Column, sa.Column]:
    """created_at and updated_at, both filled in on insert (the code moves updated_at)."""
    return stamped(), stamped("updated_at")


def serial_id() -> sa.Column:
    """The surrogate key of an append-style table: a 64-bit serial."""
    return sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True)


def user_id(*, references_users: bool = False, index: bool = False) -> sa.Column:
    """The user a row belongs to (the backend's id, up to 128 characters), never NULL."""
    refs = (sa.ForeignKey("users.id"),) if references_users else ()
    return sa.Column("user_id", sa.String(128), *refs, nullable=False, index=index)
