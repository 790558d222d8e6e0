"""The one access decision for protected records: ``decide(principal, record, action)``.

Every route, export, search and API endpoint asks this function, and only this function,
whether a principal may act on a record and which field groups it may see. It is pure (no
database, no clock), so it can be tested exhaustively and called per row of a list.

Deny by default: anything the table below does not grant is refused, including unknown
handling codes, unknown principal kinds and missing identities.

Terms: *own org* = ``record.owning_organisation_id == principal.organisation_id``;
*own submission* = a user principal whose ``user_id`` is ``record.submitted_by_user_id``;
*supervisor* = holds ``INTEL_DISSEMINATE``; BASE = {SUMMARY, NARRATIVE, SUBJECTS, HANDLING}.

=============  ==========================================  =========================================
action         allowed when (all of)                       fields returned
=============  ==========================================  =========================================
VIEW           (a) INTEL_READ and the record is P-coded,   BASE, plus SOURCE_DETAILS for a
               or C-coded and (own org or supervisor);     supervisor of the owning org (users
               or (b) INTEL_READ_OWN and own submission    only, never API tokens)
EXPORT         INTEL_READ and VIEW allowed                 VIEW's fields (SOURCE_DETAILS only for
                                                           the owning org's supervisors)
LINK           INTEL_LINK and VIEW allowed                 VIEW's fields
EDIT           INTEL_SANITISE, own org, VIEW allowed       VIEW's fields
SANITISE       INTEL_SANITISE, own org, VIEW allowed       VIEW's fields
GRADE          INTEL_GRADE, own org, VIEW allowed          VIEW's fields
DISSEMINATE    INTEL_DISSEMINATE, own org, VIEW allowed    VIEW's fields
VIEW_ORIGINAL  INTEL_READ_ORIGINAL, own org, VIEW          VIEW's fields + ORIGINAL_TEXT;
               allowed, record ``restricted`` (has an      ``requires_justification=True``
               unsanitised original), a user (not a token)
=============  ==========================================  =========================================

Further rules:

* A partner contributor (INTEL_READ_OWN without INTEL_READ) sees only records they submitted,
  and never SOURCE_DETAILS (of any organisation): source details belong to the owning
  organisation's supervisors once a record is submitted.
* ORIGINAL_TEXT is returned only by VIEW_ORIGINAL, which always requires a stated reason; the
  caller must refuse without one and audit it (``record_event(..., require_justification=True)``).
* HANDLING (code and conditions) is part of every allowed field set, so handling instructions
  travel with whatever is shown or exported.
* An API token's permissions are its scopes (never more); a token never receives ORIGINAL_TEXT
  or SOURCE_DETAILS and cannot VIEW_ORIGINAL; a token has no "own submissions".
* A denied decision has no fields and never requires a justification.

The same rules, in prose, are in docs/SECURITY.md ("Access to records").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal, Protocol, TypeVar

from beacon.auth.permissions import Permission, permissions_for


class Protected(Protocol):
    """What ``decide`` needs to know about a record (intelligence reports implement it)."""

    @property
    def owning_organisation_id(self) -> int: ...
    @property
    def handling_code(self) -> str: ...  # "P" (partners may see) or "C" (confidential)
    @property
    def handling_conditions(self) -> str | None: ...
    @property
    def submitted_by_user_id(self) -> int | None: ...
    @property
    def restricted(self) -> bool: ...  # has an unsanitised original


class Action(StrEnum):
    VIEW = "view"
    EDIT = "edit"
    SANITISE = "sanitise"
    GRADE = "grade"
    DISSEMINATE = "disseminate"
    EXPORT = "export"
    LINK = "link"
    VIEW_ORIGINAL = "view_original"


class FieldGroup(StrEnum):
    SUMMARY = "summary"
    NARRATIVE = "narrative"
    SUBJECTS = "subjects"
    SOURCE_DETAILS = "source_details"
    ORIGINAL_TEXT = "original_text"
    HANDLING = "handling"


PrincipalKind = Literal["user", "api_token"]


@dataclass(frozen=True)
class Principal:
    """Who is asking: a logged-in user or an API token, acting for one organisation."""

    kind: PrincipalKind
    organisation_id: int
    permissions: frozenset[Permission] = field(default_factory=frozenset)
    user_id: int | None = None
    token_id: int | None = None

    def __post_init__(self) -> None:
        if self.kind == "user" and (self.user_id is None or self.token_id is not None):
            raise ValueError("a user principal has a user_id and no token_id")
        if self.kind == "api_token" and (self.token_id is None or self.user_id is not None):
            raise ValueError("an API token principal has a token_id and no user_id")
        if self.kind not in ("user", "api_token"):
            raise ValueError(f"unknown principal kind {self.kind!r}")

    @classmethod
    def for_user(cls, user_id: int, organisation_id: int, roles: Iterable[str]) -> Principal:
        return cls(
            kind="user",
            user_id=user_id,
            organisation_id=organisation_id,
            permissions=permissions_for(list(roles)),
        )

    @classmethod
    def for_api_token(
        cls,
        token_id: int,
        organisation_id: int,
        scopes: str | Iterable[str],
        ceiling: frozenset[Permission] | None = None,
    ) -> Principal:
        """Scopes as stored (space-separated) or a list; unknown names grant nothing. With
        ``ceiling`` (e.g. the creator's current permissions) the token gets no more than it."""
        names = scopes.split() if isinstance(scopes, str) else list(scopes)
        valid = {p.value for p in Permission}
        granted = frozenset(Permission(n) for n in names if n in valid)
        if ceiling is not None:
            granted &= ceiling
        return cls(
            kind="api_token",
            token_id=token_id,
            organisation_id=organisation_id,
            permissions=granted,
        )


@dataclass(frozen=True)
class Decision:
    allowed: bool
    fields: frozenset[FieldGroup]
    reason: str
    requires_justification: bool = False

    def __bool__(self) -> bool:
        return self.allowed


_BASE = frozenset(
    {FieldGroup.SUMMARY, FieldGroup.NARRATIVE, FieldGroup.SUBJECTS, FieldGroup.HANDLING}
)
_WITH_SOURCE = _BASE | {FieldGroup.SOURCE_DETAILS}
_NONE: frozenset[FieldGroup] = frozenset()

# Actions beyond VIEW that belong to the owning organisation, and the permission each needs.
_OWNING_ORG_ACTIONS: dict[Action, Permission] = {
    Action.EDIT: Permission.INTEL_SANITISE,
    Action.SANITISE: Permission.INTEL_SANITISE,
    Action.GRADE: Permission.INTEL_GRADE,
    Action.DISSEMINATE: Permission.INTEL_DISSEMINATE,
}


def _deny(reason: str) -> Decision:
    return Decision(allowed=False, fields=_NONE, reason=reason)


def _view_fields(principal: Principal, record: Protected) -> tuple[frozenset[FieldGroup], str]:
    """The field groups VIEW grants (empty when VIEW is refused) and why."""
    perms = principal.permissions
    own_org = record.owning_organisation_id == principal.organisation_id
    code = record.handling_code
    if code not in ("P", "C"):
        return _NONE, f"unknown handling code {code!r}"
    supervisor = Permission.INTEL_DISSEMINATE in perms
    # Triage routed the report to this organisation: its readers see what the owning
    # organisation's readers see, never the source details or the original.
    assigned = principal.organisation_id is not None and (
        getattr(record, "assigned_organisation_id", None) == principal.organisation_id
    )
    if Permission.INTEL_READ in perms and (code == "P" or own_org or assigned or supervisor):
        if own_org and supervisor and principal.kind == "user":
            return _WITH_SOURCE, "reader; supervisor of the owning organisation"
        if code == "P" or own_org:
            return _BASE, "reader"
        return _BASE, "reader; routed to your organisation" if assigned else (
            "reader; supervisor (C-coded)"
        )
    if (
        Permission.INTEL_READ_OWN in perms
        and principal.kind == "user"
        and record.submitted_by_user_id is not None
        and record.submitted_by_user_id == principal.user_id
    ):
        return _BASE, "own submission"
    if Permission.INTEL_READ in perms:
        return _NONE, "C-coded record of another organisation"
    if Permission.INTEL_READ_OWN in perms:
        return _NONE, "not your submission"
    return _NONE, "no permission to read intelligence"


def decide(principal: Principal, record: Protected, action: Action) -> Decision:
    """May ``principal`` do ``action`` to ``record``, and which field groups may it see?"""
    if principal.kind not in ("user", "api_token"):
        return _deny("unknown principal")
    fields, why = _view_fields(principal, record)
    if not fields:
        return _deny(why)
    perms = principal.permissions
    if action is Action.VIEW:
        return Decision(True, fields, why)
    if action is Action.EXPORT:
        if Permission.INTEL_READ not in perms:
            return _deny("exporting needs intel.read")
        return Decision(True, fields, why)
    if action is Action.LINK:
        if Permission.INTEL_LINK not in perms:
            return _deny("linking needs intel.link")
        return Decision(True, fields, why)
    own_org = record.owning_organisation_id == principal.organisation_id
    needed = _OWNING_ORG_ACTIONS.get(action)
    if needed is not None:
        if needed not in perms:
            return _deny(f"{action.value} needs {needed.value}")
        if not own_org:
            return _deny(f"{action.value} is for the owning organisation only")
        return Decision(True, fields, f"{needed.value}; owning organisation")
    if action is Action.VIEW_ORIGINAL:
        if principal.kind != "user":
            return _deny("API tokens never receive original text")
        if Permission.INTEL_READ_ORIGINAL not in perms:
            return _deny("viewing the original needs intel.read_original")
        if not own_org:
            return _deny("originals are for the owning organisation only")
        if not record.restricted:
            return _deny("the record has no unsanitised original")
        return Decision(
            True,
            fields | {FieldGroup.ORIGINAL_TEXT},
            "intel.read_original; owning organisation; reason required",
            requires_justification=True,
        )
    return _deny(f"unknown action {action!r}")


R = TypeVar("R", bound=Protected)


def filter_visible(
    principal: Principal, records: Iterable[R], action: Action = Action.VIEW
) -> list[tuple[R, Decision]]:
    """The records ``principal`` may ``action`` (VIEW by default), each with its decision, in
    their original order."""
    pairs = []
    for record in records:
        decision = decide(principal, record, action)
        if decision.allowed:
            pairs.append((record, decision))
    return pairs
