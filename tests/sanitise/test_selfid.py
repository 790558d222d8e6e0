"""Where reporters identify themselves (issue 11): the evaluator for the self-identification
files, the goals on the tuning set, regression floors on the frozen blind set, and the rules
for each kind on small hand-written cases (including what must NOT be found or redacted)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from beacon.cli import app
from beacon.sanitise.detect import Finding, about_reporter, get_sanitiser
from beacon.sanitise.evaluate_selfid import (
    FALSE_FLAG_GOAL,
    RECALL_GOAL,
    SelfIdItem,
    SelfIdSetError,
    Span,
    _Tally,
    evaluate_selfid,
    load_selfid_items,
    locate,
    score_selfid_item,
)

DATA = Path(__file__).resolve().parent / "data"
TUNING = DATA / "selfid_tuning.jsonl"
BLIND = DATA / "selfid_blind.jsonl"
# Both files were written independently of the rules; the blind one was frozen before tuning.
TUNING_SHA256 = "c3dd4968dfa48107b89719275155e59a2075b68802361cc146c6a9a6c5e6fb85"
BLIND_SHA256 = "b4d131800e78a22581cb4be7ae6b8030fb976adc50cf5970751a8c3312e2ec1f"


def finding(
    text: str, part: str, kind: str, action: str = "redact", occurrence: int = 1
) -> Finding:
    start, end = locate(text, part, occurrence)
    return Finding(start, end, kind, part, 0.9, action, "hand-made")  # type: ignore[arg-type]


# -- the evaluator ------------------------------------------------------------------------------


def test_locate_counts_occurrences_from_one() -> None:
    text = "Nadia wrote this. Thanks, Nadia"
    assert locate(text, "Nadia") == (0, 5)
    assert locate(text, "Nadia", 2) == (26, 31)
    with pytest.raises(ValueError):
        locate(text, "Nadia", 3)
    with pytest.raises(ValueError):
        locate(text, "Sue")


def test_scoring_recall_false_flags_and_subject_redactions() -> None:
    text = "I'm at number 14. The lad at 12, Dean Smith, deals. My street is bad. Thanks, Sue"
    item = SelfIdItem(
        id="x",
        text=text,
        identifying=(
            Span(*locate(text, "I'm at number 14"), "quasi", "I'm at number 14"),
            Span(*locate(text, "Sue"), "name", "Sue"),
        ),
        not_identifying=(
            Span(*locate(text, "Dean Smith"), "subject", "Dean Smith"),
            Span(*locate(text, "My street"), "possessive", "My street"),
        ),
    )
    findings = [
        finding(text, "number 14", "SELF_REFERENCE"),  # overlaps the quasi span: found
        finding(text, "My street", "SELF_REFERENCE"),  # about the reporter, nothing identifying
        finding(text, "Dean Smith", "REPORTER_NAME"),  # a subject's name redacted
        finding(text, "The lad at 12", "SELF_REFERENCE", "flag"),  # flagged: also a false flag
    ]
    tally = _Tally()
    score_selfid_item(item, findings, tally)
    assert tally.per_kind["quasi"].found == 1 and tally.per_kind["quasi"].support == 1
    assert tally.per_kind["name"].found == 0 and tally.per_kind["name"].support == 1
    assert tally.self_findings == 4 and tally.false_flags == 3
    assert tally.subject_spans == 1 and tally.subject_redacted == 1
    assert sorted(m.kind for m in tally.misses) == [
        "false_flag",
        "false_flag",
        "false_flag",
        "missed",
        "subject_redacted",
    ]


def test_flagging_a_subject_is_not_a_redaction() -> None:
    text = "Mr Stephen Crabtree (DOB 04/02/1961) is at risk."
    item = SelfIdItem(
        id="y",
        text=text,
        identifying=(),
        not_identifying=(Span(*locate(text, "DOB 04/02/1961"), "subject", "DOB 04/02/1961"),),
    )
    tally = _Tally()
    flagged = [finding(text, "04/02/1961", "DATE_OF_BIRTH", "flag")]
    score_selfid_item(item, flagged, tally)
    assert (tally.subject_redacted, tally.subject_flagged, tally.self_findings) == (0, 1, 0)
    # A flagged date of birth is someone else's; a redacted one the sanitiser took as the
    # reporter's, so it counts as a finding about the reporter.
    assert not about_reporter(flagged[0])
    assert about_reporter(finding(text, "04/02/1961", "DATE_OF_BIRTH"))


def test_loading_checks_kinds_and_spans(tmp_path: Path) -> None:
    good = {
        "id": "a",
        "text": "Thanks, Sue. Sue again",
        "identifying": [{"text": "Sue", "kind": "name", "occurrence": 2}],
        "not_identifying": [],
        "style": "short_note",
    }
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps(good) + "\n", encoding="utf-8")
    [item] = load_selfid_items(path)
    assert (item.identifying[0].start, item.identifying[0].end) == (13, 16)
    for broken, message in (
        ({**good, "identifying": [{"text": "Bob", "kind": "name"}]}, "not in the text"),
        ({**good, "identifying": [{"text": "Sue", "kind": "nickname"}]}, "kind"),
        ({"id": "b"}, "text"),
    ):
        path.write_text(json.dumps(good) + "\n" + json.dumps(broken) + "\n", encoding="utf-8")
        with pytest.raises(SelfIdSetError, match=rf"set\.jsonl:2: .*{message}"):
            load_selfid_items(path)


def test_end_to_end_on_a_small_file(tmp_path: Path) -> None:
    rows = [
        {
            "id": "1",
            "text": "I live in the flat directly below them. My son heard it all.\nThanks, Derek",
            "identifying": [
                {"text": "I live in the flat directly below them", "kind": "quasi"},
                {"text": "Derek", "kind": "name"},
            ],
            "not_identifying": [{"text": "My son", "kind": "possessive"}],
        },
        {
            "id": "2",
            "text": "PC 2091 came round. Ryan Hale at number 8 still deals. Our road is a mess.",
            "identifying": [],
            "not_identifying": [
                {"text": "PC 2091", "kind": "other"},
                {"text": "Ryan Hale", "kind": "subject"},
                {"text": "Our road", "kind": "possessive"},
            ],
        },
    ]
    path = tmp_path / "small.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    report = evaluate_selfid(path)
    assert report.texts == 2 and report.recall == 1.0
    assert report.false_flags == 0 and report.self_findings == 2
    assert report.subject_redacted == 0 and report.meets_goals()
    result = CliRunner().invoke(app, ["sanitise-eval", "--selfid", str(path), "--json"])
    assert result.exit_code == 0, result.stdout
    payload = json.loads(result.stdout)
    assert payload["recall"] == 1.0 and payload["false_flag_share"] == 0.0
    assert {row["kind"] for row in payload["per_kind"]} == {"quasi", "name"}
    table = CliRunner().invoke(app, ["sanitise-eval", "--selfid", str(path), "--misses"])
    assert "false flags 0 of 2" in table.stdout


# -- the goals ----------------------------------------------------------------------------------


def test_evaluation_files_are_unchanged() -> None:
    assert hashlib.sha256(TUNING.read_bytes()).hexdigest() == TUNING_SHA256
    assert hashlib.sha256(BLIND.read_bytes()).hexdigest() == BLIND_SHA256


def test_goals_on_the_tuning_set() -> None:
    """The rules were tuned on this set: its figures are not an estimate on new text (the
    blind set below is). Measured 1.000 recall, 0.014 false-flag share (3 of 217), 0 subject
    redactions."""
    report = evaluate_selfid(TUNING)
    assert report.texts == 205
    assert report.recall >= RECALL_GOAL, report.table()
    for kind in ("name", "signature", "staff_id", "quasi", "contact"):
        assert report.per_kind[kind].recall >= RECALL_GOAL, report.table()
    assert report.false_flag_share <= FALSE_FLAG_GOAL, report.table()
    assert report.subject_redacted == 0, [m for m in report.misses if m.kind == "subject_redacted"]
    assert report.meets_goals()


def test_regression_floors_on_the_blind_set() -> None:
    """The blind set was frozen before tuning and evaluated once, after tuning, on 2026-12-05:
    recall 0.824 (name 0.857, signature 0.920, staff_id 0.923, quasi 0.673, contact 1.000),
    false-flag share 0.089 (11 of 124), 2 subject details redacted (6 flagged). It does NOT
    meet the goals (recall >= 0.90, false flags <= 0.05, no subject redactions). These floors
    were set after that one run (measured value minus 0.03, and no more subject redactions
    than measured) and only guard against regressions: do not tune on this set."""
    report = evaluate_selfid(BLIND)
    assert report.texts == 139
    assert report.recall >= 0.79
    floors = {"name": 0.82, "signature": 0.89, "staff_id": 0.89, "quasi": 0.64, "contact": 0.97}
    for kind, floor in floors.items():
        assert report.per_kind[kind].recall >= floor, kind
    assert report.false_flag_share <= 0.12
    assert report.subject_redacted <= 2


# -- the rules, kind by kind ----------------------------------------------------------------------


def found(text: str) -> list[tuple[str, str, str]]:
    return [(f.type, f.text, f.action) for f in get_sanitiser().analyse(text)]


def about_the_reporter(text: str) -> list[str]:
    return [f.text for f in get_sanitiser().analyse(text) if about_reporter(f)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi, I'm Janet, Kyle's nan. The lad at number 9 is dealing.", "Janet, Kyle's nan"),
        ("hiya its Leanne from no 7 the lad is back", "Leanne from no 7"),
        ("This is Kev at 19. Lads fighting outside.", "Kev at 19"),
        ("Hello, it's Mr Ahmed from the launderette on Lodge Lane.", "Mr Ahmed"),
        (
            "Lads on bikes again.\nYours faithfully,\nMrs P. Okafor (retired teacher)",
            "Mrs P. Okafor",
        ),
        ("Cars racing up and down.\nA. Lomax", "A. Lomax"),
        ("Kind regards, Mr & Mrs Kowalczyk, 3 Church View.\nP.S. Music all night.", "Kowalczyk"),
        ("I'm happy to be contacted: Martin Shaw, 07700 900155.", "Martin Shaw"),
    ],
)
def test_names_in_introductions_and_sign_offs(text: str, expected: str) -> None:
    assert any(expected in part for part in about_the_reporter(text)), found(text)


def test_professional_signature_split_around_the_staff_number() -> None:
    text = (
        "Several residents report a strong cannabis smell from no. 24.\n"
        "PC Gareth Lowe\nCollar number 4471\nHarehills Neighbourhood Policing Team"
    )
    assert found(text) == [
        ("SIGNATURE", "PC Gareth Lowe", "redact"),
        ("STAFF_ID", "Collar number 4471", "redact"),
        ("SIGNATURE", "Harehills Neighbourhood Policing Team", "redact"),
    ]
    email = (
        "He seemed scared afterwards.\nRegards,\nNicola Pryce RGN RHV\n"
        "Health Visitor, Greenbank Health Centre\nDirect line 0113 496 0684"
    )
    assert found(email) == [
        ("SIGNATURE", "Nicola Pryce RGN RHV\nHealth Visitor, Greenbank Health Centre", "redact"),
        ("PHONE", "0113 496 0684", "redact"),
    ]


def test_referral_form_redacts_the_referrer_never_the_child() -> None:
    text = (
        "Section A - Referrer details\nName: Paula Greenhalgh\nStaff ID: EH-0317\n"
        "Section B - Child/young person\nName: Kai Ridley (14)\nAddress: 40 Hartley Street"
    )
    results = found(text)
    assert ("REPORTER_NAME", "Paula Greenhalgh", "redact") in results
    assert ("STAFF_ID", "Staff ID: EH-0317", "redact") in results
    assert not [r for r in results if "Kai" in r[1] or "Hartley" in r[1]]
    # A phone number in the section about the child is the child's, not the referrer's.
    form = "Section A - Referrer\nPhone: 07700 900111\nSection B - Child\nPhone: 07700 900222"
    assert found(form) == [
        ("PHONE", "07700 900111", "redact"),
        ("PHONE", "07700 900222", "flag"),
    ]
    assert found("Subject of concern: Kevin Mallory, 07700 900123") == [
        ("PHONE", "07700 900123", "flag")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm a driver on the 72 route, my driver number is 3310.", "my driver number is 3310"),
        ("I'm a security guard here, SIA licence number 1013 4459 2281 6612.", "1013 4459"),
        ("I'm PC 1234 from Harehills and I saw the exchange.", "PC 1234"),
    ],
)
def test_the_reporters_own_staff_numbers(text: str, expected: str) -> None:
    assert any(expected in part for part in about_the_reporter(text)), found(text)


@pytest.mark.parametrize(
    "text",
    [
        "PC 2091 came round last week and did nothing.",
        "The community officer, PCSO Reid (badge 5521), was very nice.",
        "A man in a council van (badge number 118 on his hi-vis) takes scrap.",
        "Incident number 1187 of 03/04, still ongoing.",
    ],
)
def test_other_peoples_numbers_are_left_alone(text: str) -> None:
    assert about_the_reporter(text) == []


@pytest.mark.parametrize(
    ("text", "expected", "action"),
    [
        ("I'm the only Sikh family on the close so please be careful.", "only Sikh", "redact"),
        ("Me and my partner are the only gay couple on the estate.", "only gay couple", "redact"),
        ("I'm the one with the camera doorbell, so it would be obvious.", "camera", "redact"),
        ("My back garden is the only one that overlooks their yard.", "only one", "redact"),
        ("I'm the caretaker for Beckhill Towers. The lock is changed.", "caretaker", "redact"),
        ("I live in flat 3, under them. Every night it is loud.", "flat 3, under them", "redact"),
        ("im at 33 next dor to him so i here evrything", "im at 33", "redact"),
        ("we share a landing with them and the door is open", "share a landing", "redact"),
        ("I can see their back door from my patio.", "from my patio", "redact"),
        # These say where the subject is as much as where the reporter is: flagged.
        (
            "Just want to report the lad next door, Connor, keeps having parties.",
            "next door",
            "flag",
        ),
        ("I'm getting grief from the family opposite me.", "opposite me", "flag"),
    ],
)
def test_quasi_identifiers(text: str, expected: str, action: str) -> None:
    hits = [f for f in get_sanitiser().analyse(text) if about_reporter(f) and expected in f.text]
    assert hits and hits[0].action == action, found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Someone has been keying cars on our road. My car was scratched last Tuesday.",
        "My grandson plays football on my street and he's seen stuff he shouldn't.",
        "My car was nicked from outside my house on Friday.",
        "my mum says report it so here i am lol",
        "I'm a nurse and I'm disabled myself so I know what exploitation looks like.",
        "I work in A&E at the Royal Infirmary and saw him come in.",
        "I've lived round here a long time and never felt the need to write.",
        "I'm not the only one who's clocked it.",
        "I'm the only one who seems to care about it.",
        "Thanks, Inspector Hall, for your help. The lads are back.",
        "This is Reece Dolan, he deals from the flat.",
        "A concerned neighbour\nSent from my iPhone",
    ],
)
def test_ordinary_mentions_are_not_flagged(text: str) -> None:
    assert about_the_reporter(text) == []


def test_an_organisations_number_is_not_the_reporters() -> None:
    assert found("I rang the council on 0113 496 0000 and nobody came.") == [
        ("PHONE", "0113 496 0000", "flag")
    ]
    assert found("Ring me on 0113 496 0000 after six.") == [("PHONE", "0113 496 0000", "redact")]


def test_subject_names_are_never_redacted_as_the_reporters() -> None:
    # A trait that names someone else is flagged for the human sanitiser, not redacted.
    text = "I'm the only one on the street who still talks to Dave about it."
    [hit] = [f for f in get_sanitiser().analyse(text) if f.type == "SELF_REFERENCE"]
    assert hit.action == "flag" and "Dave" in hit.text
    # A name after a sentence that runs on is not a sign-off.
    assert about_the_reporter("They are back every night and the main one is\nJohn Smith") == []
