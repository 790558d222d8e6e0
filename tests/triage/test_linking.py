"""Entity resolution across reports: exact and fuzzy merges with their reasons, and analysts'
confirm/split decisions (names, numbers and places are fictional)."""

from __future__ import annotations

import random
from datetime import date

import pytest

from beacon.triage import linking
from beacon.triage.entities import extract_entities, normalise_address
from beacon.triage.linking import (
    Decision,
    MatchReason,
    Mention,
    Resolution,
    resolve,
    value_key,
)


def m(report: str, kind: str, value: str, **extra: object) -> Mention:
    return Mention(report, kind, value, **extra)  # type: ignore[arg-type]


def groups(resolution: Resolution) -> set[frozenset[str]]:
    """Each entity as the set of its value keys."""
    return {frozenset(e.keys) for e in resolution.entities}


def together(resolution: Resolution, a: str, b: str) -> bool:
    return resolution.entity_for(a).id == resolution.entity_for(b).id


# --------------------------------------------------------------------------------------------
# Exact
# --------------------------------------------------------------------------------------------


def test_exact_match_on_value_keys() -> None:
    result = resolve(
        [
            m("r1", "phone", "+447700900123"),
            m("r2", "phone", "+447700900123"),
            m("r3", "phone", "+447700900124"),
            m("r4", "person", "Jordan Reilly"),
            m("r5", "person", "jordan  reilly"),
            m("r6", "person", "Jordan Reilly"),
        ]
    )
    assert [e.id for e in result.entities] == [
        "person:jordan reilly",
        "phone:+447700900123",
        "phone:+447700900124",
    ]
    phone = result.get("phone:+447700900123")
    assert phone.report_ids == ("r1", "r2")
    assert phone.keys == ("phone:+447700900123",)
    assert phone.reasons == ()  # one key: the exact rule, no merge of two keys
    person = result.get("person:jordan reilly")
    assert person.report_ids == ("r4", "r5", "r6")
    assert person.value == "Jordan Reilly"  # as most often written


def test_value_key() -> None:
    assert value_key("person", "Jordan  REILLY") == "person:jordan reilly"
    assert value_key("nickname", "Big Dee") == "nickname:big dee"
    assert value_key("address", "14 Mill Lane") == "address:14 Mill Lane"
    assert m("r1", "vehicle", "BD19XKF").key == "vehicle:BD19XKF"


def test_no_merge_across_types() -> None:
    result = resolve(
        [
            m("r1", "person", "Jordan Reilly"),
            m("r2", "nickname", "Jordan Reilly"),
            m("r3", "nickname", "jordan reily"),
            m("r4", "handle", "@jordanreilly"),
            m("r5", "email", "jordanreilly@gmail.com"),
        ]
    )
    assert len(result.entities) == 4
    assert {e.type for e in result.entities} == {"person", "nickname", "handle", "email"}
    assert not together(result, "person:Jordan Reilly", "nickname:Jordan Reilly")
    # nicknames link fuzzily only from NICKNAME_MIN_LENGTH characters and 90 on ratio: 12 and
    # 11 characters, one dropped letter: 95.7
    assert together(result, "nickname:jordan reilly", "nickname:jordan reily")


def test_mention_from_entity_and_validation() -> None:
    text = "Jordan Reilly was seen at 14 mill ln with 07700 900123"
    mentions = [
        Mention.from_entity("r9", e, district="E08000035", themes=["cuckooing"])
        for e in extract_entities(text)
    ]
    assert [(x.entity_type, x.value, x.text) for x in mentions] == [
        ("person", "Jordan Reilly", "Jordan Reilly"),
        ("address", "14 Mill Lane", "14 mill ln"),
        ("phone", "+447700900123", "07700 900123"),
    ]
    assert mentions[0].themes == ("cuckooing",)
    assert m("r1", "phone", "+447700900123", themes="drugs").themes == ("drugs",)
    with pytest.raises(ValueError, match="unknown entity type"):
        m("r1", "bicycle", "red")
    with pytest.raises(ValueError, match="source"):
        m("r1", "phone", "+447700900123", source="title")


# --------------------------------------------------------------------------------------------
# Fuzzy: people and nicknames
# --------------------------------------------------------------------------------------------


def test_fuzzy_person_with_reason() -> None:
    result = resolve([m("r1", "person", "Jordan Reilly"), m("r2", "person", "jordan reily")])
    (entity,) = result.entities
    assert entity.keys == ("person:jordan reilly", "person:jordan reily")
    assert entity.reasons == (
        MatchReason("person-name", 96.0, "person:jordan reilly", "person:jordan reily"),
    )
    assert entity.report_ids == ("r1", "r2")


