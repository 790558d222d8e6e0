"""UK postcode normalisation: accepted spellings and the reasons for refusals."""

from __future__ import annotations

import pytest

from beacon.geography.postcodes import PostcodeError, is_postcode, normalise_postcode


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DE1 1AN", "DE1 1AN"),
        ("de1 1an", "DE1 1AN"),
        ("DE11AN", "DE1 1AN"),
        ("  DE1   1AN ", "DE1 1AN"),
        ("DE1  1AN", "DE1 1AN"),  # the 8-character pcd2 form
        ("DE221BE", "DE22 1BE"),
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("sw1a2aa", "SW1A 2AA"),
        ("BN1\t1AA", "BN1 1AA"),
        ("JE2 3AB", "JE2 3AB"),
        ("GIR 0AA", "GIR 0AA"),
        ("gir0aa", "GIR 0AA"),
    ],
)
def test_valid_postcodes_normalise(text: str, expected: str) -> None:
    assert normalise_postcode(text) == expected
    assert is_postcode(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("DE1 1A", "the inward part must be a digit and two letters"),
        ("DE1 AAA", "the inward part must be a digit and two letters"),
        ("DE11 AN", "the inward part must be a digit and two letters"),
        ("", "it is empty"),
        ("   ", "it is empty"),
        ("DE1-1AN", "it may contain only letters, digits and spaces"),
        ("DÉ1 1AN", "it may contain only letters, digits and spaces"),
        ("D1", "it is too short (2 letters and digits; a postcode has 5 to 7)"),
        ("DE1 1ANXX", "it is too long (8 letters and digits; a postcode has 5 to 7)"),
        ("DE1 1AC", "the letters C, I, K, M, O and V are never used there"),
        ("1DE 1AN", "the outward part '1DE' must be one or two letters, a digit"),
        ("DEE 1AN", "the outward part 'DEE' must be one or two letters, a digit"),
        ("QQ1 1AA", "'QQ' is not a UK postcode area"),
        ("XY1 1AA", "'XY' is not a UK postcode area"),
    ],
)
def test_invalid_postcodes_say_why(text: str, reason: str) -> None:
    with pytest.raises(PostcodeError) as caught:
        normalise_postcode(text)
    message = str(caught.value)
    assert message.startswith(f"{text!r} is not a valid UK postcode: ")
    assert reason in message
    assert not is_postcode(text)


def test_the_documented_example_message() -> None:
    with pytest.raises(PostcodeError) as caught:
        normalise_postcode("DE1 1A")
    assert str(caught.value) == (
        "'DE1 1A' is not a valid UK postcode: the inward part must be a digit and two letters"
    )


def test_postcode_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        normalise_postcode("nonsense")
