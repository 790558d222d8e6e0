"""Entity extraction and normalisation on report-style text (names, numbers and places are
fictional; phone numbers are in Ofcom's drama ranges)."""

from __future__ import annotations

import dataclasses
import itertools

import phonenumbers
import pytest

from beacon.triage.entities import (
    ENTITY_TYPES,
    Entity,
    extract_entities,
    normalise_address,
    normalise_phone,
    normalise_postcode,
    normalise_vehicle,
)


def extract(text: str) -> list[Entity]:
    """``extract_entities``, checking what must hold for every text: offsets that give back the
    entity's text, known types, text order and no overlaps."""
    entities = extract_entities(text)
    for entity in entities:
        assert text[entity.start : entity.end] == entity.text, (text, entity)
        assert entity.type in ENTITY_TYPES
    for left, right in itertools.pairwise(entities):
        assert left.end <= right.start, (text, left, right)
    return entities


def found(text: str, kind: str) -> list[tuple[str, str]]:
    """(value, text) of each entity of one type."""
    return [(e.value, e.text) for e in extract(text) if e.type == kind]


def values(text: str, kind: str) -> list[str]:
    return [e.value for e in extract(text) if e.type == kind]


def types(text: str) -> list[str]:
    return [e.type for e in extract(text)]


# -- phones ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "surface", "value"),
    [
        ("ring him on 07700 900123 hes always on it", "07700 900123", "+447700900123"),
        ("his numbr is 07700900456 text dont ring", "07700900456", "+447700900456"),
        ("call +44 7700 900 789 after 6", "+44 7700 900 789", "+447700900789"),
        ("line is 0044 (0)7700 900321 apparently", "0044 (0)7700 900321", "+447700900321"),
        ("mob: 07700-900-654.", "07700-900-654", "+447700900654"),
        ("landline at the flat (0113) 496 0012", "(0113) 496 0012", "+441134960012"),
        ("Office: +44 (0)20 7946 0999 ext 2", "+44 (0)20 7946 0999", "+442079460999"),
        ("he gave out 07700.900.222 to the kids", "07700.900.222", "+447700900222"),
    ],
)
def test_uk_phones_in_any_written_form(text: str, surface: str, value: str) -> None:
    assert found(text, "phone") == [(value, surface)]


DRAMA_RANGES = [
    ("07700 900555", "+447700900555"),
    ("01632 960555", "+441632960555"),
    ("020 7946 0555", "+442079460555"),
    ("0113 496 0555", "+441134960555"),
    ("0114 496 0555", "+441144960555"),
    ("0115 496 0555", "+441154960555"),
    ("0116 496 0555", "+441164960555"),
    ("0117 496 0555", "+441174960555"),
    ("0118 496 0555", "+441184960555"),
    ("0121 496 0555", "+441214960555"),
    ("0131 496 0555", "+441314960555"),
    ("0141 496 0555", "+441414960555"),
    ("0151 496 0555", "+441514960555"),
    ("0161 496 0555", "+441614960555"),
    ("028 9649 6555", "+442896496555"),
    ("029 2018 0555", "+442920180555"),
    ("01914 980555", "+441914980555"),
    ("0191 498 0555", "+441914980555"),
]


@pytest.mark.parametrize(("number", "value"), DRAMA_RANGES)
def test_ofcom_drama_ranges_are_phones(number: str, value: str) -> None:
    assert found(f"they text from {number} every night", "phone") == [(value, number)]
    assert normalise_phone(number) == value


def test_phonenumbers_alone_would_miss_the_drama_ranges() -> None:
    # Why Beacon checks UK numbers itself (PITFALLS.md, "PII detection").
    assert not phonenumbers.is_valid_number(phonenumbers.parse("07700 900555", "GB"))


def test_phones_from_abroad_go_through_phonenumbers() -> None:
    text = "his polish number +48 512 345 678 and a french one +33 6 12 34 56 78"
    assert values(text, "phone") == ["+48512345678", "+33612345678"]