def test_person_words_in_another_order_and_titles() -> None:
    result = resolve(
        [
            m("r1", "person", "Jordan Reilly"),
            m("r2", "person", "Reilly Jordan"),
            m("r3", "person", "Mr Jordan Reilly"),
            m("r4", "person", "Mrs Dean Smith"),
            m("r5", "person", "Mr Dean Smith"),
            m("r6", "person", "Dean O'Brien"),
            m("r7", "person", "Dean OBrien"),
        ]
    )
    assert groups(result) == {
        frozenset({"person:jordan reilly", "person:reilly jordan", "person:mr jordan reilly"}),
        frozenset({"person:mrs dean smith"}),
        frozenset({"person:mr dean smith"}),  # titles differ: two people
        frozenset({"person:dean o'brien", "person:dean obrien"}),
    }
    reasons = result.entity_for("person:jordan reilly").reasons
    assert {(r.rule, r.score) for r in reasons} == {("person-name", 100.0)}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Jordan Reilly", "Jordan Riley"),  # 88: often another family
        ("Jordan Reilly", "Jordan Kelly"),
        ("Tyler", "Tylor"),  # one word: exact only
        ("Mr Okafor", "Mr Okafro"),  # a title and one word: exact only
        ("Jordan Reilly", "Jordan Lee Reilly"),  # 87
        ("Aaron Featherstone", "Alan Featherstone"),  # 91, but Aaron ~ Alan 67
    ],
)
def test_people_that_do_not_link(a: str, b: str) -> None:
    result = resolve([m("r1", "person", a), m("r2", "person", b)])
    assert len(result.entities) == 2, result.entities


def test_nicknames() -> None:
    result = resolve(
        [
            m("r1", "nickname", "Lil T"),
            m("r2", "nickname", "lil-t"),
            m("r3", "nickname", "LilT"),
            m("r4", "nickname", "Smokey"),
            m("r5", "nickname", "Smokie"),  # 83: not linked
            m("r6", "nickname", "Smokeyy"),  # one letter more: 92.3
            m("r7", "nickname", "Dee"),
            m("r8", "nickname", "Dez"),  # short: exact only
        ]
    )
    assert groups(result) == {
        frozenset({"nickname:lil t", "nickname:lil-t", "nickname:lilt"}),
        frozenset({"nickname:smokey", "nickname:smokeyy"}),
        frozenset({"nickname:smokie"}),
        frozenset({"nickname:dee"}),
        frozenset({"nickname:dez"}),
    }
    lil = result.entity_for("nickname:lil t")
    assert {r.rule for r in lil.reasons} == {"nickname-compact"}
    (smokey,) = result.entity_for("nickname:smokey").reasons
    assert (smokey.rule, smokey.score) == ("nickname-name", 92.3)


def test_nickname_prefixes() -> None:
    result = resolve(
        [
            m("r1", "nickname", "Big Smokey"),
            m("r2", "nickname", "big smokeyy"),
            m("r3", "nickname", "Lil Smokey"),  # another prefix: another person
            m("r4", "nickname", "Big Beentham"),
            m("r5", "nickname", "Big Deentham"),  # 88 after the prefix
        ]
    )
    assert groups(result) == {
        frozenset({"nickname:big smokey", "nickname:big smokeyy"}),
        frozenset({"nickname:lil smokey"}),
        frozenset({"nickname:big beentham"}),
        frozenset({"nickname:big deentham"}),
    }


# --------------------------------------------------------------------------------------------
# Fuzzy: addresses
# --------------------------------------------------------------------------------------------


def test_address_written_two_ways_with_reason() -> None:
    short = normalise_address("14 mill ln")
    assert short == "14 Mill Lane"
    result = resolve([m("r1", "address", "14 Mill Lane, Leeds"), m("r2", "address", short)])
    (entity,) = result.entities
    assert entity.id == "address:14 Mill Lane, Leeds"  # equally mentioned: the longer
    assert entity.reasons == (
        MatchReason("address-town-missing", 100.0, "address:14 Mill Lane", entity.id),
    )


