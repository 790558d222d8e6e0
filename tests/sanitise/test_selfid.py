"""Where reporters identify themselves (issue 11): the evaluator for the self-identification
files, the goals and floors on the tuning sets, and the rules for each kind on small
hand-written cases (including what must NOT be found or redacted). Round 4's rule cases are in
``test_selfid_round4.py``, round 6's second look in ``test_second_look.py``, the learnt reader's
in ``test_learnt.py``. The blind set, ``selfid_blind6.jsonl``, is not read by any test: it was
run once, by hand, after round 6."""

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
# Tuning sets: the rules were tuned on these (selfid_tuning2 was the first blind set, seen
# after its one run and now tuned on; selfid_tuning3 holds extra examples written for tuning;
# selfid_tuning4 was the second blind set, selfid_blind2, run twice in round 2 and declared
# seen: round 3 tuned on it; selfid_tuning5 was the third, selfid_blind3, written by another
# author, run once after round 3 and declared seen: round 4 tuned on it; selfid_tuning6 was the
# fourth, selfid_blind4, run once after round 4 and declared seen: round 5 tuned on it and the
# learnt reader learns from it; selfid_tuning7 was the fifth, selfid_blind5, run once after
# round 5 and declared seen: round 6 tuned on it).
TUNING = DATA / "selfid_tuning.jsonl"
TUNING2 = DATA / "selfid_tuning2.jsonl"
TUNING3 = DATA / "selfid_tuning3.jsonl"
TUNING4 = DATA / "selfid_tuning4.jsonl"
TUNING5 = DATA / "selfid_tuning5.jsonl"
TUNING6 = DATA / "selfid_tuning6.jsonl"
TUNING7 = DATA / "selfid_tuning7.jsonl"
TUNING8 = DATA / "selfid_tuning8.jsonl"
SHA256 = {
    TUNING: "c3dd4968dfa48107b89719275155e59a2075b68802361cc146c6a9a6c5e6fb85",
    TUNING2: "b4d131800e78a22581cb4be7ae6b8030fb976adc50cf5970751a8c3312e2ec1f",
    TUNING3: "9365cf08c049922a25be5cf84c54e56f1363a3d129c9dea2bd5dccfa474e7fca",
    TUNING4: "4f05c779603bf486a55e340a797f9798564a975d82fc0a02132d81c58e862a7c",
    TUNING5: "280b2b3e36ced3fca424fdf3c104b0fb48237ff948070b8954d94de345dacb69",
    TUNING6: "674c2de040a9d495591648fba0e23e84e43fd816fa1b5fa564bd493b08d2922b",
    TUNING7: "2e2bd917717bff715354b76fa6755567823eda7ff09fe6a292a76a5f846ab836",
    TUNING8: "83afb00fddf00dc3c7c6ae762537a888263c7c50c213a3dcb7ccacd525fe4b78",
}


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
    for path, digest in SHA256.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, path.name


def test_goals_on_the_tuning_set() -> None:
    """The rules were tuned on this set: its figures are not an estimate on new text (only a
    blind set run once is). Measured 1.000 recall, 0.014 false-flag share (3 of 217), 0 subject
    redactions."""
    report = evaluate_selfid(TUNING)
    assert report.texts == 205
    assert report.recall >= RECALL_GOAL, report.table()
    for kind in ("name", "signature", "staff_id", "quasi", "contact"):
        assert report.per_kind[kind].recall >= RECALL_GOAL, report.table()
    assert report.false_flag_share <= FALSE_FLAG_GOAL, report.table()
    assert report.subject_redacted == 0, [m for m in report.misses if m.kind == "subject_redacted"]
    assert report.meets_goals()


def test_goals_on_the_other_tuning_sets() -> None:
    """Tuned on, so not an estimate on new text. Measured: selfid_tuning2 (the old blind set)
    recall 1.000, false-flag share 0.029 (4 of 140; 0.035 before round 4), 0 subject
    redactions; selfid_tuning3 recall 0.967, false-flag share 0.011 (1 of 87), 0 subject
    redactions. Floors: measured minus 0.03 (false flags plus 0.03)."""
    for path, texts, recall, false_flags in (
        (TUNING2, 139, 0.97, 0.059),
        (TUNING3, 114, 0.93, 0.04),
    ):
        report = evaluate_selfid(path)
        assert report.texts == texts
        assert report.recall >= recall, report.table()
        assert report.false_flag_share <= false_flags, report.table()
        assert report.subject_redacted == 0, report.table()


