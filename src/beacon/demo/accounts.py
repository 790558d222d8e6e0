"""Demo sign-in accounts, so the pages `make run` serves can be used straight away.

Refused in production. Each `beacon demo load` gives every demo account a new random password
and prints it (passwords are stored only as Argon2 hashes, so they cannot be shown later).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from beacon.audit.service import AuditActor
from beacon.auth import service as auth
from beacon.auth.models import OrganisationType
from beacon.auth.permissions import Role

DEMO_ORGANISATION = "Beacon demo partnership"
DEMO_PARTNER_ORGANISATION = "Demo housing association"
DEMO_ACCOUNTS: tuple[tuple[str, str, tuple[Role, ...]], ...] = (
    ("analyst@demo.beacon.example", "Demo analyst", (Role.ANALYST,)),
    ("supervisor@demo.beacon.example", "Demo supervisor", (Role.INTELLIGENCE_SUPERVISOR,)),
    ("admin@demo.beacon.example", "Demo administrator", (Role.ADMIN,)),
    ("housing@demo.beacon.example", "Demo housing officer", (Role.PARTNER_CONTRIBUTOR,)),
)
# Accounts that belong to the partner organisation rather than the partnership hub.
PARTNER_ACCOUNTS = frozenset({"housing@demo.beacon.example"})


class DemoAccountsRefused(RuntimeError):
    """Demo accounts are never created in production."""


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    roles: tuple[str, ...]


def ensure_demo_accounts(session: Session, *, environment: str) -> list[DemoLogin]:
    """Create the demo organisation and accounts if missing and give each a new password.
    Flushes; the caller commits."""
    if environment == "production":
        raise DemoAccountsRefused(
            "demo accounts are not created when BEACON_ENVIRONMENT=production"
        )
    actor = AuditActor.system("demo")
    organisation = auth.get_organisation_by_name(session, DEMO_ORGANISATION)
    if organisation is None:
        organisation = auth.create_organisation(
            session,
            name=DEMO_ORGANISATION,
            org_type=OrganisationType.POLICE_FORCE,
            actor=actor,
        )
    partner = auth.get_organisation_by_name(session, DEMO_PARTNER_ORGANISATION)
    if partner is None:
        partner = auth.create_organisation(
            session,
            name=DEMO_PARTNER_ORGANISATION,
            org_type=OrganisationType.HOUSING_PROVIDER,
            actor=actor,
        )
    logins = []
    for email, name, roles in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(15)
        user = auth.get_user_by_email(session, email)
        if user is None:
            auth.create_user(
                session,
                organisation_id=(partner if email in PARTNER_ACCOUNTS else organisation).id,
                email=email,
                display_name=name,
                password=password,
                roles=[str(r) for r in roles],
                actor=actor,
            )
        else:
            auth.set_password(session, user_id=user.id, new_password=password, actor=actor)
            if not user.active:
                auth.enable_user(session, user_id=user.id, actor=actor)
        logins.append(DemoLogin(email, password, tuple(str(r) for r in roles)))
    return logins