def test_address_street_spelt_differently() -> None:
    result = resolve(
        [
            m("r1", "address", "14 Mill Lane, Leeds"),
            m("r2", "address", "14 Mil Lane, Leeds"),
            m("r3", "address", "14 Mill Lane, Leds"),
            m("r4", "address", "14 Hill Lane, Leeds"),  # Mill ~ Hill: 75
        ]
    )
    assert groups(result) == {
        frozenset(
            {
                "address:14 Mill Lane, Leeds",
                "address:14 Mil Lane, Leeds",
                "address:14 Mill Lane, Leds",
            }
        ),
        frozenset({"address:14 Hill Lane, Leeds"}),
    }
    reasons = result.entity_for("address:14 Mill Lane, Leeds").reasons
    assert sorted((r.rule, r.score) for r in reasons) == [
        ("address-fuzzy", 85.7),  # Mill ~ Mil
        ("address-fuzzy", 88.9),  # Leeds ~ Leds
    ]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("14 Mill Lane, Leeds", "16 Mill Lane, Leeds"),
        ("14 Mill Lane", "16 Mill Lane"),
        ("14 Mill Lane, Leeds", "14A Mill Lane, Leeds"),
        ("14-16 Mill Lane, Leeds", "14 Mill Lane, Leeds"),
        ("14 Mill Lane, Leeds", "14 Mill Road, Leeds"),
        ("Flat 3, 14 Mill Lane, Leeds", "14 Mill Lane, Leeds"),
        ("Flat 3, 14 Mill Lane, Leeds", "Flat 4, 14 Mill Lane, Leeds"),
        ("Flat 14, Elm Court", "14 Elm Court"),
        ("14 Mill Lane, Leeds", "14 Mill Lane, Bradford"),
    ],
)
def test_addresses_that_never_link(a: str, b: str) -> None:
    result = resolve([m("r1", "address", a), m("r2", "address", b)])
    assert len(result.entities) == 2, result.entities


def test_townless_address_stays_apart_when_the_town_is_ambiguous() -> None:
    result = resolve(
        [
            m("r1", "address", "14 Mill Lane, Leeds"),
            m("r2", "address", "14 Mill Lane, Bradford"),
            m("r3", "address", "14 Mill Lane"),
        ]
    )
    assert len(result.entities) == 3


def test_different_house_numbers_never_link_in_a_crowd() -> None:
    """Many streets of one name: only equal numbers (with their flats) come together."""
    mentions = []
    for number in range(1, 60):
        mentions.append(m(f"a{number}", "address", f"{number} Mill Lane, Leeds"))
        mentions.append(m(f"b{number}", "address", f"{number} mill lane"))
        mentions.append(m(f"c{number}", "address", f"{number} Mil Lane, Leeds"))
    result = resolve(mentions)
    assert len(result.entities) == 59
    for entity in result.entities:
        numbers = {key.split(":")[1].split()[0] for key in entity.keys}
        assert len(numbers) == 1, entity.keys


# --------------------------------------------------------------------------------------------
# Decisions
# --------------------------------------------------------------------------------------------


def test_split_is_honoured_and_the_refused_match_kept() -> None:
    mentions = [m("r1", "person", "Jordan Reilly"), m("r2", "person", "Jordan Reily")]
    split = Decision("split", "person:Jordan Reilly", "person:jordan reily")
    result = resolve(mentions, decisions=[split])
    assert groups(result) == {
        frozenset({"person:jordan reilly"}),
        frozenset({"person:jordan reily"}),
    }
    assert result.refused == (
        MatchReason("person-name", 96.0, "person:jordan reilly", "person:jordan reily"),
    )


def test_split_holds_transitively() -> None:
    """a ~ c and b ~ c match, but a and b were split: c may join one of them, never both."""
    a, b, c = "person:jordan reilly", "person:jordan reily", "person:jordan reilley"
    mentions = [
        m("r1", "person", "Jordan Reilly"),
        m("r2", "person", "Jordan Reily"),
        m("r3", "person", "Jordan Reilley"),
    ]
    assert len(resolve(mentions).entities) == 1
    result = resolve(mentions, decisions=[Decision("split", a, b)])
    assert not together(result, a, b)
    # a ~ c scores 96.3, b ~ c 92.3: the stronger match is made, the other refused (each
    # reason's two keys in sort order).
    assert groups(result) == {frozenset({a, c}), frozenset({b})}
    assert {(r.a, r.b) for r in result.refused} == {(a, b), (c, b)}


def test_split_beats_a_chain_of_confirmations() -> None:
    a, b, c = "person:jordan reilly", "person:jay reilly", "person:jd reilly"
    mentions = [m("r1", "person", "Jordan Reilly"), m("r2", "person", "Jay Reilly")]
    mentions.append(m("r3", "person", "JD Reilly"))
    decisions = [Decision("split", a, b), Decision("confirm", a, c), Decision("confirm", c, b)]
    result = resolve(mentions, decisions=decisions)
    assert not together(result, a, b)
    assert len(result.conflicts) == 1
    assert result.conflicts[0].kind == "confirm"