def test_floors_on_the_fourth_tuning_set() -> None:
    """selfid_tuning4 was the second blind set (selfid_blind2), in styles unlike the older
    sets: run once before round 2 (recall 0.512) and once after it (recall 0.685, false-flag
    share 0.064), then declared seen and tuned on in round 3. Measured after round 3 on
    2026-12-05: recall 0.931 (name 0.938, signature 0.865, staff_id 1.000, quasi 0.939,
    contact 0.933), false-flag share 0.020 (4 of 197), 0 subject details redacted (11
    flagged); after round 4 the same recall and 0.015 (3 of 196). Tuned on, so not an
    estimate on new text. Floors: measured minus 0.03."""
    report = evaluate_selfid(TUNING4)
    assert report.texts == 180
    assert report.recall >= 0.9, report.table()
    floors = {"name": 0.9, "signature": 0.83, "staff_id": 0.97, "quasi": 0.9, "contact": 0.9}
    for kind, floor in floors.items():
        assert report.per_kind[kind].recall >= floor, kind
    assert report.false_flag_share <= 0.045, report.table()
    assert report.subject_redacted == 0


def test_floors_on_the_fifth_tuning_set() -> None:
    """selfid_tuning5 was the third blind set (selfid_blind3), written by another author who
    read neither the rules nor the other sets: run once after round 3 (recall 0.669, false
    flags 0.143, 7 subject details redacted), then declared seen and tuned on in round 4.
    Measured after round 4 on 2026-12-05: recall 0.988 (name 0.953, signature 1.000, staff_id
    1.000, quasi 1.000, contact 1.000), false-flag share 0.042 (7 of 167), 0 subject details
    redacted (30 flagged). Tuned on, so not an estimate on new text. Floors: measured minus
    0.03; no subject redactions."""
    report = evaluate_selfid(TUNING5)
    assert report.texts == 200
    assert report.recall >= 0.95, report.table()
    floors = {"name": 0.92, "signature": 0.97, "staff_id": 0.97, "quasi": 0.97, "contact": 0.97}
    for kind, floor in floors.items():
        assert report.per_kind[kind].recall >= floor, kind
    assert report.false_flag_share <= 0.072, report.table()
    assert report.subject_redacted == 0, [m for m in report.misses if m.kind == "subject_redacted"]


# Blind sets declared seen after their one run, with floors measured after the round that
# tuned on them minus 0.03 (false-flag share plus 0.03), and no subject redactions:
# - selfid_tuning6 was selfid_blind4 (another author): its one run after round 4 gave recall
#   0.719, false flags 0.098 and 8 subject details redacted; after round 6 (2026-12-06): recall
#   0.876 (name 0.848, signature 1.000, staff_id 0.964, quasi 0.696, contact 1.000), false
#   flags 0.041 (6 of 148), 0 redacted (67 flagged);
# - selfid_tuning7 was selfid_blind5 (another author): its one run after round 5 gave 0.634,
#   0.038 and 2; after round 6: recall 0.901 (name 0.902, signature 0.935, staff_id 1.000,
#   quasi 0.792, contact 0.985), false flags 0.015 (4 of 272), 0 redacted (47 flagged);
# - selfid_tuning8 was selfid_blind6 (another author): its one run after round 6 gave 0.646,
#   0.124 and 1; after round 7 (the same day): recall 0.739 (name 0.750, signature 0.818,
#   staff_id 0.810, quasi 0.635, contact 0.880), false flags 0.081 (14 of 172), 0 redacted.
#   (Round 6's floors on tuning6 still hold after round 7: 0.871, name 0.826.)
SEEN_BLIND_FLOORS = {
    TUNING6: (0.84, {"name": 0.79, "signature": 0.97, "staff_id": 0.93, "quasi": 0.66,
                     "contact": 0.97}, 0.071),
    TUNING7: (0.87, {"name": 0.87, "signature": 0.90, "staff_id": 0.97, "quasi": 0.76,
                     "contact": 0.95}, 0.045),
    TUNING8: (0.70, {"name": 0.72, "signature": 0.78, "staff_id": 0.78, "quasi": 0.60,
                     "contact": 0.85}, 0.111),
}  # fmt: skip


