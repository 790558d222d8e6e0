"""The one permission matrix: which role may do what. Documented in docs/SECURITY.md.

Deny by default: a permission not listed for any of a user's roles is refused. Routes declare
the permission they need; record-level rules (handling codes, owning organisation, fields) are
decided by ``beacon.access``.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PARTNER_CONTRIBUTOR = "partner_contributor"
    ANALYST = "analyst"
    INTELLIGENCE_SUPERVISOR = "intelligence_supervisor"
    ENGAGEMENT_OFFICER = "engagement_officer"
    TASKING_MEMBER = "tasking_member"
    ADMIN = "admin"


class Permission(StrEnum):
    # Intelligence (records arrive with intake, issue 4)
    INTEL_SUBMIT = "intel.submit"
    INTEL_READ_OWN = "intel.read_own"
    INTEL_READ = "intel.read"
    INTEL_READ_ORIGINAL = "intel.read_original"  # unsanitised originals, with a stated reason
    INTEL_SANITISE = "intel.sanitise"
    INTEL_GRADE = "intel.grade"
    INTEL_DISSEMINATE = "intel.disseminate"
    INTEL_LINK = "intel.link"
    # Data and analysis
    DATA_READ = "data.read"  # police data, geography, statistics
    DATA_IMPORT = "data.import"
    # Small numbers (counts of 1-4) in neighbourhood profiles; others see "fewer than 5".
    DATA_SMALL_NUMBERS = "data.small_numbers"
    # Engagement and tasking
    ENGAGEMENT_MESSAGE = "engagement.message"
    ENGAGEMENT_SURVEY = "engagement.survey"
    TASKING_READ = "tasking.read"
    TASKING_MANAGE = "tasking.manage"
    # Strategic assessments (issue 10)
    ASSESSMENT_READ = "assessment.read"  # drafts, runs and the analysts' (unsuppressed) version
    ASSESSMENT_WRITE = "assessment.write"  # create, run, horizon, overrides, narrative, review
    ASSESSMENT_APPROVE = "assessment.approve"
    ASSESSMENT_CAPACITY = "assessment.capacity"  # rate one's own organisation's capacity
    # Approved assessments' shared (small numbers suppressed) versions
    ASSESSMENT_READ_SHARED = "assessment.read_shared"
    # Oversight
    AUDIT_READ = "audit.read"
    AUDIT_EXPORT = "audit.export"
    RETENTION_REVIEW = "retention.review"
    # Administration
    ADMIN_ORGANISATIONS = "admin.organisations"
    ADMIN_USERS = "admin.users"
    ADMIN_API_TOKENS = "admin.api_tokens"


_ANALYST = frozenset(
    {
        Permission.INTEL_SUBMIT,
        Permission.INTEL_READ_OWN,
        Permission.INTEL_READ,
        Permission.INTEL_LINK,
        Permission.DATA_READ,
        Permission.DATA_IMPORT,
        Permission.DATA_SMALL_NUMBERS,
        Permission.TASKING_READ,
        Permission.ASSESSMENT_READ,
        Permission.ASSESSMENT_WRITE,
        Permission.ASSESSMENT_CAPACITY,
        Permission.ASSESSMENT_READ_SHARED,
    }
)
# Partners rate their own capacity and read the shared version of approved assessments.
_ASSESSMENT_PARTNER = frozenset({Permission.ASSESSMENT_CAPACITY, Permission.ASSESSMENT_READ_SHARED})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.PARTNER_CONTRIBUTOR: frozenset({Permission.INTEL_SUBMIT, Permission.INTEL_READ_OWN})
    | _ASSESSMENT_PARTNER,
    Role.ANALYST: _ANALYST,
    Role.INTELLIGENCE_SUPERVISOR: _ANALYST
    | {
        Permission.INTEL_READ_ORIGINAL,
        Permission.INTEL_SANITISE,
        Permission.INTEL_GRADE,
        Permission.INTEL_DISSEMINATE,
        Permission.AUDIT_READ,
        Permission.AUDIT_EXPORT,
        Permission.RETENTION_REVIEW,
        Permission.ASSESSMENT_APPROVE,
    },
    Role.ENGAGEMENT_OFFICER: frozenset(
        {
            Permission.INTEL_SUBMIT,
            Permission.INTEL_READ_OWN,
            Permission.ENGAGEMENT_MESSAGE,
            Permission.ENGAGEMENT_SURVEY,
            Permission.DATA_READ,
        }
    )
    | _ASSESSMENT_PARTNER,
    Role.TASKING_MEMBER: frozenset(
        {Permission.TASKING_READ, Permission.TASKING_MANAGE, Permission.DATA_READ}
    )
    | _ASSESSMENT_PARTNER,
    # Administrators manage accounts; they do not read intelligence (separation of duties).
    Role.ADMIN: frozenset(
        {
            Permission.ADMIN_ORGANISATIONS,
            Permission.ADMIN_USERS,
            Permission.ADMIN_API_TOKENS,
            Permission.AUDIT_READ,
        }
    ),
}


def permissions_for(roles: set[str] | frozenset[str] | list[str]) -> frozenset[Permission]:
    """Every permission any of ``roles`` grants; unknown role names grant nothing."""
    granted: set[Permission] = set()
    for name in roles:
        try:
            granted |= ROLE_PERMISSIONS[Role(name)]
        except ValueError:
            continue
    return frozenset(granted)
