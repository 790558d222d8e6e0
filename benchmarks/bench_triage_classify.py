"""Figure: ``beacon triage classify`` over 10,000 reports, whole process (classify + extract +
link: the command links the entities across its inputs by default).

Goal (issue 11): classify + extract + link >= 200 reports/s on this machine.

Set-up (not timed), in a temporary folder: a database migrated by ``beacon db upgrade``, the
theme model trained by ``beacon triage retrain``, and 10,000 JSON Lines reports made from the
shipped corpus and the independently written test set, each given a distinct phone number,
vehicle registration or postcode so extraction has work on every line. Timed, best of 2, each
a process: ``beacon triage classify reports.jsonl > out.jsonl``. Anchor in the same run: the
same process start with nothing to do (``beacon triage classify empty.txt``: imports, the
model loaded, the themes read, no text).

    python benchmarks/bench_triage_classify.py [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from beacon.triage import classifier

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REPORTS = 10_000


def environment(folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "BEACON_DATABASE_URL": f"sqlite:///{folder / 'beacon.db'}",
        "BEACON_DATA_DIR": str(folder),
        "BEACON_ENVIRONMENT": "test",
    }


def beacon(env: dict[str, str], *args: str, stdout: Path | None = None) -> float:
    started = time.perf_counter()
    with open(stdout or os.devnull, "w", encoding="utf-8") as out:
        result = subprocess.run(
            [sys.executable, "-m", "beacon", *args], env=env, stdout=out,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"beacon {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return elapsed


def texts() -> list[str]:
    sources = list(classifier.corpus_paths())  # the corpus parts, not the relabelling log
    sources.append(ROOT / "tests" / "triage" / "data" / "others_themes.jsonl")
    found = []
    for path in sources:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                found.append(json.loads(line)["text"])
    return found


def write_reports(path: Path) -> None:
    base = texts()
    extras = (
        lambda i: f" call 07700 900{i % 1000:03d}",
        lambda i: f" the car was BD{10 + i % 60:02d} XK{chr(65 + i % 26)}",
        lambda i: f" near LS{1 + i % 28} {1 + i % 9}AB",
    )
    with path.open("w", encoding="utf-8") as out:
        for i in range(REPORTS):
            text = base[i % len(base)] + extras[i % len(extras)](i)
            out.write(json.dumps({"id": i, "text": text}) + "\n")


def measure() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        env = environment(folder)
        beacon(env, "db", "upgrade")
        beacon(env, "triage", "retrain")
        reports = folder / "reports.jsonl"
        write_reports(reports)
        empty = folder / "empty.txt"
        empty.write_text("", encoding="utf-8")
        out = folder / "out.jsonl"
        best = min(beacon(env, "triage", "classify", str(reports), stdout=out) for _ in "12")
        lines = sum(1 for _ in out.open(encoding="utf-8"))
        if lines != REPORTS:
            raise SystemExit(f"expected {REPORTS} output lines, got {lines}")
        anchor = min(beacon(env, "triage", "classify", str(empty)) for _ in "12")
    return {
        "triage_classify_10k_s": round(best, 2),
        "triage_classify_reports_per_s": round(REPORTS / best),
        "anchor_classify_nothing_s": round(anchor, 2),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from run import report

    report(measure(), as_json=args.json, goal="goal: classify + extract + link >= 200 reports/s")


if __name__ == "__main__":
    main()
