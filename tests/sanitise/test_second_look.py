"""The second look (``recognisers/second_look.py``, round 6): broad patterns that only flag,
added where no rule found anything. Each case below is written for the test (not taken from an
evaluation set); the ``not`` cases are the shapes that made earlier versions flag nothing
identifying."""

from __future__ import annotations

import pytest

from beacon.sanitise.detect import Finding, Sanitiser
from beacon.sanitise.recognisers.second_look import second_look


@pytest.fixture(scope="module")
def rules() -> Sanitiser:
    # The second look without the learnt reader: what these tests pin is the patterns.
    return Sanitiser(with_learnt=False)


def second_looks(sanitiser: Sanitiser, text: str) -> list[Finding]:
    return [f for f in sanitiser.analyse(text, learnt=False) if "(second look)" in f.reason]


def flagged_texts(sanitiser: Sanitiser, text: str) -> list[str]:
    return [f.text for f in sanitiser.analyse(text, learnt=False)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An introduction whatever greets it, and whatever follows the name.
        ("Wa alaikum salaam, I'm Yusra Begum, my nephew is typing this.", "Yusra Begum"),
        ("hey im Callum Reid 3rd year at the uni and a man keeps messaging me", "Callum Reid"),
        ("Hiya, Bronwen here from Maes y Coed. The bikes are back.", "Bronwen"),
        ("Mrs K from 9 Orchard Way here. The lad at 11 has been shouting.", "Mrs K"),
        ("Folk on the estate call me Auntie Bev, I've been here 30 years.", "Auntie Bev"),
        ("Morning, Tomasz Nowak, I rang on Friday about the van.", "Tomasz Nowak"),
        ("Bus inspector 4471 here, Graham. The stop at the interchange is bad.", "Graham"),
        ("Mensah, Kwame (Mr) - 07700 900123\nThe off-licence sells to kids.", "Mensah, Kwame (Mr)"),
        # Sign-offs: the last segment is nothing but a name, or lines after a closing.
        ("Lads dealing by the garages every night. - Macca", "Macca"),
        ("The landlord just laughs at us. — R.P.", "R.P."),
        ("I am frightened now. Thank you. Mrs D. Hughes (Dot)", "Mrs D. Hughes (Dot)"),
        (
            "Visitors all night at no. 4.\n\nKind regards\nPriya Nair\nTenancy Officer\n"
            "Calder Homes",
            "Priya Nair",
        ),
        ("He was back again at 2am. - Sal Okoro, Harbour Road Residents Group", "Sal Okoro"),
        # A signature opening the text.
        ("Sgt Ffion Rees, collar number 2231 (that's me). Please add this.", "Sgt Ffion Rees"),
        ("Health Visitor: Anwen Pugh, 0-19 Team, Bargoed Clinic\n\nA mother said ...", "Anwen"),
        # Family by name; an office; a home few share.
        ("My daughter Keira saw a boy from no 14 let the tyres down.", "Keira"),
        ("As parish clerk for Lower Bramley I've had calls about the bikes.", "parish clerk"),
        ("I live in the refuge so please don't write to me.", "I live in the refuge"),
        ("I'm a single mum of four and they know which house is mine.", "single mum of four"),
        # The reporter's address beside their own introduction.
        ("Hi, Dawn here from Sycamore Road. The car is back.", "Sycamore Road"),
        # Staff numbers after any label, when they are the reporter's.
        ("I'm a loader on the Thursday round, payroll no. KCC 55102. Needles again.", "55102"),
        ("Duty manager, Riverside Pool (emp. no. RP0442). Three males came in.", "RP0442"),
        ("Reporting: Paramedic J. Otieno, HCPC PA 12345, call sign Echo 3-1.", "Echo 3-1"),
        ("I'm vendor 2231 if you want to find me.", "vendor 2231"),
        # Read out in a transcript; a house with a name and no number.
        ("Ring me back on oh-seven-seven-double-oh, nine-oh-oh, one-two-three.", "seven"),
        ("Dear Sir, I live at Hawthorn Lodge, the last house before the ford.", "Hawthorn Lodge"),
        ("Lads dealing from the Transit again. Reg CN14 BXR.\nO.G.", "O.G."),
    ],
)
def test_what_the_second_look_flags(rules: Sanitiser, text: str, expected: str) -> None:
    found = flagged_texts(rules, text)
    assert any(expected in f or f in expected for f in found), found
    # Whatever it adds is flagged, never redacted.
    assert all(f.action == "flag" for f in second_looks(rules, text))


@pytest.mark.parametrize(
    "text",
    [
        # Someone else's words, name or number.
        "A lad stopped my son and said 'I'm Ziggy, tell your brother I'll be back'.",
        "It's Kieran Doyle at number 8, he revs his bike at 2am.",
        "PCSO 6611 came round last week and said to report it online.",
        "Spoke to PC Amir Shah (collar 4410) who said the council would act.",
        "Badge number 3301 on the door steward at the Anchor, he lets girls in.",
        "Dr Osei (GMC 7012345) prescribed it but her partner takes it.",
        "My name is Jo and PC Reid (badge 5521) was rude to me.",
        "He paid with a card in the name of D. Ross.",
        # A town, a team or a quotation at the end, not a sign-off.
        "the lads broke the shelter again. we cant afford this. Market Bosworth",
        "Kind regards\nThe Neighbourhood Team",
        "Best wishes\nA worried pensioner",
        "They are back every night and the main one is\nJohn Smith",
        "Sign on the door said 'Private, Mrs Harland, Headteacher'",
        # Jobs with many holders; a trait with no named place.
        "I work at the Co-op on Chapel Street.",
        "I'm a porter at the General Hospital and I see them every night.",
        "As a volunteer at the food bank I meet lots of families.",
        "I have one two three four things to say about seven or eight lads and nine cars.",
        "Caller reports that the lads are back.",
    ],
)
def test_what_the_second_look_leaves_alone(rules: Sanitiser, text: str) -> None:
    assert second_looks(rules, text) == [], second_looks(rules, text)


def test_it_adds_nothing_where_a_rule_already_found_something(rules: Sanitiser) -> None:
    # "I'm Sarah Jones" is the rules' (redacted); the second look sees it too but stays out.
    text = "I'm Sarah Jones and I live on the estate."
    assert any(look.type == "REPORTER_NAME" for look in second_look(text))
    findings = rules.analyse(text, learnt=False)
    assert [f.text for f in findings if f.type == "REPORTER_NAME"] == ["Sarah Jones"]
    assert second_looks(rules, text) == []


def test_a_position_holding_someone_elses_address_is_flagged_not_redacted(
    rules: Sanitiser,
) -> None:
    text = "My kitchen window looks straight onto the back door of 12 Holly Road where they deal."
    [hit] = [f for f in rules.analyse(text, learnt=False) if "12 Holly Road" in f.text]
    assert hit.action == "flag"


def test_his_name_is_not_an_introduction(rules: Sanitiser) -> None:
    text = "One of them, I think 'is name's Jayden Platt, said he'd burn the shop."
    assert [f for f in rules.analyse(text, learnt=False) if f.action == "redact"] == []
