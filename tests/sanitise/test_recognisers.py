"""Each recogniser: what it must find (every common written form, Ofcom drama ranges) and what
it must leave alone (money, times, dates, crime references, bus numbers)."""

from __future__ import annotations

import pytest

from beacon.sanitise.detect import Finding, get_sanitiser
from beacon.sanitise.recognisers import (
    digit_windows,
    nhs_checksum_ok,
    normalise_phone,
    normalise_postcode,
    valid_outward,
)


def found(text: str) -> list[tuple[str, str]]:
    return [(f.type, f.text) for f in get_sanitiser().analyse(text)]


def of_type(text: str, kind: str) -> list[str]:
    return [f.text for f in get_sanitiser().analyse(text) if f.type == kind]


# -- phone numbers ------------------------------------------------------------------------------

PHONES = [
    "07700 900123",  # Ofcom drama range: phonenumbers rejects it
    "07700900123",
    "07700 900 123",
    "07700-900-123",
    "07700.900.123",
    "(07700) 900123",
    "0770 090 0123",
    "+44 7700 900123",
    "+447700900123",
    "+44 (0)7700 900123",
    "0044 7700 900 123",
    "020 7946 0958",  # London drama range
    "(020) 7946 0958",
    "0207 946 0958",
    "+44 (0)20 7946 0958",
    "+44 20 7946 0958",
    "0114-496-0000",
    "0114 4960000",
    "(0114) 496 0000",
    "0113 496 0172",
    "0161 496 0227",
    "01632 960000",
    "01632 960 481",
    "028 9649 6123",
    "0808 157 0123",
    "0800 123 4567",
    "0800 123456",
    "0345 300 0123",
    "07912 345678",  # an ordinary mobile
    "07700 90 05 12",
    "07700 900/567",
]


@pytest.mark.parametrize("number", PHONES)
def test_uk_phone_numbers_in_every_written_form(number: str) -> None:
    assert of_type(f"you can get hold of them on {number} after six", "PHONE") == [number]


def test_bare_london_number_after_zero_in_brackets() -> None:
    assert of_type("ring (0)20 7946 0958 for the office", "PHONE") == ["(0)20 7946 0958"]


def test_phone_numbers_from_abroad_via_phonenumbers() -> None:
    assert of_type("the boss is on +48 512 345 678 in Poland", "PHONE") == ["+48 512 345 678"]


NOT_PHONES = [
    "It cost £2,000 to fix the door.",
    "He got on the number 42 bus at 10:30pm.",
    "It happened on 12/03/2024 at 07:45.",
    "It happened on 01.02.2024 07.30 and again later.",
    "Crime ref 13/456789/24, log 1234 of 05/06/24.",
    "Police ref 13240123456 was closed.",
    "Incident 0456 of 14/06/2024 was never followed up.",
    "The alarm company's contract no. is 33-4471-2.",
    "Reference 01/123456/24 from the council.",
    "There were 5 or 6 lads aged 15-16 at junction 26.",
]


@pytest.mark.parametrize("text", NOT_PHONES)
def test_numbers_that_are_not_phones(text: str) -> None:
    assert of_type(text, "PHONE") == []


def test_normalise_phone() -> None:
    assert normalise_phone("+44 (0)7700 900-123") == "07700900123"
    assert normalise_phone("0044 20 7946 0958") == "02079460958"
    assert normalise_phone("0800 123456") == "0800123456"
    assert normalise_phone("12345") is None
    assert normalise_phone("07700 9001234") is None  # too long for a mobile


# -- postcodes ----------------------------------------------------------------------------------

POSTCODES = [
    "LS6 2AB",
    "ls6 2ab",
    "LS62AB",
    "ls62ab",
    "SW1A 1AA",
    "EC1A 1BB",
    "W1D 3QF",
    "M14 5RG",
    "B18 7JA",
    "CR0 2AB",
    "Ls6 2Ab",
    "LS6  2AB",
    "GIR 0AA",
    "BD3 9LF",
    "S2 4QL",
    "E1W 2RG",
    "WC2N 5DU",
    "LS 11 5RT",
]


@pytest.mark.parametrize("postcode", POSTCODES)
def test_postcodes_in_every_format(postcode: str) -> None:
    assert of_type(f"dealing outside the shops near {postcode} most nights", "POSTCODE") == [
        postcode
    ]


@pytest.mark.parametrize(
    "text",
    [
        "QQ1 1AA is not a real area",  # QQ is no postcode area
        "LS1A 1AA has a letter district outside London",
        "Partial LS7 and YG tags on the wall",
        "Year 9 kids at 3pm",
        "they were doing 40 in a 30",
        "the M62 and the A61 were shut",
    ],
)
def test_not_postcodes(text: str) -> None:
    assert of_type(text, "POSTCODE") == []


