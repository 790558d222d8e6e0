"""Imports every domain's models so ``Base.metadata`` is complete (for Alembic and tests)."""

from beacon.geography import models as geography_models
from beacon.ingest import models as ingest_models

__all__ = ["geography_models", "ingest_models"]
