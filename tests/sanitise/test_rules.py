"""Redact or flag, the reporter's own details, overlaps and the redacted text."""

from __future__ import annotations

import itertools

import pytest

from beacon.sanitise.detect import (
    FINDING_TYPES,
    Finding,
    ReporterDetails,
    Sanitiser,
    _Candidate,
    _cut_self_references,
    _resolve,
    get_sanitiser,
    placeholder,
)


def actions(text: str, reporter: ReporterDetails | None = None) -> list[tuple[str, str, str]]:
    return [(f.type, f.text, f.action) for f in get_sanitiser().analyse(text, reporter)]


# -- contact details: first-person -> redact, someone else's -> flag ------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "my number is 07700 900461 if you need more",
        "Call me on 07700 900461 after six",
        "I'm on 07700 900461 most evenings",
        "contact me on 07700 900461",
        "you can reach me on 07700 900461",
        "07700 900461 is mine if you need it",
        "Tel: 07700 900461",  # the form's own contact field
        "My mobile's 07700 900461 - please text first",
    ],
)
def test_phone_redacted_when_first_person_or_unclaimed(text: str) -> None:
    assert [a for a in actions(text) if a[0] == "PHONE"] == [("PHONE", "07700 900461", "redact")]


@pytest.mark.parametrize(
    "text",
    [
        "his number is 07700 900461",
        "The dealer's number is 07700 900461.",
        "they use 07700 900461 for orders",
        "text this number to buy: 07700 900461",
        "Got a text from 07700 900461 offering fresh bits",
        "the lad in flat 6 gives out 07700 900461 to kids",
        "Tyler uses 07700 900461 to sell",
        "her mum's number is 07700 900461",
        "he gave my dad his number, 07700 900461.",
    ],
)
def test_phone_flagged_when_it_belongs_to_someone_else(text: str) -> None:
    assert [a for a in actions(text) if a[0] == "PHONE"] == [("PHONE", "07700 900461", "flag")]


def test_nearest_cue_decides() -> None:
    text = "my mobile's 07700900245 - the dealers' number is 07700900246"
    assert actions(text) == [
        ("PHONE", "07700900245", "redact"),
        ("PHONE", "07700900246", "flag"),
    ]


def test_second_number_continues_a_flagged_one() -> None:
    text = "The dealer's number is 07700900555. There's also a second phone 07700 900 556."
    assert [a[2] for a in actions(text)] == ["flag", "flag"]


def test_email_and_handles_follow_the_same_rule() -> None:
    assert actions("email me at jo.bloggs@example.org") == [
        ("EMAIL", "jo.bloggs@example.org", "redact")
    ]
    assert actions("the scam emails come from rent.deposits@protonmail.com") == [
        ("EMAIL", "rent.deposits@protonmail.com", "flag")
    ]
    assert actions("they advertise on snapchat as @gasboyz") == [
        ("SOCIAL_HANDLE", "@gasboyz", "flag")
    ]


# -- other types ----------------------------------------------------------------------------------


def test_identity_numbers_are_always_redacted() -> None:
    text = "his NI number is AB 12 34 56 C and her NHS number is 943 476 5919"
    assert actions(text) == [
        ("NINO", "AB 12 34 56 C", "redact"),
        ("NHS_NUMBER", "943 476 5919", "redact"),
    ]


def test_vehicles_are_flagged_unless_first_person() -> None:
    assert actions("the dealer drives a black Audi AB12 CDE") == [
        ("VEHICLE_REGISTRATION", "AB12 CDE", "flag")
    ]
    found = actions("my car, YT18 LHD, was taken from outside my house")
    assert ("VEHICLE_REGISTRATION", "YT18 LHD", "redact") in found


def test_postcodes_redacted_near_a_self_reference_else_flagged() -> None:
    assert actions("I live at 5 Oakwood Drive, LS8 2QT.") == [
        ("SELF_REFERENCE", "I live at 5 Oakwood Drive", "redact"),
        ("POSTCODE", "LS8 2QT", "redact"),
    ]
    assert actions("Drugs being sold in the LS9 6PX area, behind the shops.") == [
        ("POSTCODE", "LS9 6PX", "flag")
    ]
    assert actions("Scared of them. my postcode is ls9 7nb") == [("POSTCODE", "ls9 7nb", "redact")]


def test_dates_of_birth() -> None:
    assert actions("my DOB is 14/02/1961") == [("DATE_OF_BIRTH", "14/02/1961", "redact")]
    assert actions("his date of birth is 14/02/1961") == [("DATE_OF_BIRTH", "14/02/1961", "flag")]


def test_self_references_and_names_are_redacted() -> None:
    # "my son told me" is no longer a self-reference (issue 11): where the reporter lives is.
    found = actions("Hi my name is Tomasz Nowak, I live directly opposite them and saw the van")
    assert found == [
        ("REPORTER_NAME", "Tomasz Nowak", "redact"),
        ("SELF_REFERENCE", "I live directly opposite them", "redact"),
    ]
    assert actions("Hi my name is Tomasz Nowak, my son told me about the van") == [
        ("REPORTER_NAME", "Tomasz Nowak", "redact")
    ]


# -- the reporter's own details -------------------------------------------------------------------


