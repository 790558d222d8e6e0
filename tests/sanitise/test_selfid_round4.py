"""Round 4 of issue 11's self-identification rules, kind by kind (tuned on selfid_tuning5,
the third blind set): subject details that must be flagged, never redacted; the general causes
of its false flags; staff numbers, quasi-identifiers and names. Each case is a small
hand-written text in the style of a kind, not a sentence copied from a set; the floors on the
sets are in ``test_selfid.py``."""

from __future__ import annotations

import pytest

from beacon.sanitise.detect import about_reporter, get_sanitiser


def found(text: str) -> list[tuple[str, str, str]]:
    return [(f.type, f.text, f.action) for f in get_sanitiser().analyse(text)]


def about_the_reporter(text: str) -> list[str]:
    return [f.text for f in get_sanitiser().analyse(text) if about_reporter(f)]


def rules_about_the_reporter(text: str) -> list[str]:
    """The rules' findings only: the learnt reader's flags on ordinary mentions are measured
    as a share in ``test_learnt.py``."""
    return [f.text for f in get_sanitiser().analyse(text, learnt=False) if about_reporter(f)]


def actions_on(text: str, part: str) -> list[str]:
    """The actions of the findings that overlap ``part`` of ``text``."""
    start = text.index(part)
    end = start + len(part)
    return [f.action for f in get_sanitiser().analyse(text) if f.start < end and start < f.end]


# -- subject details: flagged, never redacted ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        # A possessive of any case before the number.
        ("theres this lad jayden, jayden's number is 07700 900417 he messages yr 9s", "900417"),
        (
            "THE NOLANS SELL FROM NO 23. KELLY'S PHONE IS 07700 900159 AND SHE TAKES ORDERS.",
            "900159",
        ),
        # "the number for the one ...".
        ("Two brothers robbing bikes. number for the one sellin them is 07700 900271", "900271"),
        # A message the reporter copies in, opening with a single quote; "ask for" someone.
        (
            "My son got sent this:\n'yo its Reggie. want work? ring 07700 900303 ask for Smurf'",
            "900303",
        ),
        # A name just before the number, in the body of the report.
        (
            "Names that keep coming up:\nJermaine Johnson, 07700 900140\nAbdi, drives a Prius",
            "900140",
        ),
        # A sentence about other people, with no first-person word in it.
        (
            "they sell weed at the park kieran 07700 900517 reece 07700 900518 they got a kuga",
            "900517",
        ),
        (
            "they sell weed at the park kieran 07700 900517 reece 07700 900518 they got a kuga",
            "900518",
        ),
    ],
)
def test_a_subjects_number_with_no_cue_is_flagged_not_redacted(text: str, number: str) -> None:
    phones = [f for f in get_sanitiser().analyse(text) if number in f.text]
    assert phones and all(f.type == "PHONE" and f.action == "flag" for f in phones), found(text)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Lads on the green again. Ring 07700 900123 if they come back.", "07700 900123"),
        ("Kind regards,\nHannah Osei\nFamily Support Worker\n07700 900418", "07700 900418"),
        ("I'm happy to be contacted: Martin Shaw, 07700 900155.", "07700 900155"),
        ("same lads from the park cheers Kev 07700 900577", "07700 900577"),
    ],
)
def test_the_reporters_own_number_is_still_redacted(text: str, number: str) -> None:
    assert ("PHONE", number, "redact") in found(text)


# -- the causes of false flags ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # A vantage anyone has, looking at nothing of the subject's.
        "I can see everything from my window. The boys on the corner stop cars.",
        "I enclose a photograph taken from my bedroom window of the lorries.",
        # A vehicle's number is not the reporter's, even in a sentence opening "It's".
        "It's on the CCTV, the bus was fleet number 33721 that night.",
        # "calling themselves" is not a caller giving their name.
        "Gang calling themselves 'Southside Youngers' recruiting on TikTok.",
        # One of many at a place named by one word (a town, a big site's short name).
        "I'm a porter at Treliske. A lad keeps coming in with stab wounds.",
        # Someone else's officer number, opening a sentence about them.
        "Officer number 4412 attended and was rude to my mum.",
        "I spoke to PC 2091, who was rude.",
        # Reports often end with the place, not a name.
        "They sell from the playground by the flats. Why is nothing done. Ashford",
        "the lads broke the pavilion windows again. we cant afford this. Little Haywood",
        # Duties that are the reporter's own life, or shared by many.
        "I drive the kids to Whinfield Primary every morning and see them.",
        "I do the big shop on Saturdays at Tesco and they hang round outside.",
        "I volunteer on the helpline at Beacon Women's Refuge.",
        "I work at the Co-op on Dewsbury Road and the lads come in.",
    ],
)
def test_round_four_what_is_not_the_reporter(text: str) -> None:
    assert rules_about_the_reporter(text) == [], found(text)


