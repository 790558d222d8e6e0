"""Storage: engine and sessions, declarative base, migrations."""

from beacon.db.base import Base
from beacon.db.engine import create_db_engine, session_factory

__all__ = ["Base", "create_db_engine", "session_factory"]
