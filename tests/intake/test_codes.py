"""Resident reference codes."""

from __future__ import annotations

from beacon.intake import codes


def test_codes_are_grouped_random_and_parse_back() -> None:
    shown, locator, secret = codes.new_resident_code()
    groups = shown.split("-")
    assert len(groups) == 6 and all(len(g) == 4 for g in groups)
    assert set(shown.replace("-", "")) <= set(codes.ALPHABET)
    assert codes.parse_code(shown) == (locator, secret)
    assert codes.parse_code(shown.lower().replace("-", " ")) == (locator, secret)
    others = {codes.new_resident_code()[0] for _ in range(200)}
    assert len(others) == 200


def test_misread_letters_are_forgiven() -> None:
    shown, locator, secret = codes.new_resident_code()
    typed = shown.replace("1", "I").replace("0", "O")
    assert codes.parse_code(typed) == (locator, secret)


def test_not_codes() -> None:
    for text in ("", "ABC", "K7QD-2M9X", "!" * 24, "A" * 25):
        assert codes.parse_code(text) is None


def test_secret_is_stored_as_argon2_and_verifies() -> None:
    _, _, secret = codes.new_resident_code()
    stored = codes.hash_secret(secret)
    assert stored.startswith("$argon2id$") and secret not in stored
    assert codes.secret_matches(stored, secret)
    assert not codes.secret_matches(stored, secret[::-1])
    assert not codes.secret_matches("not a hash", secret)


def test_staff_references() -> None:
    reference = codes.new_staff_reference()
    assert reference.startswith("BCN-") and len(reference) == 12