def test_confirm_merges_what_matching_would_not() -> None:
    mentions = [
        m("r1", "person", "Jordan Reilly"),
        m("r2", "person", "Jay Reilly"),
        m("r3", "address", "Flat 3, 14 Mill Lane, Leeds"),
        m("r4", "address", "14 Mill Lane, Leeds"),
    ]
    assert len(resolve(mentions).entities) == 4
    decisions = [
        Decision("confirm", "person:jay reilly", "person:Jordan Reilly"),
        Decision("confirm", "address:Flat 3, 14 Mill Lane, Leeds", "address:14 Mill Lane, Leeds"),
    ]
    result = resolve(mentions, decisions=decisions)
    assert groups(result) == {
        frozenset({"person:jordan reilly", "person:jay reilly"}),
        frozenset({"address:Flat 3, 14 Mill Lane, Leeds", "address:14 Mill Lane, Leeds"}),
    }
    assert result.entity_for("person:jay reilly").reasons == (
        MatchReason("confirmed", 100.0, "person:jay reilly", "person:jordan reilly"),
    )


def test_decisions_on_absent_values_are_ignored() -> None:
    decision = Decision("split", "phone:+447700900123", "phone:+447700900999")
    result = resolve([m("r1", "phone", "+447700900123")], decisions=[decision])
    assert result.ignored == (decision,)
    assert len(result.entities) == 1


def test_decision_validation() -> None:
    with pytest.raises(ValueError, match="one type"):
        Decision("confirm", "person:jordan reilly", "nickname:jordan reilly")
    with pytest.raises(ValueError, match="two different"):
        Decision("split", "person:Jordan Reilly", "person:jordan reilly")
    with pytest.raises(ValueError, match="value key"):
        Decision("split", "jordan reilly", "person:jordan reily")
    with pytest.raises(ValueError, match="kind"):
        Decision("merge", "person:a b", "person:c d")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Ids, order, blocking
# --------------------------------------------------------------------------------------------


def sample_mentions() -> list[Mention]:
    names = ["Jordan Reilly", "jordan reily", "Dean Smith", "Dean Smyth", "Kyle Okafor"]
    addresses = ["14 Mill Lane, Leeds", "14 Mill Lane", "14 Mil Lane, Leeds", "2 High Street"]
    phones = ["+447700900123", "+447700900124"]
    mentions = []
    for i in range(60):
        when = date(2025, 1, 1 + i % 28)
        mentions.append(m(f"r{i}", "person", names[i % len(names)], received_on=when))
        mentions.append(m(f"r{i}", "address", addresses[i % len(addresses)]))
        mentions.append(m(f"r{i}", "phone", phones[i % len(phones)], district=f"D{i % 3}"))
    return mentions


def test_canonical_value_is_the_most_mentioned() -> None:
    mentions = [m("r1", "person", "Jordan Reily"), m("r2", "person", "Jordan Reilly")]
    mentions += [m("r3", "person", "Jordan Reily")]
    (entity,) = resolve(mentions).entities
    assert entity.id == "person:jordan reily"
    assert entity.value == "Jordan Reily"


def test_same_input_same_ids_and_order() -> None:
    mentions = sample_mentions()
    first = resolve(mentions)
    second = resolve(list(mentions))
    shuffled = list(mentions)
    random.Random(7).shuffle(shuffled)
    third = resolve(shuffled)
    assert first == second
    assert [e.id for e in first.entities] == [e.id for e in third.entities]
    assert [e.keys for e in first.entities] == [e.keys for e in third.entities]
    assert [e.reasons for e in first.entities] == [e.reasons for e in third.entities]
    assert [e.id for e in first.entities] == sorted(e.id for e in first.entities)
    assert [e.id for e in first.entities] == [
        "address:14 Mill Lane, Leeds",
        "address:2 High Street",
        "person:dean smith",
        "person:jordan reilly",
        "person:kyle okafor",
        "phone:+447700900123",
        "phone:+447700900124",
    ]


def test_crowded_blocks_are_split_and_still_match(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(linking, "MAX_BLOCK", 2)
    mentions = [
        m("r1", "person", "Jordan Reilly"),
        m("r2", "person", "Jordan Reily"),
        m("r3", "person", "Jack Roberts"),
        m("r4", "person", "Jake Ross"),
        m("r5", "person", "Jodie Rees"),
    ]
    result = resolve(mentions)
    assert together(result, "person:jordan reilly", "person:jordan reily")
    assert len(result.entities) == 4


def test_cannot_links_follow_their_groups() -> None:
    """After a split member joins another group, the split binds that whole group, whichever
    side a later merge is asked from."""
    links = linking._Links(4)
    links.forbid(1, 2)
    assert links.union(0, 1) == "merged"  # 1 joins 0's group
    assert links.union(2, 0) == "forbidden"
    assert links.union(0, 2) == "forbidden"
    assert links.union(3, 2) == "merged"
    assert links.union(1, 3) == "forbidden"
    assert links.union(3, 0) == "forbidden"
    assert links.find(0) == links.find(1) != links.find(2) == links.find(3)