def test_outward_code_validity() -> None:
    assert valid_outward("SW1A") and valid_outward("LS6") and valid_outward("m14")
    assert not valid_outward("QQ1") and not valid_outward("LS1A") and not valid_outward("ZZ9")
    assert normalise_postcode("ls62ab") == "LS6 2AB"
    assert normalise_postcode("gir0aa") == "GIR 0AA"
    assert normalise_postcode("LS6 2CB") is None  # C is never in an inward code


# -- National Insurance numbers -----------------------------------------------------------------


@pytest.mark.parametrize(
    "nino",
    [
        "AB 12 34 56 C",
        "AB123456C",
        "ab123456c",
        "AB 123456 C",
        "AB-12-34-56-C",
        "NE 42 17 90 A",
        "ab.12.34.56.c",
        "pw 36 11 42 d",
    ],
)
def test_nino_formats(nino: str) -> None:
    assert of_type(f"his NI is {nino} apparently", "NINO") == [nino]


def test_nino_without_suffix_only_after_ni_context() -> None:
    assert of_type("my National Insurance number is JR 53 71 84", "NINO") == ["JR 53 71 84"]
    assert of_type("order JR 53 71 84 arrived", "NINO") == []


@pytest.mark.parametrize(
    "nino",
    ["GB 12 34 56 A", "BG123456A", "DA 12 34 56 A", "AO123456B", "QQ 12 34 56 C", "AB 12 34 56 E"],
)
def test_nino_hmrc_exclusions(nino: str) -> None:
    assert of_type(f"reference {nino} here", "NINO") == []


# -- NHS numbers --------------------------------------------------------------------------------


def test_nhs_checksum() -> None:
    assert nhs_checksum_ok("9434765919")
    assert nhs_checksum_ok("4010232137")
    assert not nhs_checksum_ok("9434765918")
    assert not nhs_checksum_ok("123")


@pytest.mark.parametrize("number", ["943 476 5919", "9434765919", "943-476-5919", "401 023 2137"])
def test_nhs_numbers_with_valid_checksum(number: str) -> None:
    assert of_type(f"the patient, {number}, was discharged", "NHS_NUMBER") == [number]


def test_nhs_number_failing_checksum_only_in_nhs_context() -> None:
    assert of_type("NHS no: 943 476 5918 for the referral", "NHS_NUMBER") == ["943 476 5918"]
    assert of_type("account 943 476 5918 for the referral", "NHS_NUMBER") == []


# -- vehicle registrations ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "vrm",
    [
        "AB12 CDE",
        "YR64 KLM",
        "AB12CDE",
        "SF 17 XKT",
        "M47 RTL",
        "S512 HJT",
        "Y361 MBX",
        "GHJ 614T",
        "B16 GRY",
    ],
)
def test_registrations(vrm: str) -> None:
    assert of_type(f"a silver car {vrm} parked outside", "VEHICLE_REGISTRATION") == [vrm]


def test_lower_case_registrations_need_compact_form_or_vehicle_words() -> None:
    assert of_type("dealer drives a red Corsa yf17 ukd", "VEHICLE_REGISTRATION") == ["yf17 ukd"]
    assert of_type("black Polo yh 18 vbn outside", "VEHICLE_REGISTRATION") == ["yh 18 vbn"]
    assert of_type("they went to 25 mph and back", "VEHICLE_REGISTRATION") == []


def test_dateless_registration_only_after_a_plate_cue() -> None:
    assert of_type("private plate: ABC 123 on the Range Rover", "VEHICLE_REGISTRATION") == [
        "ABC 123"
    ]
    assert of_type("ABC 123 was the code", "VEHICLE_REGISTRATION") == []


@pytest.mark.parametrize(
    "text",
    [
        "THEY RACE ON THE A61 AND THE M62 EVERY NIGHT",
        "They parked on the A61 for 15 minutes.",
        "The M1 was closed at junction 23.",
        "ON 12 MAY THEY CAME BACK",
        "Flat 12b and Year 9",
    ],
)
def test_roads_and_dates_are_not_registrations(text: str) -> None:
    assert of_type(text, "VEHICLE_REGISTRATION") == []


# -- e-mail, handles, URLs, dates of birth ------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        "sarah.jones@gmail.com",
        "Priya.Patel@Leeds.gov.uk",
        "d.whitaker@parkview.leeds.sch.uk",
        "x_y+asb@hotmail.co.uk",
        "SHARON.B@HOTMAIL.CO.UK",
    ],
)
def test_email_addresses(email: str) -> None:
    assert of_type(f"it was sent from {email} yesterday", "EMAIL") == [email]