def test_a_stretch_of_a_street_is_not_where_the_reporter_is_from() -> None:
    text = "Its Joanne, Tyler's mam, from the top end of Ropner Avenue. Tyler's 13."
    assert not any("Ropner" in part for part in about_the_reporter(text)), found(text)
    assert any("Joanne" in part for part in about_the_reporter(text)), found(text)


def test_a_number_to_call_after_a_town_is_not_a_name() -> None:
    text = "my ex came banging at 3am. 07700 900412 if anyone needs to call me. Exeter"
    assert about_the_reporter(text) == ["07700 900412"], found(text)


# -- staff numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # In the opening header, with nobody else in it and no verb after the number.
        ("Civil enforcement officer, CEO number 114, Walsall Council. On patrol I saw it.", "114"),
        ("Bin crew, Tuesday round, Bilston. Employee 30442. We keep finding knives.", "30442"),
        ("From the Dudley CCTV control room, operator ID 0452. We watched the swaps.", "0452"),
        ("Private hire badge 0673 (Norwich). A fare keeps asking me to wait.", "0673"),
        ("Housing Support, Maryhill. Ref: staff ID GHA-7720. A tenant is scared.", "GHA-7720"),
        ("Submitted by PCSO 6218, Stockton South NPT. On patrol I was approached.", "6218"),
        # A rank and number in apposition to the reporter's role; the noun left out.
        ("Off duty: I'm a Special, SC 3391, and I live near the ring road.", "3391"),
        ("It's on the CCTV and I'm driver 0917 at the Merthyr depot.", "driver 0917"),
        ("I'm on my own on that round, operative number SC-2209.", "SC-2209"),
        # Letters and hyphens in the number; "no." is not the end of a form field's value.
        ("Officer: Lauren Mbeki, Housing Officer, staff no. HO-4471\nlm@example.org", "HO-4471"),
        (
            "Bedding in the storeroom.\nCiaran Devlin EHO\nBelfast Council\nRef/staff: EH-0917",
            "EH-0917",
        ),
    ],
)
def test_round_four_staff_numbers(text: str, expected: str) -> None:
    assert any(expected in part for part in about_the_reporter(text)), found(text)


def test_the_by_line_names_the_reporters_team() -> None:
    text = "Submitted by PCSO 6218, Stockton South NPT. On patrol I was approached."
    assert ("SIGNATURE", "Stockton South NPT", "redact") in found(text)


def test_a_licence_number_after_an_opening_name_is_redacted_on_its_own() -> None:
    text = "Raj Sandhu, Hackney carriage driver, Walsall licence W-HC-0381. Fares at night."
    assert ("STAFF_ID", "licence W-HC-0381", "redact") in found(text)
    assert ("SIGNATURE", "Raj Sandhu, Hackney carriage driver", "flag") in found(text)