@pytest.mark.parametrize(
    "text",
    [
        "happened on 07/12/2026 about 23:15",
        "it was 07.12.2026 and 01-12-2026 23:15",
        "he paid £1,200 cash and owes £07700",
        "crime ref 13/123456/26 and log 0113 496 0123",
        "since 2026, about 1,200,000 views",
        "his number is 7700 900123 without the zero",
        "07700 90012 is too short and 077009001234 too long",
        "IP 10.0.0.1 and 192.168.0.10",
        "on 01-12-2026 15 lads turned up",
    ],
)
def test_dates_times_money_references_are_not_phones(text: str) -> None:
    assert values(text, "phone") == []


def test_a_postcode_is_not_a_phone() -> None:
    assert types("drop off at LS6 2AB tonight") == ["postcode"]


# -- vehicles -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "surface", "value"),
    [
        ("silver audi reg BD19 XKF parked up all night", "BD19 XKF", "BD19XKF"),
        ("the car was bd19xkf again", "bd19xkf", "BD19XKF"),
        ("Grey Vauxhall Corsa LV68 ZPT outside the school", "LV68 ZPT", "LV68ZPT"),
        ("a black polo yh 18 vbn keeps circling", "yh 18 vbn", "YH18VBN"),
        ("old reg P123 ABC on a white van", "P123 ABC", "P123ABC"),
        ("an old ford escort ABC 123D", "ABC 123D", "ABC123D"),
        ("private plate reg no AB 1234 on the range rover", "AB 1234", "AB1234"),
    ],
)
def test_vehicle_registrations(text: str, surface: str, value: str) -> None:
    assert found(text, "vehicle") == [(value, surface)]


@pytest.mark.parametrize(
    "text",
    [
        "he was doing 25 mph at most",
        "IT WAS AS25 AND THEN NOTHING",  # "AND" is a word, not three random letters
        "the m62 and a61 were shut",
        "stuck on the M62 AND the car behind flashed us",
        "my code is ab12 cde lol",  # lower case with nothing about a vehicle near
        "reg unknown, reg not seen",
        "couldnt get the reg 10pm and too dark",
    ],
)
def test_ordinary_words_are_not_registrations(text: str) -> None:
    assert values(text, "vehicle") == []


def test_all_capitals_report_needs_vehicle_words() -> None:
    assert values("THEY DRIVE A BLACK AUDI BD19 XKF ROUND THE ESTATE", "vehicle") == ["BD19XKF"]
    # In capitals everything is upper case, so case alone says nothing.
    assert values("GANG TAG SK12 FTW SPRAYED ON THE WALL BY THE SHOPS", "vehicle") == []


def test_a_postcode_near_car_words_is_a_postcode_not_a_vehicle() -> None:
    entities = extract("silver car with no reg parked on LS6 2AB")
    assert [(e.type, e.value) for e in entities] == [("postcode", "LS6 2AB")]


def test_normalise_vehicle() -> None:
    assert normalise_vehicle("bd19 xkf") == normalise_vehicle("BD19-XKF") == "BD19XKF"


# -- postcodes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "surface", "value"),
    [
        ("they sell from LS6 1AB mostly", "LS6 1AB", "LS6 1AB"),
        ("address is ls61ab i think", "ls61ab", "LS6 1AB"),
        ("round bd7 1dp by the park", "bd7 1dp", "BD7 1DP"),
        ("near SW1A 1AA of all places", "SW1A 1AA", "SW1A 1AA"),
        ("Postcode LS 11 5RT", "LS 11 5RT", "LS11 5RT"),
    ],
)
def test_postcodes(text: str, surface: str, value: str) -> None:
    assert found(text, "postcode") == [(value, surface)]


@pytest.mark.parametrize(
    "text",
    [
        "c u b4 2nd lesson",  # text-speak
        "QQ1 1AA is no area",
        "LS6 1CA has a C inward",
        "BD1A 1AA: letter districts are central London only",
    ],
)
def test_not_postcodes(text: str) -> None:
    assert values(text, "postcode") == []


