"""`make bench`: run every benchmark script and print one table of figures.

Each script measures one headline figure and prints JSON with --json; this runner adds the
machine's description so the numbers can be recorded in docs/PERFORMANCE.md.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = sorted(p for p in HERE.glob("bench_*.py"))


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}"


def report(figures: Mapping[str, object], *, as_json: bool, goal: str) -> None:
    """A script's figures: one JSON line for this runner, or a table with the machine and
    the goal for a person."""
    if as_json:
        print(json.dumps(figures))
        return
    print(f"machine: {machine()}")
    for key, value in figures.items():
        print(f"{key:40} {value}")
    print(goal)


def main() -> int:
    print(f"machine: {machine()}")
    failed = 0
    for script in SCRIPTS:
        result = subprocess.run(
            [sys.executable, str(script), "--json"], capture_output=True, text=True
        )
        if result.returncode != 0:
            failed += 1
            print(f"{script.name}: FAILED\n{result.stderr[-2000:]}")
            continue
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        for name, value in figures.items():
            print(f"{script.stem:28} {name:40} {value}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
