"""Figure: ``beacon sanitise`` over 5,000 texts of about 1,000 characters, whole process,
with its worker processes (one per CPU core by default).

Goal (issue 11): the sanitiser still handles >= 500 texts/s of 1,000 characters on this
machine with the new recognisers and the learnt reader. ``bench_sanitise.py`` gives the same
work in one process (what one web request pays); this is what a batch gets.

Set-up (not timed): the texts from ``bench_sanitise.build_texts`` in a temporary file. Timed,
best of 2, each a process: ``beacon sanitise texts.txt > out.jsonl``. Anchor in the same run:
the same process with an empty file (imports and the engine built, no text). Throughput is
texts / (run - anchor), and texts / run is printed beside it.

    python benchmarks/bench_sanitise_cli.py [--texts N] [--workers N] [--json]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_sanitise import build_texts  # noqa: E402
from run import report  # noqa: E402

BEACON = Path(sys.executable).with_name("beacon")


def timed(args: list[str], out: Path) -> float:
    started = time.perf_counter()
    with out.open("wb") as sink:
        subprocess.run([str(BEACON), *args], stdout=sink, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=5_000)
    parser.add_argument("--workers", type=int, default=0, help="0: one per core")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        texts = folder / "texts.txt"
        texts.write_text("\n".join(build_texts(args.texts)) + "\n", encoding="utf-8")
        empty = folder / "empty.txt"
        empty.write_text("", encoding="utf-8")
        out = folder / "out.jsonl"
        workers = ["--workers", str(args.workers)]
        anchor = min(timed(["sanitise", *workers, str(empty)], out) for _ in range(2))
        run = min(timed(["sanitise", *workers, str(texts)], out) for _ in range(2))
        lines = sum(1 for _ in out.open(encoding="utf-8"))
    if lines != args.texts:
        raise SystemExit(f"error: {lines} output lines for {args.texts} texts")
    figures = {
        "sanitise_cli_texts_per_s": round(args.texts / max(run - anchor, 1e-9)),
        "sanitise_cli_texts_per_s_with_start": round(args.texts / run),
        "sanitise_cli_run_s": round(run, 2),
        "sanitise_cli_anchor_empty_s": round(anchor, 2),
        "sanitise_cli_workers": args.workers or os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    report(figures, as_json=args.json, goal="goal: >= 500 texts/s of 1,000 characters")


if __name__ == "__main__":
    main()
