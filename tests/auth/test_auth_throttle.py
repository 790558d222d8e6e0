"""The per-client login throttle: limits, window, memory bound, and no addresses kept."""

from __future__ import annotations

import pickle

import pytest

from beacon.auth.throttle import ClientThrottle


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limits_failures_per_client_within_the_window() -> None:
    clock = FakeClock()
    throttle = ClientThrottle(max_failures=3, window_seconds=60, clock=clock)
    for _ in range(2):
        throttle.record_failure("203.0.113.7")
        assert throttle.check("203.0.113.7") is None
    clock.now += 10
    throttle.record_failure("203.0.113.7")
    assert throttle.check("203.0.113.7") == pytest.approx(50.0)
    assert throttle.check("198.51.100.1") is None  # other clients are unaffected
    clock.now += 49
    assert throttle.check("203.0.113.7") == pytest.approx(1.0)
    clock.now += 1  # the first failure leaves the window
    assert throttle.check("203.0.113.7") is None
    throttle.reset("203.0.113.7")
    assert len(throttle) == 0


def test_defaults() -> None:
    clock = FakeClock()
    throttle = ClientThrottle(clock=clock)
    for _ in range(19):
        throttle.record_failure("2001:db8::1")
    assert throttle.check("2001:db8::1") is None
    throttle.record_failure("2001:db8::1")
    wait = throttle.check("2001:db8::1")
    assert wait is not None and wait == pytest.approx(15 * 60)


def test_memory_is_bounded() -> None:
    clock = FakeClock()
    throttle = ClientThrottle(max_failures=2, window_seconds=60, max_clients=100, clock=clock)
    for i in range(250):
        throttle.record_failure(f"10.0.{i // 256}.{i % 256}")
        throttle.record_failure(f"10.0.{i // 256}.{i % 256}")
    assert len(throttle) == 100
    assert throttle.check("10.0.0.249") is not None  # recent clients kept
    assert throttle.check("10.0.0.0") is None  # the oldest forgotten
    for _ in range(1000):
        throttle.record_failure("10.0.0.249")
    assert max(len(times) for times in throttle._failures.values()) == 2


def test_no_address_is_stored() -> None:
    clock = FakeClock()
    throttle = ClientThrottle(clock=clock)
    address = "192.0.2.45"
    throttle.record_failure(address)
    throttle.check(address)
    blob = repr(vars(throttle)) + repr(throttle) + repr(list(throttle._failures))
    assert address not in blob
    dumped = pickle.dumps({k: v for k, v in vars(throttle).items() if k not in ("_lock",)})
    assert address.encode() not in dumped
    # The key is random per instance: another process cannot link the same client.
    other = ClientThrottle(clock=clock)
    other.record_failure(address)
    assert set(other._failures).isdisjoint(throttle._failures)
    assert "_key" not in repr(throttle) and repr(throttle._key) not in repr(throttle)


def test_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError):
        ClientThrottle(max_failures=0)