@pytest.mark.parametrize("path", sorted(SEEN_BLIND_FLOORS), ids=lambda p: p.stem)
def test_floors_on_the_blind_sets_since_seen(path: Path) -> None:
    recall, floors, false_flags = SEEN_BLIND_FLOORS[path]
    report = evaluate_selfid(path)
    assert report.texts == 200
    assert report.recall >= recall, report.table()
    for kind, floor in floors.items():
        assert report.per_kind[kind].recall >= floor, kind
    assert report.false_flag_share <= false_flags, report.table()
    assert report.subject_redacted == 0, [m for m in report.misses if m.kind == "subject_redacted"]


# -- the rules, kind by kind ----------------------------------------------------------------------


def found(text: str) -> list[tuple[str, str, str]]:
    return [(f.type, f.text, f.action) for f in get_sanitiser().analyse(text)]


def about_the_reporter(text: str) -> list[str]:
    return [f.text for f in get_sanitiser().analyse(text) if about_reporter(f)]


def rules_about_the_reporter(text: str) -> list[str]:
    """The rules' findings only: the learnt reader's flags on ordinary mentions are measured
    as a share in ``test_learnt.py``."""
    return [f.text for f in get_sanitiser().analyse(text, learnt=False) if about_reporter(f)]


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
    assert rules_about_the_reporter(text) == []


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


# -- second round of tuning: the general kinds behind the old blind set's misses -------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Fillers and "speaking"/"calling" in voice-to-text transcripts.
        ("[voicemail] oh hello yeah it's Pauline Drury speaking, the kids are back", "Pauline"),
        ("[call] hiya um this is er Kelvin Ward calling from the allotments", "Kelvin Ward"),
        ("Off duty, but it's PC Hannah Cole here, I saw a deal", "PC Hannah Cole"),
        # Dialect and terse introductions.
        ("Ma name's Isla an ah've had it wi the boys racin motors", "Isla"),
        ("The name's Frank Oduya, I've reported this before.", "Frank Oduya"),
        ("Now then. I'm Brian, I keep the pigeon loft on Slack Lane.", "Brian"),
        ("its Shona from 14 again the bins are on fire", "Shona from 14"),
        # Titles, ranks and offices; couples.
        ("Disorder last night.\nChief Insp. Lorraine Gibb", "Lorraine Gibb"),
        ("Bin fires again.\nStation Manager Lee Barraclough\nSouth Yorkshire Fire", "Barraclough"),
        ("Please patrol.\nThe Revd Sarah Pennington\nSt Oswald's Vicarage", "Pennington"),
        ("Glass smashed again.\nYours sincerely,\nBernard and Joyce Whitley", "Joyce Whitley"),
        ("A student was hurt.\nWith best wishes,\nStaff Nurse Leanne Oduya", "Leanne Oduya"),
        # By-lines and run-on sign-offs.
        ("Concern logged by Farida Khan (Early Help, Westside Hub): mum reports ...", "Farida"),
        ("Report submitted by Gavin Moss, Enforcement Officer, Calder Council.", "Gavin Moss"),
        ("Referral from Jenna Fox (Social Worker). Concern: ...", "Jenna Fox"),
        ("same car outside the school again cheers Nadia 07700 900318", "Nadia"),
        ("lads dealing out the back of the kebab shop again thanks jo x", "jo"),
        ("Visit notes. Carer: Ruth Ingham, employee 22981. Client says ...", "Ruth Ingham"),
    ],
)
def test_more_ways_of_giving_a_name(text: str, expected: str) -> None:
    assert any(expected in part for part in about_the_reporter(text)), found(text)


@pytest.mark.parametrize(
    "text",
    [
        "It's Tyler again dealing from the bus shelter, he's there every night.",
        "It's Connor Platt at number 8, he keeps revving his bike at 2am.",
        "Threats sent by Dean Marsh have continued all week.",
        "Report from Dean Marsh's mum: she says he has been threatened.",
        "Signed by Mr Jason Reid, the landlord, who refuses to do repairs.",
        "Forwarded by Cllr O'Neill from the community page: a post about the car wash.",
        "Referral from: Primary school DSL. Concern: online grooming.",
        "kids throwing stones at the swans then at me. 10 yr olds maybe. Ashby",
        "she lives in a house with 6 other women. she is from Albania",
        "I'm Kurdish and the men shout at me in the street.",
        "Thanks Gary for sorting it last time",
        "the man in the red van keeps parking on the zigzags thanks to the officer who came",
    ],
)
def test_names_that_are_not_the_reporters(text: str) -> None:
    assert about_the_reporter(text) == [], found(text)