def test_normalise_postcode() -> None:
    assert normalise_postcode("ls61ab") == normalise_postcode(" LS6  1AB") == "LS6 1AB"
    assert normalise_postcode("LS6 1CA") is None


# -- e-mail and handles ---------------------------------------------------------------------------


def test_emails_are_lower_case() -> None:
    text = "email JO.Bloggs@Gmail.com or kev_b@btinternet.com."
    assert found(text, "email") == [
        ("jo.bloggs@gmail.com", "JO.Bloggs@Gmail.com"),
        ("kev_b@btinternet.com", "kev_b@btinternet.com"),
    ]


def test_spelt_out_email() -> None:
    assert values("its dazza99 at hotmail dot co dot uk", "email") == ["dazza99@hotmail.co.uk"]


def test_an_email_is_not_also_a_handle_or_a_phone() -> None:
    assert types("message dazza_99@gmail.com now") == ["email"]
    assert found("contact 07700900123@hotmail.co.uk", "email") == [
        ("07700900123@hotmail.co.uk", "07700900123@hotmail.co.uk")
    ]
    assert types("contact 07700900123@hotmail.co.uk") == ["email"]


@pytest.mark.parametrize(
    ("text", "surface", "value"),
    [
        ("his snap is dazza_99 if u want", "dazza_99", "snapchat:@dazza_99"),
        ("insta: @Big.Dee_ posts it all", "@Big.Dee_", "instagram:@big.dee_"),
        ("hes on tiktok as deeznutz23", "deeznutz23", "tiktok:@deeznutz23"),
        ("@kushkingz_lds is selling on there", "@kushkingz_lds", "@kushkingz_lds"),
        ("his insta is kd_2smoke", "kd_2smoke", "instagram:@kd_2smoke"),
        ("look at tiktok.com/@trapking", "@trapking", "tiktok:@trapking"),
    ],
)
def test_handles(text: str, surface: str, value: str) -> None:
    assert found(text, "handle") == [(value, surface)]


@pytest.mark.parametrize(
    "text",
    ["meet @the park @5pm", "her insta is private", "oh snap is that him", "meet @ 8"],
)
def test_not_handles(text: str) -> None:
    assert values(text, "handle") == []


# -- addresses ------------------------------------------------------------------------------------


def test_address_spellings_compare_equal() -> None:
    written = ["14 mill ln", "14 Mill Lane", "14  MILL  LANE", "14 Mill Ln."]
    assert {normalise_address(w) for w in written} == {"14 Mill Lane"}
    assert normalise_address("12a st johns rd") == normalise_address("12A St Johns Road")


@pytest.mark.parametrize(
    ("text", "surface", "value"),
    [
        (
            "they use Flat 3, 14 Mill Lane, Leeds for it",
            "Flat 3, 14 Mill Lane, Leeds",
            "Flat 3, 14 Mill Lane, Leeds",
        ),
        ("he lives at 7 acacia close with his mum", "7 acacia close", "7 Acacia Close"),
        ("flat 14 Lowther Court the bloke", "flat 14 Lowther Court", "Flat 14, Lowther Court"),
        (
            "cars outside 12a St John's Rd Bradford",
            "12a St John's Rd Bradford",
            "12A St John's Road, Bradford",
        ),
        ("45 church rd, derby every night", "45 church rd, derby", "45 Church Road, Derby"),
        ("at 2 High St by the Spar", "2 High St", "2 High Street"),
        ("Seen at 21 Larkspur Way Telford", "21 Larkspur Way Telford", "21 Larkspur Way, Telford"),
    ],
)
def test_addresses(text: str, surface: str, value: str) -> None:
    assert found(text, "address") == [(value, surface)]


@pytest.mark.parametrize(
    "text",
    [
        "dealing on Mill Lane every night",  # a street without a number
        "3 lads on mill lane again",
        "2 cars drive past every 10 mins",
        "5 mins down the road from me",
        "14 properties along Albert Road",
    ],
)
def test_not_addresses(text: str) -> None:
    assert values(text, "address") == []


