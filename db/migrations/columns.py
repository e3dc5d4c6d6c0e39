"""Column shapes every migration writes the same way.

Migrations are history: an old revision must build the same schema tomorrow as today, so
nothing here changes once a revision uses it; a new shape gets a new name.
"""

import sqlalchemy as sa

TZ = sa.DateTime(timezone=True)


def stamped(name: str = "created_at") -> sa.Column:
    """A timestamp the database fills in when the row is written."""
    return sa.Column(name, TZ, server_default=sa.func.now(), nullable=False)
