"""``decide`` against an independently written table, for every combination that matters:
every Role x every Action x {own org, other org} x {P, C} x {own submission, someone else's}
x {restricted, not}. Plus targeted tests: IDOR, API-token scopes, justification."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from beacon.access import Action, FieldGroup, Principal, decide, filter_visible
from beacon.auth.permissions import Permission, Role

ME, SOMEONE_ELSE = 100, 200
MY_ORG, OTHER_ORG = 1, 2

B = frozenset({"summary", "narrative", "subjects", "handling"})  # base field groups
B_SRC = B | {"source_details"}
B_ORIG = B | {"original_text"}
B_SRC_ORIG = B_SRC | {"original_text"}


@dataclass(frozen=True)
class Record:
    owning_organisation_id: int
    handling_code: str
    submitted_by_user_id: int | None
    restricted: bool
    handling_conditions: str | None = None


# What each role may read, for a record someone else submitted, by (organisation, code).
# "-" = nothing; B = base fields; S = base + source details.
READ = {
    #                           own/P  own/C  other/P  other/C
    Role.PARTNER_CONTRIBUTOR: ("-", "-", "-", "-"),
    Role.ANALYST: ("B", "B", "B", "-"),
    Role.INTELLIGENCE_SUPERVISOR: ("S", "S", "B", "B"),
    Role.ENGAGEMENT_OFFICER: ("-", "-", "-", "-"),
    Role.TASKING_MEMBER: ("-", "-", "-", "-"),
    Role.ADMIN: ("-", "-", "-", "-"),
}
# Roles that may always read what they themselves submitted (base fields only).
READS_OWN_SUBMISSIONS = {
    Role.PARTNER_CONTRIBUTOR,
    Role.ANALYST,
    Role.INTELLIGENCE_SUPERVISOR,
    Role.ENGAGEMENT_OFFICER,
}
# Beyond VIEW: where each role may do each action, given it can see the record.
#   "seen"      wherever it can VIEW
#   "own-org"   only records its own organisation owns
#   "original"  own organisation's restricted records, with a stated reason
#   "-"         never
A = Action
DOES = {
    Role.PARTNER_CONTRIBUTOR: {A.EXPORT: "-", A.LINK: "-", A.EDIT: "-", A.SANITISE: "-",
                               A.GRADE: "-", A.DISSEMINATE: "-", A.VIEW_ORIGINAL: "-"},
    Role.ANALYST: {A.EXPORT: "seen", A.LINK: "seen", A.EDIT: "-", A.SANITISE: "-",
                   A.GRADE: "-", A.DISSEMINATE: "-", A.VIEW_ORIGINAL: "-"},
    Role.INTELLIGENCE_SUPERVISOR: {A.EXPORT: "seen", A.LINK: "seen", A.EDIT: "own-org",
                                   A.SANITISE: "own-org", A.GRADE: "own-org",
                                   A.DISSEMINATE: "own-org", A.VIEW_ORIGINAL: "original"},
    Role.ENGAGEMENT_OFFICER: {A.EXPORT: "-", A.LINK: "-", A.EDIT: "-", A.SANITISE: "-",
                              A.GRADE: "-", A.DISSEMINATE: "-", A.VIEW_ORIGINAL: "-"},
    Role.TASKING_MEMBER: dict.fromkeys(list(A), "-"),
    Role.ADMIN: dict.fromkeys(list(A), "-"),
}  # fmt: skip


def expected(
    role: Role, action: Action, own_org: bool, code: str, own_sub: bool, restricted: bool
) -> tuple[bool, frozenset[str], bool]:
    """(allowed, field groups, requires_justification) from the tables above."""
    column = (0 if own_org else 2) + (0 if code == "P" else 1)
    seen = READ[role][column]
    fields = {"-": frozenset(), "B": B, "S": B_SRC}[seen]
    if not fields and own_sub and role in READS_OWN_SUBMISSIONS:
        fields = B
    if not fields:
        return False, frozenset(), False
    if action is A.VIEW:
        return True, fields, False
    where = DOES[role][action]
    if where == "seen":
        return True, fields, False
    if where == "own-org" and own_org:
        return True, fields, False
    if where == "original" and own_org and restricted:
        return True, fields | {"original_text"}, True
    return False, frozenset(), False


CASES = list(
    itertools.product(list(Role), list(Action), [True, False], ["P", "C"], [True, False],
                      [True, False])
)  # fmt: skip


def test_matrix_is_complete() -> None:
    assert len(CASES) == 6 * 8 * 2 * 2 * 2 * 2


@pytest.mark.parametrize(("role", "action", "own_org", "code", "own_sub", "restricted"), CASES)
def test_decision_matrix(
    role: Role, action: Action, own_org: bool, code: str, own_sub: bool, restricted: bool
) -> None:
    principal = Principal.for_user(ME, MY_ORG, [role])
    record = Record(
        owning_organisation_id=MY_ORG if own_org else OTHER_ORG,
        handling_code=code,
        submitted_by_user_id=ME if own_sub else SOMEONE_ELSE,
        restricted=restricted,
    )
    decision = decide(principal, record, action)
    allowed, fields, justify = expected(role, action, own_org, code, own_sub, restricted)
    got = (decision.allowed, {str(f) for f in decision.fields}, decision.requires_justification)
    assert got == (allowed, set(fields), justify), decision.reason
    assert decision.reason
    assert bool(decision) is decision.allowed


def test_idor_another_organisations_record_by_id_is_denied() -> None:
    """Knowing (or guessing) a record's id gives nothing: the decision is on the record."""
    analyst = Principal.for_user(ME, MY_ORG, [Role.ANALYST])
    theirs = Record(OTHER_ORG, "C", SOMEONE_ELSE, restricted=True)
    for action in Action:
        decision = decide(analyst, theirs, action)
        assert not decision.allowed and decision.fields == frozenset()
    contributor = Principal.for_user(ME, MY_ORG, [Role.PARTNER_CONTRIBUTOR])
    for record in (Record(MY_ORG, "P", SOMEONE_ELSE, False), Record(OTHER_ORG, "P", None, False)):
        assert not decide(contributor, record, Action.VIEW).allowed
    supervisor = Principal.for_user(ME, MY_ORG, [Role.INTELLIGENCE_SUPERVISOR])
    decision = decide(supervisor, theirs, Action.VIEW)
    assert decision.allowed and FieldGroup.SOURCE_DETAILS not in decision.fields
    for action in (A.EDIT, A.SANITISE, A.GRADE, A.DISSEMINATE, A.VIEW_ORIGINAL):
        assert not decide(supervisor, theirs, action).allowed


