"""Start-up time of the ``beacon`` command: ``beacon --help``, ``beacon version`` and a group's
``--help`` (``beacon audit --help``), each timed as a whole process (interpreter start, imports,
output), best and median of N runs after one warm-up run. Goal: ``beacon --help`` at most 0.3 s.

Python without bytecode caches (``PYTHONDONTWRITEBYTECODE`` set and no ``__pycache__`` in the
environment) compiles every imported module on each start, which costs far more than the
imports themselves; ``bytecode_cache`` in the output says whether caches were in use.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

COMMANDS: dict[str, list[str]] = {
    "help": ["--help"],
    "version": ["version"],
    "group_help": ["audit", "--help"],
}


def beacon_command() -> list[str]:
    """The installed console script next to this interpreter, else the same entry point."""
    script = Path(sys.executable).parent / "beacon"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from beacon.cli import app; app(prog_name='beacon')"]


def time_process(command: list[str], runs: int) -> list[float]:
    """Seconds per run of ``command`` (output discarded; a failing run is an error)."""
    subprocess.run(command, check=True, capture_output=True)  # warm the disk cache
    seconds: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        seconds.append(time.perf_counter() - started)
    return seconds


def bytecode_cache() -> bool:
    """Whether the runs could use cached bytecode (typer's is looked at as a sample)."""
    if not os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return True  # the warm-up run writes the caches
    prefix = os.environ.get("PYTHONPYCACHEPREFIX")
    if prefix:
        return any(Path(prefix).rglob("typer/__init__*.pyc"))
    cache = Path(sysconfig.get_paths()["purelib"]) / "typer" / "__pycache__"
    return cache.is_dir() and any(cache.glob("*.pyc"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    beacon = beacon_command()
    figures: dict[str, object] = {}
    for name, extra in COMMANDS.items():
        seconds = time_process([*beacon, *extra], args.runs)
        figures[f"cli_{name}_best_s"] = round(min(seconds), 3)
        figures[f"cli_{name}_median_s"] = round(statistics.median(seconds), 3)
    figures["bytecode_cache"] = bytecode_cache()
    figures["load_average_1min"] = round(os.getloadavg()[0], 2)
    if args.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name:40} {value}")


if __name__ == "__main__":
    main()
