"""Cost of the access decision: per record over 10,000 synthetic records, and filtering a
10,000-row list. Goal: at most 50 µs per decision."""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from dataclasses import dataclass

from beacon.access import Action, Principal, decide, filter_visible
from beacon.auth.permissions import Role


@dataclass(frozen=True, slots=True)
class Record:
    owning_organisation_id: int
    handling_code: str
    handling_conditions: str | None
    submitted_by_user_id: int | None
    restricted: bool


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rng = random.Random(62)
    records = [
        Record(
            owning_organisation_id=rng.randint(1, 12),
            handling_code=rng.choice("PC"),
            handling_conditions=None,
            submitted_by_user_id=rng.randint(1, 500),
            restricted=rng.random() < 0.3,
        )
        for _ in range(args.records)
    ]
    principals = [
        Principal.for_user(7, 1, [role])
        for role in (Role.PARTNER_CONTRIBUTOR, Role.ANALYST, Role.INTELLIGENCE_SUPERVISOR)
    ] + [Principal.for_api_token(3, 1, "intel.read")]
    per_decision: list[float] = []
    for principal in principals:
        for action in Action:
            started = time.perf_counter()
            for record in records:
                decide(principal, record, action)
            per_decision.append((time.perf_counter() - started) / len(records))
    filter_ms: list[float] = []
    for _ in range(5):
        for principal in principals:
            started = time.perf_counter()
            filter_visible(principal, records)
            filter_ms.append((time.perf_counter() - started) * 1000)
    figures = {
        "access_decide_us_per_record": round(statistics.median(per_decision) * 1e6, 2),
        "access_decide_us_worst_case": round(max(per_decision) * 1e6, 2),
        f"access_filter_{args.records}_rows_ms": round(statistics.median(filter_ms), 2),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name:40} {value}")


if __name__ == "__main__":
    main()