def test_obfuscated_email() -> None:
    assert of_type("email kev.oneill[at]gmail.com please", "EMAIL") == ["kev.oneill[at]gmail.com"]


def test_not_emails() -> None:
    assert of_type("meet @ 5pm by the shop, user@localhost", "EMAIL") == []


def test_social_handles_urls_and_dates_of_birth() -> None:
    assert found("they sell on snap @leedsfoodz_24 now") == [("SOCIAL_HANDLE", "@leedsfoodz_24")]
    assert of_type("see www.royalmail-redelivery-uk.com/track.", "URL") == [
        "www.royalmail-redelivery-uk.com/track"
    ]
    assert of_type("my dob is 03/07/1958 if needed", "DATE_OF_BIRTH") == ["03/07/1958"]
    assert of_type("it happened on 03/07/2024", "DATE_OF_BIRTH") == []


# -- self-references and names ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I live at 14 Acacia Avenue and they deal outside", "I live at 14 Acacia Avenue"),
        (
            "we've lived on Nowell Mount for 30 years, never like this",
            "we've lived on Nowell Mount for 30 years",
        ),
        ("I'm at number 14 and it's every night", "I'm at number 14"),
        ("im in flat 12 and the smell is awful", "im in flat 12"),
        # (A vantage counts when it looks into a place of the subject's; round 4.)
        ("From my kitchen window I can see straight into their yard", "From my kitchen window"),
        ("the house next door to me has visitors", "the house next door to me"),
        ("the flat above mine is noisy", "the flat above mine"),
        # (Not "my neighbour at number 12": anyone on the street may say it; round 3.)
        ("our neighbours opposite are scared", "our neighbours opposite"),
        (
            "I'm the caretaker at Park View Primary and we find needles",
            "I'm the caretaker at Park View Primary",
        ),
        (
            "im the landlady of the Fox and Hounds, men deal",
            "im the landlady of the Fox and Hounds",
        ),
        ("I live at No. 12 Grange Close.", "I live at No. 12 Grange Close"),
    ],
)
def test_self_references(text: str, expected: str) -> None:
    assert of_type(text, "SELF_REFERENCE") == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "They know where I live.",
        "I think they are dealing. I want it to stop.",
        "In my opinion the council should act; my concern is the kids.",
        "He lives at 12 Acacia Avenue with his brother.",
        "I reported it 4 times since January.",
        "Our Lady of Lourdes church car park is used for deals.",
        # Issue 11: ordinary first-person mentions do not identify the reporter (labelled so
        # in reports the team did not write), so they are no longer flagged.
        "My son told me they were selling",
        "I work at the Co-op on Chapel Street.",
        "our Kelly says there's a man at the gates",
        "round the back of mine there's an alley",
        "the estate where I live is bad",
    ],
)
def test_not_self_references(text: str) -> None:
    assert of_type(text, "SELF_REFERENCE") == []


def test_names_the_reporter_gives() -> None:
    assert of_type("Hi my name is Tomasz Nowak, I work nights", "REPORTER_NAME") == ["Tomasz Nowak"]
    assert of_type(
        "hiya its Shaz from the corner shop on Harehills lane, lads are back", "REPORTER_NAME"
    ) == ["Shaz"]
    assert of_type("Dealing again on the corner. Thanks, Pauline", "REPORTER_NAME") == ["Pauline"]
    assert of_type("my name is sarah and im scared", "REPORTER_NAME") == ["sarah"]
    assert of_type("This is Leeds at its worst.", "REPORTER_NAME") == []


# -- the digit windows used for speed give the same answers as a full scan ------------------------


def test_digit_windows_cover_whole_words() -> None:
    text = "call 07700 900123 or visit LS6 2AB, reg AB12 CDE."
    windows = digit_windows(text)
    covered = "".join(text[lo:hi] for lo, hi in windows)
    for needle in ("07700 900123", "LS6 2AB", "AB12 CDE"):
        assert needle in covered
    for lo, hi in windows:
        assert lo == 0 or not text[lo - 1].isalnum()
        assert hi == len(text) or not text[hi].isalnum()


def test_findings_are_frozen_and_carry_reasons() -> None:
    finding = get_sanitiser().analyse("call me on 07700 900123")[0]
    assert isinstance(finding, Finding)
    with pytest.raises(AttributeError):
        finding.start = 3  # type: ignore[misc]
    assert finding.reason == "first-person context: 'call me'"
