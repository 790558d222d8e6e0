"""JSON shapes of organisations, users and API tokens. None carries a secret: no password
hash, TOTP secret or token hash."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _utc(cls, value: object) -> object:
        # SQLite hands back naive datetimes; Beacon stores UTC.
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


class OrganisationOut(_Out):
    id: int
    name: str
    org_type: str
    require_totp: bool = Field(description="Every user must log in with a TOTP code.")
    active: bool
    created_at: dt.datetime


class UserOut(_Out):
    id: int
    organisation_id: int
    email: str
    display_name: str
    active: bool
    roles: list[str] = Field(default_factory=list)
    totp_enabled: bool
    locked_until: dt.datetime | None = None
    created_at: dt.datetime
    password_changed_at: dt.datetime
    last_login_at: dt.datetime | None = None


class ApiTokenOut(_Out):
    id: int
    name: str
    prefix: str = Field(description="The token's first characters, to tell tokens apart.")
    organisation_id: int
    created_by_user_id: int | None = None
    scopes: list[str]
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = None

    @field_validator("scopes", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return value.split() if isinstance(value, str) else value
