#!/usr/bin/env python3
"""Score the sanitiser on its evaluation set: precision, recall, F1 and support per type.

Usage: python3 scripts/evaluate_sanitiser.py [--json] [--holdout | --file PATH] [--misses]
(``beacon sanitise-eval`` does the same from the installed command.)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from beacon.sanitise.evaluate import RECALL_GOALS, default_path, evaluate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--holdout", action="store_true", help="score the held-out texts")
    parser.add_argument("--file", type=Path, help="another evaluation file (same format)")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    path = args.file or (
        default_path().with_name("holdout_set.jsonl") if args.holdout else default_path()
    )
    report = evaluate(path)
    if args.json:
        print(json.dumps(report.to_dict(with_misses=args.misses), indent=2))
    else:
        print(report.table())
        if args.misses:
            for miss in report.misses:
                print(f"{miss.kind:15} {miss.type:22} {miss.id:14} {miss.text!r} {miss.detail}")
    below = [
        kind
        for kind, goal in RECALL_GOALS.items()
        if kind in report.per_type and report.per_type[kind].recall < goal
    ]
    return 1 if below and not args.holdout else 0


if __name__ == "__main__":
    sys.exit(main())
