"""The portal's rate limiter: per client, keyed on an HMAC under a rotating in-memory key,
old keys and their counts dropped, nothing kept that could be persisted or shown."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest

from beacon.intake.ratelimit import RotatingClientLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter(clock: Clock, **options: float) -> RotatingClientLimiter:
    settings = {"limit": 3, "window_seconds": 600, "rotate_seconds": 3600, **options}
    return RotatingClientLimiter(
        limit=int(settings["limit"]),
        window_seconds=settings["window_seconds"],
        rotate_seconds=settings["rotate_seconds"],
        clock=clock,
    )


def test_limits_each_client_separately() -> None:
    clock = Clock()
    limits = limiter(clock)
    for _ in range(3):
        assert limits.attempt("203.0.113.5") is None
    wait = limits.attempt("203.0.113.5")
    assert wait is not None and 0 < wait <= 600
    assert limits.check("203.0.113.5") == wait
    assert limits.attempt("203.0.113.6") is None  # another client is not affected
    clock.now += 601
    assert limits.attempt("203.0.113.5") is None  # the window has passed


def test_refused_attempts_do_not_extend_the_wait() -> None:
    clock = Clock()
    limits = limiter(clock)
    for _ in range(3):
        limits.attempt("198.51.100.1")
    clock.now += 300
    for _ in range(10):
        assert limits.attempt("198.51.100.1") is not None
    clock.now += 301
    assert limits.attempt("198.51.100.1") is None


def test_record_and_check_count_failures_only() -> None:
    clock = Clock()
    limits = limiter(clock, limit=2)
    assert limits.check("192.0.2.1") is None
    limits.record("192.0.2.1")
    assert limits.check("192.0.2.1") is None
    limits.record("192.0.2.1")
    assert limits.check("192.0.2.1") is not None


def test_the_key_rotates_and_old_entries_are_dropped() -> None:
    clock = Clock()
    limits = limiter(clock, rotate_seconds=3600, window_seconds=600)
    limits.record("203.0.113.9")
    first_key = limits._current.key
    first_digest = limits._current.digest("203.0.113.9")
    assert len(limits) == 1

    clock.now += 3600  # rotation: a new key; the old one is kept only while its counts matter
    limits.record("203.0.113.10")
    assert limits.rotations == 1
    assert limits._current.key != first_key
    assert limits._current.digest("203.0.113.9") != first_digest
    assert limits._previous is not None and limits._previous.key == first_key

    clock.now += 600  # a window after the rotation: the old key and its entries are gone
    assert limits.check("203.0.113.9") is None
    assert limits._previous is None
    assert first_digest not in limits._current.hits
    assert len(limits) == 1


def test_counts_carry_across_a_rotation_within_the_window() -> None:
    clock = Clock()
    limits = limiter(clock, limit=3, rotate_seconds=3600, window_seconds=600)
    clock.now += 3500
    limits.attempt("203.0.113.50")
    limits.attempt("203.0.113.50")
    clock.now += 200  # the key rotates between the attempts
    assert limits.attempt("203.0.113.50") is None
    assert limits.rotations == 1
    assert limits.attempt("203.0.113.50") is not None  # still three within ten minutes


def test_no_address_is_held_and_nothing_can_be_persisted(tmp_path: Path) -> None:
    limits = RotatingClientLimiter(limit=5, window_seconds=600)
    address = "203.0.113.77"
    limits.attempt(address)
    held = repr(limits) + repr(vars(limits)) + repr(limits._current.hits)
    assert address not in held
    assert all(address.encode() not in digest for digest in limits._current.hits)
    assert limits._current.key.hex() not in repr(limits)
    with pytest.raises(TypeError):
        pickle.dumps(limits)
    with pytest.raises(TypeError):
        copy.deepcopy(limits)
    assert list(tmp_path.iterdir()) == []  # and it never touches the file system
    # Two limiters (two processes, or a restart) share nothing: the same address gives
    # unrelated keys.
    other = RotatingClientLimiter(limit=5, window_seconds=600)
    assert other._current.digest(address) != limits._current.digest(address)


def test_loopback_is_not_limited() -> None:
    limits = RotatingClientLimiter(limit=1, window_seconds=600)
    for _ in range(5):
        assert limits.attempt("127.0.0.1") is None
        assert limits.attempt("::1") is None
    assert len(limits) == 0
    strict = RotatingClientLimiter(limit=1, window_seconds=600, exempt_loopback=False)
    strict.attempt("127.0.0.1")
    assert strict.attempt("127.0.0.1") is not None


def test_memory_is_bounded() -> None:
    limits = RotatingClientLimiter(limit=2, window_seconds=600, max_clients=100)
    for n in range(1000):
        limits.record(f"10.0.{n // 256}.{n % 256}")
    assert len(limits) == 100


def test_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError):
        RotatingClientLimiter(limit=0, window_seconds=600)
    with pytest.raises(ValueError):
        RotatingClientLimiter(limit=1, window_seconds=0)