# -- quasi-identifiers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A duty at a named place, or a named or numbered thing the reporter works.
        ("I drive the 42 out of Merthyr and most nights they get on.", "I drive the 42"),
        ("I do the school crossing outside Whinfield Primary mornings.", "school crossing"),
        ("Hi, I coordinate the Wednesday foodbank at St Aidan's, Llanbradach.", "foodbank"),
        ("Alright, I skipper the Girl Tamsin out of Newlyn.", "Girl Tamsin"),
        ("I clean the beach huts nearby and two men are always there.", "beach huts"),
        ("We own the only petrol station between Caerau and Maesteg.", "petrol station"),
        ("I run the only Polish deli in Govan and customers talk.", "Polish deli"),
        # A role in apposition to the reporter's introduction, or opening the text.
        ("Hi, Graham Lillie here, NHW coordinator for the Thornbury Close scheme.", "NHW"),
        ("I'm Wendy Lloyd, head cook at Coedpenmaen Primary. A man sells vapes.", "head cook"),
        ("Hello, I am Grace, I am nurse from Zimbabwe working in care home.", "nurse from"),
        ("Harbourmaster at Port Isaac here. A boat came in with its lights off.", "Harbourmaster"),
        ("Being the caretaker at Trelander Primary I'm on site from six.", "caretaker"),
        # A home nobody else has, said in passing.
        ("My husband is the vicar here and we live in the vicarage.", "vicarage"),
        ("As I am 88 and have lived in the end cottage on Chapel Loke I notice.", "end cottage"),
        ("I have stayed at 14 Lochend Road, Easterhouse for forty years.", "Lochend Road"),
        # Working alone, people round here knowing the reporter by what they describe.
        ("I'm on my own on that round most mornings and see them.", "on my own"),
        ("I walk my greyhounds round the estate at 6am, anyone round here will know me.", "walk"),
        ("Most mornings I'm the lady feeding the swans at the locks.", "feeding the swans"),
        ("I volunteer on the door at the mosque, the only sister who does.", "only sister"),
    ],
)
def test_round_four_quasi_identifiers(text: str, expected: str) -> None:
    assert any(expected in part for part in about_the_reporter(text)), found(text)


def test_a_cleft_sentence_naming_who_does_a_duty_is_flagged() -> None:
    # "It's Darren who runs the ..." may name the subject: the human sanitiser decides.
    text = "It's Brenda who does the flowers at St Illogan's. The porch is used for sleeping."
    assert actions_on(text, "Brenda") == ["flag"], found(text)


# -- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "action"),
    [
        # A closing and a name ending a run-on text (flagged).
        ("Dear Sir the boys are at it again. Thanking you Dot Fiddes", "Dot Fiddes", "flag"),
        ("I am afraid go out. Thank you very much, from Fatima H.", "Fatima H", "flag"),
        ("the smoke comes over the houses. Diolch yn fawr Meinir", "Meinir", "flag"),
        ("Vans in and out at night. Thanks from Kev (Kevin Dunn)", "Kevin Dunn", "flag"),
        # A name alone at the end, with a sign of a person (flagged).
        ("naebody will say nuthin cos theyre feart. Big Shug", "Big Shug", "flag"),
        ("please dae somethin. wee Shona x", "wee Shona", "flag"),
        ("Please contact me on mr@example.org. Mary Rowse", "Mary Rowse", "flag"),
        ("I was very shaken.\nYours, (Miss) E. Gatenby", "Gatenby", "flag"),
        # The name to ask for when calling the reporter back; letters beyond ASCII.
        ("Call me on 01632 960448 and ask for Barry.", "Barry", "redact"),
        ("Good day, my name is Tomasz Wiśniewski. I work in a packhouse.", "Wiśniewski", "redact"),
        # Any greeting before "X here"; "its me X"; an address after "X here".
        ("Alright, Jory Nance here, I saw a boat come in.", "Jory Nance", "redact"),
        ("its me Lil T from the rec, them lot keep jumping kids", "Lil T", "redact"),
        ("Dilys here, number 14 Heol Tredegar. The boys are back.", "Heol Tredegar", "redact"),
    ],
)
def test_round_four_names(text: str, expected: str, action: str) -> None:
    assert action in actions_on(text, expected), found(text)


def test_an_e_mail_address_read_out_in_a_transcript() -> None:
    text = "hello can you email me back at jackie dot barnes 62 at example dot com I want to"
    assert ("EMAIL", "jackie dot barnes 62 at example dot com", "redact") in found(text)


def test_a_signature_after_the_e_mail_delimiter() -> None:
    text = "Visitors at all hours.\n--\nSean McAlinden\nNeighbourhood Officer | NIHE Belfast South"
    assert (
        "SIGNATURE",
        "Sean McAlinden\nNeighbourhood Officer | NIHE Belfast South",
        "redact",
    ) in found(text)
