"""Password hashing (Argon2id, argon2-cffi's defaults) and the password policy.

The policy follows NCSC and NIST SP 800-63B guidance: a minimum length, no composition rules,
and a refusal of passwords that are common or built from the account's own name or email.
"""

from __future__ import annotations

import functools
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
# Parts of a name or email shorter than this are too short to be worth refusing ("jo").
_MIN_PERSONAL_PART = 3

_hasher = PasswordHasher()


class PasswordPolicyError(ValueError):
    """A password breaks the policy; ``problems`` lists every reason, readable by people."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password``, with a random salt, in PHC string format."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``; False otherwise, never raising for a
    wrong password or a damaged hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's (or is unreadable)."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(32))


def dummy_verify(password: str) -> None:
    """Spend the time of one real verification, so a missing account takes as long to refuse
    as a wrong password."""
    verify_password(_dummy_hash(), password)


@functools.cache
def common_passwords() -> frozenset[str]:
    """zxcvbn's list of the 30,000 most common passwords, lower-cased."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def _personal_parts(email: str | None, display_name: str | None) -> list[tuple[str, str]]:
    """(what, text) pairs the password must not contain, lower-cased."""
    parts: list[tuple[str, str]] = []
    if email:
        local = email.strip().lower().partition("@")[0]
        if len(local) >= _MIN_PERSONAL_PART:
            parts.append(("your email address", local))
        for piece in re.split(r"[^\w]+|_", local):
            if len(piece) >= _MIN_PERSONAL_PART + 1 and piece != local:
                parts.append(("your email address", piece))
    if display_name:
        name = display_name.strip().lower()
        squashed = re.sub(r"\s+", "", name)
        if len(squashed) >= _MIN_PERSONAL_PART:
            parts.append(("your name", squashed))
        for piece in re.split(r"[^\w]+", name):
            if len(piece) >= _MIN_PERSONAL_PART + 1 and piece != squashed:
                parts.append(("your name", piece))
    return parts


def password_problems(
    password: str, *, email: str | None = None, display_name: str | None = None
) -> list[str]:
    """Every reason ``password`` is refused, as sentences for the person choosing it; empty
    when it is acceptable."""
    problems: list[str] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"must be at least {MIN_PASSWORD_LENGTH} characters long")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"must be at most {MAX_PASSWORD_LENGTH} characters long")
    lowered = password.lower()
    if lowered in common_passwords() or lowered.strip() in common_passwords():
        problems.append("is one of the most commonly used passwords")
    squashed = re.sub(r"\s+", "", lowered)
    reported: set[str] = set()
    for what, part in _personal_parts(email, display_name):
        if what not in reported and (part in lowered or part in squashed):
            problems.append(f"must not contain {what}")
            reported.add(what)
    return problems


def check_password(
    password: str, *, email: str | None = None, display_name: str | None = None
) -> None:
    """Raise ``PasswordPolicyError`` when ``password`` breaks the policy."""
    problems = password_problems(password, email=email, display_name=display_name)
    if problems:
        raise PasswordPolicyError(problems)