def test_reporter_details_found_whatever_the_spacing_or_case() -> None:
    reporter = ReporterDetails(
        name="Margaret Ellis",
        email="Maggie.Ellis@Example.org",
        phone="+44 7700 900 214",
        postcode="ls6 2ab",
        address="31 Parkside Gardens, Wakefield",
    )
    text = (
        "Mrs ELLIS here. The dealers' number is 07700900214 (no, that's mine). Write to "
        "maggie.ellis@example.org. Dealing near LS62AB. Outside 31 Parkside Gdns too. Margaret"
    )
    found = get_sanitiser().analyse(text, reporter)
    assert [(f.type, f.text, f.action) for f in found] == [
        ("REPORTER_NAME", "ELLIS", "redact"),
        ("PHONE", "07700900214", "redact"),
        ("EMAIL", "maggie.ellis@example.org", "redact"),
        ("POSTCODE", "LS62AB", "redact"),
        ("REPORTER_ADDRESS", "31 Parkside Gdns", "redact"),
        ("REPORTER_NAME", "Margaret", "redact"),
    ]
    assert {f.reason for f in found} == {
        "matches the reporter's name",
        "matches the reporter's phone",
        "matches the reporter's e-mail",
        "matches the reporter's postcode",
        "matches the reporter's address",
    }


def test_reporter_name_words_must_look_like_names() -> None:
    reporter = ReporterDetails(name="Will May")
    found = actions("they will come back in may, Will said", reporter)
    assert found == [("REPORTER_NAME", "Will", "redact")]
    # An all-lower-case text has no capitals to go by: every name word counts.
    assert actions("will may here, lads dealing again", reporter)[0] == (
        "REPORTER_NAME",
        "will may",
        "redact",
    )


def test_reporter_details_from_mapping() -> None:
    details = ReporterDetails.from_mapping({"name": " Jo ", "phone": "", "other": 1})
    assert details == ReporterDetails(name="Jo")
    assert ReporterDetails().is_empty()
    with pytest.raises(ValueError, match="must be a string"):
        ReporterDetails.from_mapping({"phone": 7700900123})


# -- overlaps ------------------------------------------------------------------------------------


def cand(
    start: int,
    end: int,
    kind: str,
    action: str = "flag",
    score: float = 0.8,
    reporter: bool = False,
) -> _Candidate:
    return _Candidate(start, end, kind, score, "test", reporter, action)  # type: ignore[arg-type]


def test_longest_wins_then_reporter_then_redact_then_score() -> None:
    chosen = _resolve([cand(0, 10, "PHONE"), cand(2, 8, "NHS_NUMBER", "redact", 0.99)])
    assert [(c.start, c.end, c.type) for c in chosen] == [(0, 10, "PHONE")]
    same = _resolve([cand(0, 10, "PHONE", "flag", 0.9), cand(0, 10, "PHONE", "redact", 0.5)])
    assert [c.action for c in same] == ["redact"]
    mine = _resolve(
        [cand(0, 10, "PHONE", "redact", 0.9), cand(0, 10, "PHONE", "redact", 0.1, reporter=True)]
    )
    assert mine[0].reporter


def test_self_reference_cut_before_the_identifier_inside_it() -> None:
    text = "I live at 14 Acacia Avenue, LS6 2AB and they deal"
    postcode = cand(28, 35, "POSTCODE", "redact")
    selves = [cand(0, 35, "SELF_REFERENCE", "redact")]
    cut = _cut_self_references(text, selves, [postcode])
    assert [(text[c.start : c.end]) for c in cut] == ["I live at 14 Acacia Avenue"]


def test_findings_never_overlap_and_are_sorted() -> None:
    text = (
        "My name is Sarah Jones, I live at 14 Acacia Avenue LS6 2AB. Call me on 07700 900123 "
        "or email sarah.jones@gmail.com. The dealer drives AB12 CDE and his number is "
        "07700 900456. my son told me. NI AB 12 34 56 C, NHS 943 476 5919."
    )
    found = get_sanitiser().analyse(text, ReporterDetails(name="Sarah Jones"))
    assert found == sorted(found, key=lambda f: f.start)
    for first, second in itertools.pairwise(found):
        assert first.end <= second.start
    for finding in found:
        assert text[finding.start : finding.end] == finding.text
        assert finding.type in FINDING_TYPES
        assert finding.action in ("redact", "flag")
        assert finding.reason


# -- redaction -----------------------------------------------------------------------------------


def test_redact_replaces_redactions_and_keeps_flags() -> None:
    sanitiser = get_sanitiser()
    text = "Call me on 07700 900123. The dealer's number is 07700 900456, reg AB12 CDE."
    redacted = sanitiser.redact(text, sanitiser.analyse(text))
    assert redacted == (
        "Call me on [PHONE REMOVED]. The dealer's number is 07700 900456, reg AB12 CDE."
    )


def test_redact_placeholders_and_adjacent_findings() -> None:
    sanitiser = get_sanitiser()
    text = "Tel: 07700 900123 07700 900124"
    findings = sanitiser.analyse(text)
    assert sanitiser.redact(text, findings) == "Tel: [PHONE REMOVED] [PHONE REMOVED]"
    assert placeholder("NHS_NUMBER") == "[NHS NUMBER REMOVED]"
    assert placeholder("SELF_REFERENCE") == "[SELF REFERENCE REMOVED]"


def test_redact_rejects_findings_from_another_text() -> None:
    finding = Finding(0, 5, "PHONE", "hello", 1.0, "redact", "test")
    with pytest.raises(ValueError, match="does not match"):
        get_sanitiser().redact("world", [finding])
    assert get_sanitiser().redact("world", []) == "world"


def test_empty_text_and_cached_instance() -> None:
    assert get_sanitiser().analyse("") == []
    assert get_sanitiser().analyse("   \n") == []
    assert get_sanitiser() is get_sanitiser()
    assert isinstance(get_sanitiser(), Sanitiser)
