"""Sanitiser throughput: analyse + redact on texts of about 1,000 characters built from the
evaluation set (whole reports joined with a space, so every text carries the set's density of
phone numbers, postcodes, registrations and self-references). Goal: at least 500 texts/s.

Reports wall-clock texts/s in one process and the same per CPU-second of that process (what
an otherwise idle core gives: the wall figure drops when other jobs share the machine, so the
1-minute load average is printed too), latency per text, and the cold start (importing
Presidio and building the engine, which ``get_sanitiser()`` pays once per process).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import statistics
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from beacon.sanitise.detect import Sanitiser

TARGET_CHARS = 1_000


def build_texts(count: int, seed: int = 1000) -> list[str]:
    """``count`` texts of 950-1,050 characters made of whole evaluation reports."""
    from beacon.sanitise.evaluate import default_path, load_items

    reports = [item.text for item in load_items(default_path())]
    rng = random.Random(seed)
    texts: list[str] = []
    while len(texts) < count:
        rng.shuffle(reports)
        current = ""
        for report in reports:
            candidate = f"{current} {report}" if current else report
            if len(candidate) > TARGET_CHARS + 50:
                continue
            current = candidate
            if len(current) >= TARGET_CHARS - 50:
                texts.append(current)
                current = ""
                if len(texts) == count:
                    break
    return texts


def _run(sanitiser: Sanitiser, texts: list[str]) -> int:
    redactions = 0
    for text in texts:
        findings = sanitiser.analyse(text)
        sanitiser.redact(text, findings)
        redactions += len(findings)
    return redactions


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    # Cold start: importing Presidio and building the engine (what get_sanitiser() costs once).
    started = time.perf_counter()
    detect = importlib.import_module("beacon.sanitise.detect")
    sanitiser = detect.get_sanitiser()
    build_seconds = time.perf_counter() - started

    from beacon.sanitise.evaluate import default_path

    texts = build_texts(args.texts)
    warm = build_texts(50, seed=7)
    _run(sanitiser, warm)
    wall: list[float] = []
    cpu: list[float] = []
    per_text_ms: list[float] = []
    for _ in range(args.rounds):
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        _run(sanitiser, texts)
        wall.append(len(texts) / (time.perf_counter() - wall_start))
        cpu.append(len(texts) / (time.process_time() - cpu_start))
    for text in texts[:200]:
        one = time.perf_counter()
        sanitiser.redact(text, sanitiser.analyse(text))
        per_text_ms.append((time.perf_counter() - one) * 1000)
    per_text_ms.sort()

    figures = {
        "sanitise_texts_per_s": round(max(wall)),
        "sanitise_texts_per_cpu_s": round(max(cpu)),
        "sanitise_ms_per_text_p50": round(statistics.median(per_text_ms), 2),
        "sanitise_ms_per_text_p95": round(per_text_ms[int(len(per_text_ms) * 0.95)], 2),
        "sanitise_mean_chars": round(statistics.mean(len(t) for t in texts)),
        "sanitise_engine_build_s": round(build_seconds, 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "eval_set": str(Path(default_path()).name),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name:40} {value}")


if __name__ == "__main__":
    main()
