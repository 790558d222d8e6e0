"""What a command or the web app needs to reach the database, built once from settings."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from beacon.config import Settings, get_settings
from beacon.db.engine import create_db_engine, session_factory
from beacon.db.migrate import upgrade


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    def close(self) -> None:
        self.engine.dispose()


def open_runtime(settings: Settings | None = None, *, migrate: bool = True) -> Runtime:
    """Connect, and bring the schema up to date unless ``migrate`` is false."""
    settings = settings or get_settings()
    engine = create_db_engine(settings)
    if migrate:
        upgrade(settings, engine)
    return Runtime(settings=settings, engine=engine, sessions=session_factory(engine))
