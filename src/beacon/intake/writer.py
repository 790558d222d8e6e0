"""One writer thread with group commit for resident submissions.

Many request threads each opening a write transaction on SQLite queue on its single write lock:
throughput holds up but the tail does not (a bare handler here: p99 about 830 ms at 50 clients).
Instead, request handlers hand their unit of work to this writer and wait. The writer takes
whatever has queued up (up to ``max_batch``), runs each unit in its own savepoint inside one
transaction, commits once (one fsync for the batch, ``synchronous=FULL``), and only then answers
each waiting request. So a resident is shown a reference code only after the report is durable,
one failing unit never takes the others down with it, and the lock is held by one thread only.

The same writer works on PostgreSQL (savepoints, one commit per batch).
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)
T = TypeVar("T")
SWITCH_INTERVAL = 0.0005  # seconds
CHECKPOINT_SECONDS = 0.5
_STOP = object()


class WriterStopped(RuntimeError):
    """The writer is not running (the server is shutting down)."""


class SubmissionWriter:
    def __init__(self, sessions: sessionmaker[Session], *, max_batch: int = 64) -> None:
        self._sessions = sessions
        self._max_batch = max_batch
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.batches = 0  # counters for tests and benchmarks
        self.units = 0
        self.checkpoints = 0
        self._sqlite = sessions.kw["bind"].dialect.name == "sqlite"
        self._stopping = threading.Event()
        self._checkpointer: threading.Thread | None = None

    def start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            # Every SQLite call releases the GIL and must take it back; with the default 5 ms
            # switch interval the writer waits behind the request-handling thread after each
            # statement (a convoy that halved throughput in benchmarks/bench_intake.py).
            if sys.getswitchinterval() > SWITCH_INTERVAL:
                sys.setswitchinterval(SWITCH_INTERVAL)
            self._thread = threading.Thread(
                target=self._run, name="beacon-intake-writer", daemon=True
            )
            self._thread.start()
            if self._sqlite:
                self._stopping.clear()
                self._checkpointer = threading.Thread(
                    target=self._checkpoint_loop, name="beacon-wal-checkpointer", daemon=True
                )
                self._checkpointer.start()

    def stop(self, timeout: float = 10.0) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is None:
            return
        self._queue.put(_STOP)
        thread.join(timeout)
        self._stopping.set()
        if self._checkpointer is not None:
            self._checkpointer.join(timeout)
            self._checkpointer = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def submit(self, work: Callable[[Session], T]) -> Future[T]:
        """Queue ``work(session)``; the future resolves after the batch holding it commits."""
        if not self.running:
            raise WriterStopped("the intake writer is not running")
        future: Future[T] = Future()
        self._queue.put((work, future))
        return future

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            stop_after = False
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop_after = True
                    break
                batch.append(item)
            self._write(batch)
            if stop_after:
                return

    def _checkpoint_loop(self) -> None:
        """SQLite: copy the WAL back into the database from this thread, so the writer's
        commits never pay for a checkpoint (the writer's connection has autocheckpoint off;
        a checkpoint inside a commit was the long tail in benchmarks/bench_intake.py)."""
        while not self._stopping.wait(CHECKPOINT_SECONDS):
            try:
                with self._sessions() as session:
                    session.connection().exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
                    session.commit()
                self.checkpoints += 1
            except Exception as exc:  # a busy database: try again at the next tick
                logger.debug("WAL checkpoint skipped (%s)", type(exc).__name__)

    def _write(self, batch: list[tuple[Callable[[Session], Any], Future[Any]]]) -> None:
        live = [(work, future) for work, future in batch if future.set_running_or_notify_cancel()]
        if not live:
            return
        # Optimistic first: the whole batch in one transaction without savepoints (they cost
        # about a third of the writer's time). Only if some unit fails is the batch run again
        # with a savepoint per unit, so that unit alone gets the error.
        try:
            results = self._attempt(live, isolate=False)
        except Exception:
            try:
                results = self._attempt(live, isolate=True)
            except Exception as exc:  # the commit itself failed: nothing in the batch is stored
                for _, future in live:
                    future.set_exception(exc)
                return
        self.batches += 1
        self.units += len(live)
        for (_, future), (ok, value) in zip(live, results, strict=True):
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def _attempt(
        self, live: list[tuple[Callable[[Session], Any], Future[Any]]], *, isolate: bool
    ) -> list[tuple[bool, Any]]:
        results: list[tuple[bool, Any]] = []
        with self._sessions() as session:
            if self._sqlite:
                # Per connection (pooled connections are reused): the checkpointer thread
                # does this work instead while the writer runs.
                session.connection().exec_driver_sql("PRAGMA wal_autocheckpoint=0")
            for work, _ in live:
                if not isolate:
                    results.append((True, work(session)))  # any failure aborts the attempt
                    continue
                try:
                    with session.begin_nested():
                        value = work(session)
                except Exception as exc:  # one unit's failure is that unit's answer
                    results.append((False, exc))
                else:
                    results.append((True, value))
            session.commit()
        return results