def test_subject_names_and_numbers_in_quoted_messages_are_flagged_not_redacted() -> None:
    text = (
        'My mum got this text from the builder:\n"Pay the rest by Friday. Regards, Lee '
        'Cartwright, LC Roofing, 07700 900455"\nShe is 84.'
    )
    assert all(f.action == "flag" for f in get_sanitiser().analyse(text)), found(text)
    forwarded = "FYI\n> The man at 3 shouts at my kids.\n> his number is 07700 900164"
    assert ("PHONE", "07700 900164", "flag") in found(forwarded)
    headers = "From: sam@example.com\nTo: asb.team@example.org\n\nMen sleep at the car wash."
    assert found(headers) == [
        ("EMAIL", "sam@example.com", "redact"),
        ("EMAIL", "asb.team@example.org", "flag"),
    ]
    assert found("I rung the council on 0113 496 0999 three times.") == [
        ("PHONE", "0113 496 0999", "flag")
    ]


def test_numbers_read_out_in_words() -> None:
    mine = "[voice to text] ring me back on oh one one three four nine six oh two two seven"
    assert found(mine) == [("PHONE", "oh one one three four nine six oh two two seven", "redact")]
    theirs = "text him on oh seven seven double oh nine double oh five five two for weed"
    assert [r[2] for r in found(theirs)] == ["flag"]
    spoken = "it's Sergeant Price badge number three three one eight, two males detained"
    assert any("three three one eight" in part for part in about_the_reporter(spoken))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Off duty, but it's PC Hannah Cole here, collar number 2291, I saw it.", "2291"),
        ("Bus driver here, driver no. 4410 on the 19, lads with a knife.", "4410"),
        ("Safeguarding concern logged by: Anika Sharma (DSL), staff no. T40871", "T40871"),
        (
            "Men sleeping in the back room.\nDr Paul Asante\nLimes Medical Centre\nGMC 7122334",
            "GMC",
        ),
        ("Logged by PC 5512 Ryan Oakes, Chapeltown NPT: dealing from the phone box.", "5512"),
        ("Visit log. Support worker: Kay Dunn, staff number 30117. Client reports ...", "30117"),
        ("Fly-tipping on Gelder Lane.\nPayroll 88213", "88213"),
    ],
)
def test_more_of_the_reporters_own_numbers(text: str, expected: str) -> None:
    assert any(expected in part for part in about_the_reporter(text)), found(text)


@pytest.mark.parametrize(
    "text",
    [
        "My name is Sue and PC Reid (badge 5521) was very rude to me on the phone.",
        "Officer number 4471 attended last time and nothing happened.",
        "Dr Hussain (GMC 7011223) prescribed her the medication.",
        "Intel: PCSO 6633 Patel has seen the same white van three times.",
    ],
)
def test_more_numbers_that_are_someone_elses(text: str) -> None:
    assert [f for f in about_the_reporter(text) if any(c.isdigit() for c in f)] == [], found(text)


