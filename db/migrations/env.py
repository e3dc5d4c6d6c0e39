"""Alembic environment: synchronous psycopg connection, models' metadata as the target."""

from alembic import context
from sqlalchemy import create_engine, pool

from db.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
if url is None:  # db.migrate always sets it; a bare `alembic` run may not
    raise RuntimeError("sqlalchemy.url is not set in the Alembic config")
engine = create_engine(url, poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
