"""Imports every domain's models so ``Base.metadata`` is complete (for Alembic and tests)."""

from beacon.audit import models as audit_models
from beacon.auth import models as auth_models
from beacon.geography import models as geography_models
from beacon.ingest import models as ingest_models
from beacon.retention import models as retention_models

__all__ = [
    "audit_models",
    "auth_models",
    "geography_models",
    "ingest_models",
    "retention_models",
]