@pytest.mark.parametrize(
    ("text", "expected", "action"),
    [
        ("My partner and I are the only Vietnamese family on Granby Road.", "only", "redact"),
        ("My dad is the only Jewish man on the street.", "only Jewish", "redact"),
        ("Ours is the only house on the lane with a horse in the field.", "only", "redact"),
        (
            "I keep the pigeon loft at the bottom of Slack Lane, only one round here.",
            "loft",
            "redact",
        ),
        ("I'm the widower at the end house with the overgrown hedge.", "widower", "redact"),
        (
            "As the lady with the mobility scooter at the top of the hill I can't chase them.",
            "scooter",
            "redact",
        ),
        ("I'm the house directly opposite, with the green door.", "directly opposite", "redact"),
        ("I'm the one you see walking the two greyhounds every morning.", "greyhounds", "redact"),
        ("I'm a receptionist at Parkside Dental and the same man waits outside.", "Parkside", None),
        ("I work nights at the Shell garage on the bypass.", "Shell garage", None),
        ("I'm on nights at the depot so I see the van.", "nights at the depot", "redact"),
        ("My wife and I own the Black Bull on Church Street.", "Black Bull", None),
        ("I'm the carer for the gentleman at 31 Beech Road.", "carer", "redact"),
        ("I stay across the landing from them and the door goes all night.", "landing", "redact"),
        # Where the subject lives, as known to the one person who calls: flagged.
        ("I visit the old lady at 4 Canal Row every morning for her tablets.", "Canal Row", "flag"),
    ],
)
def test_more_quasi_identifiers(text: str, expected: str, action: str | None) -> None:
    hits = [f for f in get_sanitiser().analyse(text) if about_reporter(f) and expected in f.text]
    assert hits, found(text)
    if action is not None:  # a span with capitalised words may be flagged for the human
        assert hits[0].action == action, found(text)


@pytest.mark.parametrize(
    "text",
    [
        "My son is only 13 and they gave him a knife to hold.",
        "My car is the only thing they haven't damaged yet.",
        "As the man in the black coat walked past I saw him drop something.",
        "I keep the shop door locked now after last week.",
        "I work nights at the weekend so I can't always ring.",
        "I think the lad at 9 is the only one on the street with a quad bike.",
        "I'm a security guard at the Merrion Centre and saw a theft.",
        "I am the allocated worker for a 14-year-old boy who keeps going missing.",
        "I'm a volunteer and several clients have mentioned a man offering loans.",
    ],
)
def test_ordinary_mentions_stay_unflagged(text: str) -> None:
    assert rules_about_the_reporter(text) == [], found(text)


# -- third round of tuning: the general kinds behind selfid_tuning4's misses -------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Any short opening before "this is"/"it's", and a name the reporter goes on from.
        ("Ar, this is Sandra Bishop again, 8 Alum Rock Road, I rung last week.", "Alum Rock"),
        ("Howay man, it's Gaz, I'm the one with the taxi outside 17.", "Gaz"),
        ("hi its Joanne I care for my dad and lads keep knocking", "Joanne"),
        ("this is darren holt my number is 07700 900614 the van is back", "darren holt"),
        ("its kayleigh from 22 them lot at 24 are at it again", "kayleigh"),
        (
            "Ah, it's Father Declan, from St Anthony's, yeh. One of me parishioners is bullied.",
            "Declan",
        ),
        ("Ey, it's our Kelly's mam, Debbie. Dem lads are robbin phones.", "Debbie"),
        (
            "Wor Trish phoned yous last week, am her man, Alan Storey. Lads on the roof.",
            "Alan Storey",
        ),
        # A name first, then who they are or where.
        (
            "Sound, cheers. Tony Mercer, I run the barber's. Two lads selling watches.",
            "Tony Mercer",
        ),
        ("Jim Dawes, landlord, The Royal Oak - lads dealing in the car park.", "Jim Dawes"),
        ("Diolch. Sian Roberts, Ty Gwyn, Llanfair Road, Ruthin. Quad bikes again.", "Sian Roberts"),
        ("Hi. Paul at the off-licence, 212 Harehills Lane. Fake ID again.", "Paul"),
        ("Hi, I'm the manager at the Costcutter on Dewsbury Road, Amjad. Lads nicking.", "Amjad"),
        # Transcripts, "my name is" running on, quoted authors.
        ("[transcript] Reverend Ann Hollis at St Peter's calling um about the men", "Ann Hollis"),
        ("i see it all my names Paula Greaves if you need me", "Paula Greaves"),
        ("[dictated] hi my name is Roberta Keyes K E Y E S I live at number 2", "Roberta Keyes"),
        ("Fwd: noise\n\n> On 2 Feb, Mohammed Iqbal wrote:\n> Flat 9 have visitors.", "Iqbal"),
        # Closings.
        ("Lads at the junction.\nI remain, Sir, yours faithfully,\nHarold Entwistle", "Harold"),
        ("Men posing as council workers.\nYours in Christ,\nThe Revd Canon Paul Whitcombe", "Paul"),
        ("Lads on the back lane again.\nTa-ra, Keith (Neighbourhood Watch)", "Keith"),
    ],
)
def test_round_three_names(text: str, expected: str) -> None:
    assert any(expected in part for part in about_the_reporter(text)), found(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # By-lines with a job title, after a transcript tag, and "This is the ... manager".
        (
            "Caravan on the lay-by. Reported by Civil Enforcement Officer CEO 0427, Leeds Parking.",
            "CEO 0427",
        ),
        (
            "[dictation] Message for the PCSO team from Sergeant Halliday badge 1904 at Stainbeck.",
            "1904",
        ),
        (
            "This is the duty manager at Aldi - Kim Oates, colleague no. 55102. Stolen cards.",
            "55102",
        ),
        ("Ms R. Agyeman, Class Teacher, Year 2 (staff code RAG) - child came in bruised.", "RAG"),
    ],
)
def test_round_three_signatures_and_numbers(text: str, expected: str) -> None:
    assert any(expected in part for part in about_the_reporter(text)), found(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pet, am the only Sikh fella on the street wi a turban, they'll clock it's me.", "Sikh"),
        ("Aye, this is Brenda, am the lollipop lady on Coast Road by the school.", "lollipop"),
        ("Ah'm the wan wi the guide dug on the ground floor, so ah heard it aw.", "guide dug"),
        ("We're the Polish family abune the chemist, the only yins in the street.", "only yins"),
        ("I supervise the lad in question so he'll know this came from me.", "supervise"),
        ("I'm on nights so it's always me who sees them.", "always me who"),
        ("As a former magistrate I do not make complaints lightly.", "former magistrate"),
        ("I lead prayers at the Jamia Masjid on Barkerend Road.", "Jamia Masjid"),
        ("I am the Ukrainian who work in the car wash at Hunslet Road.", "Ukrainian"),
        ("I am Portuguese lady living alone with my son in ground floor, number 3A.", "Portuguese"),
        ("I rent room in house of 14 Greenbank Road. The landlord keeps 11 people.", "rent room"),
        ("i live in the last house before the feild so i see it all", "last house"),
        ("Peter, as you know I'm at the end of Tern Close facing the garages.", "end of Tern"),
        ("My mom's the one who does the allotment nearest the railway.", "mom's the one"),
        (
            "My telephone is rarely answered, but you may write to me at 3 Esplanade Mews.",
            "Esplanade",
        ),
        ("Bore da, it's Bronwen here, Gwilym's wife from the farm at the top of the lane.", "farm"),
    ],
)
def test_round_three_quasi_identifiers(text: str, expected: str) -> None:
    assert any(expected in part for part in about_the_reporter(text)), found(text)