def test_no_roles_and_unknown_roles_get_nothing() -> None:
    for roles in ([], ["superuser"], ["ADMIN"]):
        principal = Principal.for_user(ME, MY_ORG, roles)
        assert principal.permissions == frozenset()
        for action in Action:
            assert not decide(principal, Record(MY_ORG, "P", ME, False), action).allowed


@pytest.mark.parametrize("code", ["", "p", "X", "PC"])
def test_unknown_handling_codes_are_denied(code: str) -> None:
    supervisor = Principal.for_user(ME, MY_ORG, [Role.INTELLIGENCE_SUPERVISOR])
    assert not decide(supervisor, Record(MY_ORG, code, ME, False), Action.VIEW).allowed


def test_submission_without_submitter_is_nobodys_own() -> None:
    contributor = Principal.for_user(ME, MY_ORG, [Role.PARTNER_CONTRIBUTOR])
    assert not decide(contributor, Record(MY_ORG, "P", None, False), Action.VIEW).allowed


def test_view_original_requires_justification_and_only_it_returns_original_text() -> None:
    supervisor = Principal.for_user(ME, MY_ORG, [Role.INTELLIGENCE_SUPERVISOR])
    record = Record(MY_ORG, "C", SOMEONE_ELSE, restricted=True)
    for action in Action:
        decision = decide(supervisor, record, action)
        assert decision.allowed
        assert (FieldGroup.ORIGINAL_TEXT in decision.fields) is (action is A.VIEW_ORIGINAL)
        assert decision.requires_justification is (action is A.VIEW_ORIGINAL)
    # Without intel.read_original (a hand-built principal), no original, whatever else it holds.
    no_original = Principal(
        kind="user",
        user_id=ME,
        organisation_id=MY_ORG,
        permissions=Principal.for_user(ME, MY_ORG, [Role.INTELLIGENCE_SUPERVISOR]).permissions
        - {Permission.INTEL_READ_ORIGINAL},
    )
    assert not decide(no_original, record, A.VIEW_ORIGINAL).allowed


