"""Speed shortcuts must not change answers: recognisers that scan only the windows around a
text's digits find exactly what a scan of the whole text finds."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from presidio_analyzer import EntityRecognizer
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    NhsRecognizer,
    UkNinoRecognizer,
    UkPostcodeRecognizer,
    UkVehicleRegistrationRecognizer,
)

from beacon.sanitise.evaluate import default_path, load_items
from beacon.sanitise.recognisers import (
    NhsNumberRecognizer,
    PresidioCreditCard,
    PresidioNhs,
    PresidioUkNino,
    PresidioUkPostcode,
    PresidioUkVehicleRegistration,
    RuleRecognizer,
    UkNinoStrongRecognizer,
    UkPhoneRecognizer,
    UkPostcodeStrongRecognizer,
    UkVrmRecognizer,
)

TEXTS = [
    item.text
    for path in (default_path(), default_path().with_name("holdout_set.jsonl"))
    for item in load_items(path)
]
TEXTS.append(" ".join(TEXTS[:40]))  # a long text with many windows


def spans(recognizer: EntityRecognizer, text: str) -> set[tuple[str, int, int]]:
    return {(r.entity_type, r.start, r.end) for r in recognizer.analyze(text, [], None)}


@pytest.mark.parametrize(
    ("windowed", "plain"),
    [
        (PresidioUkPostcode, UkPostcodeRecognizer),
        (PresidioUkNino, UkNinoRecognizer),
        (PresidioNhs, NhsRecognizer),
        (PresidioUkVehicleRegistration, UkVehicleRegistrationRecognizer),
        (PresidioCreditCard, CreditCardRecognizer),
    ],
)
def test_presidio_recognisers_on_digit_windows(windowed: type, plain: type) -> None:
    fast, full = windowed(), plain()
    full.global_regex_flags = fast.global_regex_flags
    for text in TEXTS:
        assert spans(fast, text) == spans(full, text), text


@pytest.mark.parametrize(
    "recognizer",
    [
        UkPhoneRecognizer,
        UkPostcodeStrongRecognizer,
        UkNinoStrongRecognizer,
        NhsNumberRecognizer,
        UkVrmRecognizer,
    ],
)
def test_beacon_rules_on_digit_windows(recognizer: type) -> None:
    fast = recognizer()
    full = recognizer()
    full.rules = tuple(replace(rule, near_digits=False) for rule in fast.rules)
    assert isinstance(fast, RuleRecognizer)
    assert any(rule.near_digits for rule in fast.rules)
    for text in TEXTS:
        assert spans(fast, text) == spans(full, text), text


def test_windows_match_even_at_text_edges() -> None:
    fast = UkPhoneRecognizer()
    for text in ("07700900123", "x07700900123", "07700 900123.", "AB12CDE07700"):
        full = UkPhoneRecognizer()
        full.rules = tuple(replace(rule, near_digits=False) for rule in fast.rules)
        assert spans(fast, text) == spans(full, text)
    assert re.fullmatch(r"\d+", "07700900123")
