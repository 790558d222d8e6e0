"""An in-memory limit on failed logins per client, without keeping anyone's address.

Clients are keyed on an HMAC-SHA256 of their address under a random key made when the object
is created and never stored, logged or shown, so neither memory nor a dump of it holds an
address, and the keys mean nothing once the process ends. Memory is bounded: beyond
``max_clients`` the least recently active clients are forgotten.

The per-account lockout (``beacon.auth.service.authenticate``) stops guessing one account's
password; this stops one client trying many accounts. It lives in one process: with several
workers each keeps its own count.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

DEFAULT_MAX_FAILURES = 20
DEFAULT_WINDOW_SECONDS = 15 * 60
DEFAULT_MAX_CLIENTS = 100_000


class ClientThrottle:
    """``check`` before a login attempt, ``record_failure`` after a failed one."""

    def __init__(
        self,
        *,
        max_failures: int = DEFAULT_MAX_FAILURES,
        window_seconds: float = DEFAULT_WINDOW_SECONDS,
        max_clients: int = DEFAULT_MAX_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_failures < 1 or window_seconds <= 0 or max_clients < 1:
            raise ValueError("max_failures, window_seconds and max_clients must be positive")
        self.max_failures = max_failures
        self.window_seconds = float(window_seconds)
        self.max_clients = max_clients
        self._clock = clock
        self._key = secrets.token_bytes(32)
        # Client key -> times of its recent failures, least recently active client first.
        self._failures: OrderedDict[bytes, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never show the key
        return (
            f"ClientThrottle(max_failures={self.max_failures}, "
            f"window_seconds={self.window_seconds:g}, clients={len(self._failures)})"
        )

    def _client_key(self, client_address: str) -> bytes:
        return hmac.new(self._key, client_address.encode("utf-8"), hashlib.sha256).digest()

    def _recent(self, key: bytes, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window_seconds:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times

    def check(self, client_address: str) -> float | None:
        """Seconds the client must wait before trying again, or None when it may try now."""
        now = self._clock()
        with self._lock:
            times = self._recent(self._client_key(client_address), now)
            if times is None or len(times) < self.max_failures:
                return None
            return max(times[0] + self.window_seconds - now, 0.0) or None

    def record_failure(self, client_address: str) -> None:
        """Count one failed attempt from the client."""
        now = self._clock()
        key = self._client_key(client_address)
        with self._lock:
            times = self._recent(key, now)
            if times is None:
                times = deque(maxlen=self.max_failures)
                self._failures[key] = times
            times.append(now)
            self._failures.move_to_end(key)
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)

    def reset(self, client_address: str) -> None:
        """Forget the client's failures (after a successful login, if wanted)."""
        with self._lock:
            self._failures.pop(self._client_key(client_address), None)

    def __len__(self) -> int:
        return len(self._failures)
