"""Reference codes: the resident's key to the keep-in-contact route, and staff references.

A resident's code is 24 characters of Crockford base32 shown in groups of four
(``K7QD-2M9X-...``): 120 random bits. The first 8 characters are a *locator* stored as-is so the
report can be found; the other 16 (80 bits) are the *secret*, stored only as an Argon2id hash.
Knowing the locator (e.g. from a database dump) gives nothing without the secret, and 80 random
bits cannot be guessed, so the hash may be cheap (about 0.5 ms here) without weakening anything:
its job is that a stolen database does not hand out working codes.

Staff references (``BCN-`` and 8 characters) are random too, so neither kind orders reports by time.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# Crockford's base32: no I, L, O or U, so codes survive being read aloud or copied by hand.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = {"I": "1", "L": "1", "O": "0", "U": "V"}
LOCATOR_LENGTH = 8
SECRET_LENGTH = 16
CODE_LENGTH = LOCATOR_LENGTH + SECRET_LENGTH
STAFF_PREFIX = "BCN-"

# Cheap on purpose (see the module docstring): time 1, 1 MiB, one lane.
_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _random(length: int) -> str:
    # One read of the system's CSPRNG, 5 bits per character (32 symbols: no bias).
    value = int.from_bytes(secrets.token_bytes((5 * length + 7) // 8), "big")
    chars = []
    for _ in range(length):
        chars.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(chars)


def new_resident_code() -> tuple[str, str, str]:
    """(code to show the resident, locator to store, secret to hash)."""
    locator, secret = _random(LOCATOR_LENGTH), _random(SECRET_LENGTH)
    raw = locator + secret
    shown = "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))
    return shown, locator, secret


@dataclass(frozen=True)
class PreparedCode:
    """A new resident code with its secret already hashed (hashing is the slow part, so the
    portal does it in the request's worker thread, not in the single database writer)."""

    shown: str
    locator: str
    secret_hash: str


def prepare_resident_code() -> PreparedCode:
    shown, locator, secret = new_resident_code()
    return PreparedCode(shown=shown, locator=locator, secret_hash=hash_secret(secret))


def new_staff_reference() -> str:
    return STAFF_PREFIX + _random(8)


def hash_secret(secret: str) -> str:
    return _HASHER.hash(secret)


def parse_code(text: str) -> tuple[str, str] | None:
    """(locator, secret) from what a resident typed (any case, spaces or dashes, and the
    usual misreadings I/L/O/U), or None when it cannot be a code."""
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    compact = "".join(_READ_AS.get(ch, ch) for ch in compact)
    if len(compact) != CODE_LENGTH or any(ch not in ALPHABET for ch in compact):
        return None
    return compact[:LOCATOR_LENGTH], compact[LOCATOR_LENGTH:]


def secret_matches(secret_hash: str, secret: str) -> bool:
    try:
        return _HASHER.verify(secret_hash, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# Verified against when a locator is unknown, so a miss costs the same time as a hit.
DUMMY_SECRET_HASH = hash_secret(_random(SECRET_LENGTH))
