"""Imports every domain's models so ``Base.metadata`` is complete (for Alembic and tests)."""

from beacon.analytics import models as analytics_models
from beacon.assessment import models as assessment_models
from beacon.audit import models as audit_models
from beacon.auth import models as auth_models
from beacon.geography import models as geography_models
from beacon.ingest import models as ingest_models
from beacon.ingest import partner_models as ingest_partner_models
from beacon.intake import models as intake_models
from beacon.notify import models as notify_models
from beacon.retention import models as retention_models
from beacon.triage import models as triage_models

__all__ = [
    "analytics_models",
    "assessment_models",
    "audit_models",
    "auth_models",
    "geography_models",
    "ingest_models",
    "ingest_partner_models",
    "intake_models",
    "notify_models",
    "retention_models",
    "triage_models",
]
