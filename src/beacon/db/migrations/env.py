"""Alembic environment: runs against the engine Beacon builds from its settings."""

from __future__ import annotations

from alembic import context

import beacon.db.models  # noqa: F401 - registers every table on Base.metadata
from beacon.config import Settings
from beacon.db.base import Base
from beacon.db.engine import create_db_engine

config = context.config
target_metadata = Base.metadata


def _engine():
    connection = config.attributes.get("connection")
    if connection is not None:
        return connection
    url = config.get_main_option("sqlalchemy.url")
    return create_db_engine(Settings(database_url=url) if url else Settings())


def run_migrations_online() -> None:
    target = _engine()
    if hasattr(target, "connect"):
        with target.connect() as connection:
            _run(connection)
        target.dispose()
    else:
        _run(target)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Beacon runs migrations online only: use `beacon db upgrade`.")
run_migrations_online()
