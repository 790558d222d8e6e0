"""Password hashing and the password policy (no database)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from beacon.auth.passwords import (
    MIN_PASSWORD_LENGTH,
    PasswordPolicyError,
    check_password,
    common_passwords,
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)

GOOD = "violet-harbour-lantern-47"


def test_common_list_is_zxcvbns_30000_passwords() -> None:
    assert len(FREQUENCY_LISTS["passwords"]) == 30_000
    assert "password1234" in FREQUENCY_LISTS["passwords"]
    assert len(common_passwords()) >= 29_000
    assert common_passwords() is common_passwords()  # loaded once


@pytest.mark.parametrize(
    ("password", "kwargs", "expected"),
    [
        (GOOD, {}, []),
        ("short-pw", {}, ["at least 12 characters"]),
        ("x" * 11, {}, ["at least 12 characters"]),
        ("x" * 12 + "-a9", {}, []),
        ("a" * 257, {}, ["at most 256 characters"]),
        ("b9" * 128, {}, []),
        ("password1234", {}, ["most commonly used"]),
        ("PASSWORD1234", {}, ["most commonly used"]),
        ("qwerty123456", {}, ["most commonly used"]),
        ("password", {}, ["at least 12 characters", "most commonly used"]),
        ("alice.smith-rocks-99", {"email": "alice.smith@kent.police.uk"}, ["email"]),
        ("Alice.Smith", {"email": "Alice.Smith@kent.police.uk"}, ["12 characters", "email"]),
        ("my-name-is-smithers!", {"email": "j.smithers@example.org"}, ["email"]),
        ("fiona-gallagher-2024", {"display_name": "Fiona Gallagher"}, ["name"]),
        ("FionaGallagher2024", {"display_name": "Fiona Gallagher"}, ["name"]),
        ("jo-likes-long-walks", {"display_name": "Jo Li", "email": "jo@x.org"}, []),
    ],
)
def test_password_policy(password: str, kwargs: dict[str, str], expected: list[str]) -> None:
    problems = password_problems(password, **kwargs)
    assert len(problems) == len(expected), problems
    for problem, fragment in zip(problems, expected, strict=True):
        assert fragment in problem


def test_min_length_constant_and_policy_error_carries_the_list() -> None:
    assert MIN_PASSWORD_LENGTH == 12
    with pytest.raises(PasswordPolicyError) as caught:
        check_password("password", email="a@b.org")
    assert isinstance(caught.value, ValueError)
    assert len(caught.value.problems) == 2
    check_password(GOOD)


def test_hash_verify_and_rehash() -> None:
    hashed = hash_password(GOOD)
    assert hashed.startswith("$argon2id$")
    assert GOOD not in hashed
    assert hash_password(GOOD) != hashed  # salted
    assert verify_password(hashed, GOOD)
    assert not verify_password(hashed, GOOD + "x")
    assert not verify_password("not a hash", GOOD)
    assert not needs_rehash(hashed)
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(GOOD)
    assert verify_password(weak, GOOD)
    assert needs_rehash(weak)
    assert needs_rehash("garbage")
