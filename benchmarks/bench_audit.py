"""The cost an audit write adds to a request, and how fast the chain verifies.

N transactions on a SQLite file (WAL, synchronous=FULL, through Beacon's own engine) each insert
one small row and commit; every other transaction also calls ``record_event`` in the same
transaction. Interleaving the two kinds means disk and cache drift hit both equally.
``audit_write_added_ms`` is the difference of the medians. Goal: at most 1 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from beacon.audit.models import AuditAction
from beacon.audit.service import AuditActor, record_event
from beacon.audit.verify import verify_chain
from beacon.config import Settings
from beacon.runtime import open_runtime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transactions", type=int, default=2000, help="of each kind")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    actor = AuditActor(kind="user", id=7, label="analyst@example.org", organisation_id=3)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            environment="test",
            database_url=f"sqlite:///{Path(folder) / 'bench.db'}",
            data_dir=Path(folder) / "var",
        )
        runtime = open_runtime(settings)
        with runtime.engine.begin() as connection:
            connection.execute(
                text("CREATE TABLE bench_item (id INTEGER PRIMARY KEY, name TEXT, n INTEGER)")
            )
        insert = text("INSERT INTO bench_item (name, n) VALUES (:name, :n)")
        plain: list[float] = []
        audited: list[float] = []
        for n in range(args.transactions * 2):
            with_audit = n % 2 == 1
            started = time.perf_counter()
            with runtime.sessions() as session, session.begin():
                session.execute(insert, {"name": f"item {n}", "n": n})
                if with_audit:
                    record_event(
                        session,
                        action=AuditAction.COLLECTION,
                        event="item.created",
                        actor=actor,
                        record_type="bench_item",
                        record_id=n,
                        details={"n": n},
                    )
            (audited if with_audit else plain).append(time.perf_counter() - started)
        started = time.perf_counter()
        with runtime.sessions() as session:
            result = verify_chain(session)
        verify_seconds = time.perf_counter() - started
        runtime.close()
    assert result.ok and result.events_checked == args.transactions, result.describe()
    figures = {
        "transaction_plain_median_ms": round(statistics.median(plain) * 1000, 3),
        "transaction_audited_median_ms": round(statistics.median(audited) * 1000, 3),
        "audit_write_added_ms": round(
            (statistics.median(audited) - statistics.median(plain)) * 1000, 3
        ),
        "audit_verify_events_per_s": round(result.events_checked / verify_seconds),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name:40} {value}")


if __name__ == "__main__":
    main()