@pytest.mark.parametrize(
    "text",
    [
        # "my neighbour at number 12": anyone on the street may say it.
        "my neighbour at number 12 keeps getting his car keyed its the lads from the flats",
        "It's Connor Platt at number 8, he keeps revving his bike at 2am.",
        "its tyler from the flats again hes dealing by the shops",
        "[transcribed voicemail] Yeah, hi, I'm calling about the bloke outside the Londis.",
        "Morning. The lads from the flats by the park were back, the bloke with the pitbull too.",
        "I am the unpaid carer for my wife and I sit at the window.",
        "They'll know it's me if you go round. The lad at 9 deals.",
        "The windows were smashed. Reported by the owner, who is furious.",
        "This is about PCSO Reid, badge 5521, who was rude.",
        "As a former resident of the estate I know it well.",
        "I run the bath at six and hear them through the wall.",
    ],
)
def test_round_three_what_is_not_the_reporter(text: str) -> None:
    assert about_the_reporter(text) == [], found(text)


def test_automated_and_organisation_addresses_are_flagged() -> None:
    automated = "From: noreply@example-portal.gov.uk\nSubject: New report\n\nMen in cars."
    assert found(automated) == [("EMAIL", "noreply@example-portal.gov.uk", "flag")]
    sender = 'From: "Neighbourhood Watch - Lowfield" <lowfieldnw@example.org>\n\nA man knocks.'
    assert found(sender) == [("EMAIL", "lowfieldnw@example.org", "flag")]
    # A person's own address on the From line is still the reporter's.
    person = "From: Karen Blythe <karen.blythe@example.com>\n\nLads at the garages."
    assert ("REPORTER_NAME", "Karen Blythe <karen.blythe@example.com>", "redact") in found(person)
