"""Resident submissions through the real portal: throughput and latency at 50 clients.

Starts ``beacon serve`` (one uvicorn process, SQLite in WAL mode with synchronous=FULL, the
embedded default) on a fresh database, then 50 concurrent clients (aiohttp, keep-alive) post the
/report form as fast as the server answers for ``--seconds`` after a warm-up. Every answer must
be a 200 with a reference code. Goal: at least 500 submissions/s with p99 at most 150 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.intake.serverproc import PORTAL_FORM, ServerProcess, prepare_database

CODE = re.compile(rb"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){5}")


async def _client(
    session: aiohttp.ClientSession,
    url: str,
    until: float,
    record_from: float,
    latencies: list[float],
    failures: list[str],
) -> None:
    while (now := time.perf_counter()) < until:
        async with session.post(f"{url}/report", data=PORTAL_FORM) as response:
            body = await response.read()
        done = time.perf_counter()
        if response.status != 200 or not CODE.search(body):
            failures.append(f"{response.status}: {body[:200]!r}")
            continue
        if now >= record_from:
            latencies.append(done - now)


async def _load(url: str, clients: int, warmup: float, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    failures: list[str] = []
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        record_from = start + warmup
        until = record_from + seconds
        await asyncio.gather(
            *(
                _client(session, url, until, record_from, latencies, failures)
                for _ in range(clients)
            )
        )
    if failures:
        raise SystemExit(f"{len(failures)} failed submissions, e.g. {failures[0]}")
    latencies.sort()
    return {
        "intake_submissions_per_s": round(len(latencies) / seconds, 1),
        "intake_p50_ms": round(statistics.median(latencies) * 1000, 1),
        "intake_p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "intake_max_ms": round(latencies[-1] * 1000, 1),
        "intake_clients": clients,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=1, help="beacon serve --workers")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite:///{Path(folder) / 'beacon.db'}"
        data_dir = Path(folder) / "var"
        prepare_database(database_url, data_dir)
        server = ServerProcess(
            database_url, data_dir, Path(folder) / "server.log", workers=args.workers
        )
        server.start()
        try:
            figures = asyncio.run(_load(server.url, args.clients, args.warmup, args.seconds))
        finally:
            server.stop()
    figures["intake_workers"] = args.workers
    if args.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name:28} {value}")


if __name__ == "__main__":
    main()