# -- nicknames ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("older lad known as Big Dee runs it", "Big Dee"),
        ("he goes by 'Smurf' on the estate", "Smurf"),
        ("jordan aka lil t sells for them", "lil t"),
        ("they call him Tiny", "Tiny"),
        ("calls himself K-Dog now", "K-Dog"),
        ('theres a lad called "Smokey" from london', "Smokey"),
        ("went by the name of Taz", "Taz"),
    ],
)
def test_nicknames(text: str, value: str) -> None:
    assert values(text, "nickname") == [value]


def test_nickname_key_ignores_case() -> None:
    first = extract("known as BIG DEE")[0]
    second = extract("aka big dee")[0]
    assert (first.value, second.value) == ("BIG DEE", "big dee")
    assert first.key == second.key == "big dee"


@pytest.mark.parametrize(
    "text",
    ["they call him names at school", "hes known as well", "call him on 07700 900555"],
)
def test_not_nicknames(text: str) -> None:
    assert values(text, "nickname") == []


# -- people ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Saw Jordan Reilly with the others", "Jordan Reilly"),
        ("Mr Okafor at number 9 knows", "Mr Okafor"),
        ("ask mrs patel she saw it", "Mrs Patel"),
        ("a lad called Tyler hangs about", "Tyler"),
        ("her boyfriend Dean Walsh drives", "Dean Walsh"),
        ("his name is Kyle", "Kyle"),
        ("a man named john sells there", "John"),
        ("One of them is called Kyle", "Kyle"),
    ],
)
def test_people(text: str, value: str) -> None:
    assert values(text, "person") == [value]


@pytest.mark.parametrize(
    "text",
    [
        "Monday night it started again",
        "dealing on Jordan Road and Grace Road",
        "drinking Jack Daniels outside Tesco Express",
        "April is when it got worse",
        "Went to the shop. Then home.",
        "DEAN SMITH WAS THERE",  # all capitals: case says nothing
        "Leanne Hair and Beauty on the parade",  # a salon
    ],
)
def test_not_people(text: str) -> None:
    assert values(text, "person") == []


# -- overlaps, offsets and the record -------------------------------------------------------------


def test_more_specific_type_wins_an_overlap() -> None:
    assert types("reg LS6 2AB") == ["postcode"]
    assert [(e.type, e.value) for e in extract("known as Tyler Reilly")] == [
        ("nickname", "Tyler Reilly")
    ]


def test_a_messy_report_in_text_order() -> None:
    text = (
        "ring him on 07700 900123 hes called Dean, silver audi reg BD19 XKF parked outside "
        "14 mill ln LS6 2AB every nite, his snap is dazza_99 and they call him Smurf"
    )
    assert [(e.type, e.value) for e in extract(text)] == [
        ("phone", "+447700900123"),
        ("person", "Dean"),
        ("vehicle", "BD19XKF"),
        ("address", "14 Mill Lane"),
        ("postcode", "LS6 2AB"),
        ("handle", "snapchat:@dazza_99"),
        ("nickname", "Smurf"),
    ]


def test_entity_record() -> None:
    entity = extract("text 07700 900123")[0]
    assert entity.to_dict() == {
        "type": "phone",
        "value": "+447700900123",
        "text": "07700 900123",
        "start": 5,
        "end": 17,
    }
    with pytest.raises(dataclasses.FrozenInstanceError):
        entity.value = "x"  # type: ignore[misc]
    assert extract_entities("") == []


def test_offsets_hold_on_awkward_text() -> None:
    # Non-ASCII text whose lower-case form is longer ("İ"), tabs, line breaks, emoji.
    text = "İİ bloke\tcalled Tyler\n📱 07700\u2013900123 🚗 reg BD19 XKF İ 14 Mill Ln, Leeds"
    assert [(e.type, e.text) for e in extract(text)] == [
        ("person", "Tyler"),
        ("phone", "07700\u2013900123"),
        ("vehicle", "BD19 XKF"),
        ("address", "14 Mill Ln, Leeds"),
    ]
