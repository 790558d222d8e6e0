"""Storage: SQLite pragmas, migrations on both backends, savepoints."""

from __future__ import annotations

from sqlalchemy import inspect, text

from beacon.db.migrate import current_revision
from beacon.runtime import Runtime


def test_sqlite_connections_are_durable(runtime: Runtime) -> None:
    if runtime.engine.dialect.name != "sqlite":
        return
    with runtime.engine.connect() as connection:
        pragma = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
    assert pragma == {
        "journal_mode": "wal",
        "synchronous": 2,
        "foreign_keys": 1,
        "busy_timeout": runtime.settings.sqlite_busy_timeout_ms,
    }


def test_migrations_create_every_table_and_reach_head(runtime: Runtime) -> None:
    import beacon.db.models  # noqa: F401
    from beacon.db.base import Base

    tables = set(inspect(runtime.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert current_revision(runtime.engine) is not None


def test_savepoint_rolls_back_only_its_part(runtime: Runtime) -> None:
    with runtime.engine.begin() as connection:
        connection.execute(text("CREATE TEMPORARY TABLE sp_check (n INTEGER)"))
        connection.execute(text("INSERT INTO sp_check VALUES (1)"))
        nested = connection.begin_nested()
        connection.execute(text("INSERT INTO sp_check VALUES (2)"))
        nested.rollback()
        values = connection.execute(text("SELECT n FROM sp_check")).scalars().all()
    assert values == [1]