def _token(*scopes: Permission | str, org: int = MY_ORG) -> Principal:
    return Principal.for_api_token(9, org, " ".join(str(s) for s in scopes))


def test_api_token_gets_at_most_its_scopes() -> None:
    mine_p, mine_c = Record(MY_ORG, "P", None, True), Record(MY_ORG, "C", None, True)
    theirs_p, theirs_c = Record(OTHER_ORG, "P", None, True), Record(OTHER_ORG, "C", None, True)
    reader = _token(Permission.INTEL_READ)
    assert [decide(reader, r, A.VIEW).allowed for r in (mine_p, mine_c, theirs_p, theirs_c)] == [
        True, True, True, False,
    ]  # fmt: skip
    assert decide(reader, theirs_p, A.VIEW).fields == frozenset(FieldGroup(f) for f in B)
    assert decide(reader, mine_p, A.EXPORT).allowed
    for action in (A.LINK, A.EDIT, A.SANITISE, A.GRADE, A.DISSEMINATE, A.VIEW_ORIGINAL):
        assert not decide(reader, mine_p, action).allowed
    # Submit-only and read-own tokens read nothing: a token has no submissions of its own.
    for token in (_token(Permission.INTEL_SUBMIT), _token(Permission.INTEL_READ_OWN), _token()):
        assert not decide(token, mine_p, A.VIEW).allowed
    # Unknown scope names grant nothing.
    assert _token("intel.read_everything", "admin").permissions == frozenset()
    # A ceiling (the creator's current permissions) caps the scopes.
    capped = Principal.for_api_token(
        9, MY_ORG, "intel.read intel.grade", ceiling=frozenset({Permission.INTEL_READ})
    )
    assert capped.permissions == frozenset({Permission.INTEL_READ})


def test_api_token_never_gets_original_text_or_source_details() -> None:
    everything = _token(*Permission)
    record = Record(MY_ORG, "C", None, restricted=True)
    for action in Action:
        decision = decide(everything, record, action)
        assert FieldGroup.ORIGINAL_TEXT not in decision.fields
        assert FieldGroup.SOURCE_DETAILS not in decision.fields
    assert not decide(everything, record, A.VIEW_ORIGINAL).allowed
    assert decide(everything, record, A.DISSEMINATE).allowed  # its scopes, own organisation


def test_principal_identity_is_checked() -> None:
    with pytest.raises(ValueError):
        Principal(kind="user", organisation_id=1)
    with pytest.raises(ValueError):
        Principal(kind="api_token", organisation_id=1, user_id=3)
    with pytest.raises(ValueError):
        Principal(kind="robot", organisation_id=1, user_id=3)


def test_filter_visible_keeps_order_and_decisions() -> None:
    analyst = Principal.for_user(ME, MY_ORG, [Role.ANALYST])
    records = [
        Record(OTHER_ORG, "C", SOMEONE_ELSE, False),  # hidden
        Record(OTHER_ORG, "P", SOMEONE_ELSE, False),
        Record(MY_ORG, "C", SOMEONE_ELSE, True),
        Record(OTHER_ORG, "C", ME, False),  # their C-coded record, but I submitted it
    ]
    visible = filter_visible(analyst, records)
    assert [r for r, _ in visible] == records[1:]
    assert all(d.allowed for _, d in visible)
    assert [r for r, _ in filter_visible(analyst, records, A.EXPORT)] == records[1:]
    assert filter_visible(analyst, records, A.GRADE) == []
