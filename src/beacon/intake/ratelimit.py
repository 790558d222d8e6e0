"""Per-client rate limits for the resident portal that never keep a client's address.

A client is counted under an HMAC-SHA256 of its address with a random key that lives only in
this object's memory. The key is replaced every ``rotate_seconds`` (an hour by default): the
previous key and its counts are kept only until every count made under it has left the window,
then both are dropped. So what the limiter holds is a set of keyed digests that nobody can turn
back into addresses, and after at most ``rotate_seconds + window_seconds`` not even the limiter
itself can link a digest to a client any more. Nothing is written anywhere: the object refuses
to be pickled and its ``repr`` shows no key.

Requests from the machine itself (loopback addresses) are not limited: behind a reverse proxy
on the same host every resident arrives from 127.0.0.1, and limiting that address would limit
everyone together.

Memory is bounded: beyond ``max_clients`` the least recently active clients are forgotten.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import NoReturn

DEFAULT_ROTATE_SECONDS = 60 * 60
DEFAULT_MAX_CLIENTS = 100_000


def is_loopback(client_address: str) -> bool:
    try:
        return ipaddress.ip_address(client_address).is_loopback
    except ValueError:
        return False


class _Generation:
    """One key and the counts made under it."""

    __slots__ = ("hits", "key", "started_at")

    def __init__(self, started_at: float) -> None:
        self.key = secrets.token_bytes(32)
        self.hits: OrderedDict[bytes, deque[float]] = OrderedDict()
        self.started_at = started_at

    def digest(self, client_address: str) -> bytes:
        return hmac.new(self.key, client_address.encode("utf-8"), hashlib.sha256).digest()


class RotatingClientLimiter:
    """At most ``limit`` events per client in any ``window_seconds``.

    ``check`` says whether a client is over the limit (seconds to wait, or None), ``record``
    counts one event, ``attempt`` does both at once (counts only when allowed).
    """

    def __init__(
        self,
        *,
        limit: int,
        window_seconds: float,
        rotate_seconds: float = DEFAULT_ROTATE_SECONDS,
        max_clients: int = DEFAULT_MAX_CLIENTS,
        exempt_loopback: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or window_seconds <= 0 or rotate_seconds <= 0 or max_clients < 1:
            raise ValueError(
                "limit, window_seconds, rotate_seconds and max_clients must be positive"
            )
        self.limit = limit
        self.window_seconds = float(window_seconds)
        self.rotate_seconds = float(rotate_seconds)
        self.max_clients = max_clients
        self.exempt_loopback = exempt_loopback
        self._clock = clock
        self._lock = threading.Lock()
        self._current = _Generation(clock())
        self._previous: _Generation | None = None
        self.rotations = 0  # for tests

    def __repr__(self) -> str:  # never show a key
        return (
            f"RotatingClientLimiter(limit={self.limit}, window_seconds={self.window_seconds:g}, "
            f"clients={len(self)})"
        )

    def __reduce__(self) -> NoReturn:
        raise TypeError("RotatingClientLimiter holds a secret key and is never serialised")

    # -----------------------------------------------------------------------------------------

    def _rotate(self, now: float) -> None:
        if now - self._current.started_at >= self.rotate_seconds:
            self._previous = self._current
            self._current = _Generation(now)
            self.rotations += 1
        # The previous key goes as soon as nothing counted under it can still matter.
        if self._previous is not None and now - self._current.started_at >= self.window_seconds:
            self._previous = None

    def _recent(self, generation: _Generation, digest: bytes, now: float) -> deque[float] | None:
        times = generation.hits.get(digest)
        if times is None:
            return None
        while times and times[0] <= now - self.window_seconds:
            times.popleft()
        if not times:
            del generation.hits[digest]
            return None
        return times

    def _times(self, client_address: str, now: float) -> tuple[bytes, list[float]]:
        self._rotate(now)
        digest = self._current.digest(client_address)
        found: list[float] = []
        if self._previous is not None:
            old = self._recent(self._previous, self._previous.digest(client_address), now)
            if old:
                found.extend(old)
        current = self._recent(self._current, digest, now)
        if current:
            found.extend(current)
        return digest, sorted(found)

    def _wait(self, times: list[float], now: float) -> float | None:
        if len(times) < self.limit:
            return None
        oldest_that_counts = times[-self.limit]
        return max(oldest_that_counts + self.window_seconds - now, 0.001)

    def _add(self, digest: bytes, now: float) -> None:
        hits = self._current.hits
        times = hits.get(digest)
        if times is None:
            times = deque(maxlen=self.limit)
            hits[digest] = times
        times.append(now)
        hits.move_to_end(digest)
        while len(hits) > self.max_clients:
            hits.popitem(last=False)

    # -----------------------------------------------------------------------------------------

    def check(self, client_address: str) -> float | None:
        """Seconds the client must wait, or None when it is under the limit."""
        if self.exempt_loopback and is_loopback(client_address):
            return None
        now = self._clock()
        with self._lock:
            _, times = self._times(client_address, now)
            return self._wait(times, now)

    def record(self, client_address: str) -> None:
        """Count one event for the client."""
        if self.exempt_loopback and is_loopback(client_address):
            return
        now = self._clock()
        with self._lock:
            digest, _ = self._times(client_address, now)
            self._add(digest, now)

    def attempt(self, client_address: str) -> float | None:
        """Count one event unless the client is over the limit; return ``check``'s answer."""
        if self.exempt_loopback and is_loopback(client_address):
            return None
        now = self._clock()
        with self._lock:
            digest, times = self._times(client_address, now)
            wait = self._wait(times, now)
            if wait is None:
                self._add(digest, now)
            return wait

    def __len__(self) -> int:
        previous = len(self._previous.hits) if self._previous is not None else 0
        return len(self._current.hits) + previous
