"""Near-repeat (Knox test) speed: 12,334 events over a city, 3 x 3 bands of 100 m / 7 days,
Manhattan distance, 99 permutations. Goal: the whole ``beacon analyse near-repeat`` process in
at most 0.7 s (a published pure-Python implementation takes 9.6 s on such data).

Reports, best of ``--rounds`` each:
- the pure work in one warm process: reading the CSV and ``knox_test``;
- the whole process ``python -m beacon analyse near-repeat ... --json`` (reported as
  unavailable, with the reason, while the ``analyse`` group is not wired into ``beacon``);
- a process-equivalent: a new Python that builds a bare typer app with only this command and
  runs the same arguments, i.e. what the command costs without the rest of ``beacon``;
- start-up costs on their own: an empty Python, importing the command module (typer), numpy,
  and ``beacon.cli`` (everything ``beacon`` imports before any command runs).
The events come from ``near_repeat_data.py`` (seeded, data.police.uk-like snapped points).
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from near_repeat_data import write_calculator_csv  # noqa: E402

OPTIONS = [
    "--distance-band", "100", "--distance-bands", "3", "--time-band", "7", "--time-bands", "3",
    "--metric", "manhattan", "--iterations", "99", "--seed", "1", "--json",
]  # fmt: skip

# A bare app with only this command, as `beacon analyse` will have it.
EQUIVALENT = """
import sys
import typer
from beacon.analytics.cli_nearrepeat import register
app = typer.Typer()
analyse = typer.Typer()
app.add_typer(analyse, name="analyse")
register(analyse)
app(sys.argv[1:], prog_name="beacon")
"""


def _best_run(command: list[str], rounds: int) -> tuple[float | None, str, str]:
    """Best wall-clock seconds of ``command``; (None, stdout, reason) if it fails."""
    best: float | None = None
    stdout = ""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "0"}
    for _ in range(rounds):
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, env=env)
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            lines = (result.stderr or result.stdout).strip().splitlines() or ["(no output)"]
            return None, "", f"exit {result.returncode}: {lines[-1][:200]}"
        stdout = result.stdout
        best = elapsed if best is None else min(best, elapsed)
    return best, stdout, ""


def _best_python(code: str, rounds: int) -> float:
    seconds, _, reason = _best_run([sys.executable, "-c", code], rounds)
    if seconds is None:
        raise SystemExit(f"python -c {code!r} failed: {reason}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=12_334)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from beacon.analytics.nearrepeat import knox_test, read_calculator_csv

    with tempfile.TemporaryDirectory() as tmp:
        path = write_calculator_csv(Path(tmp) / "city.csv", args.events)

        read_s: list[float] = []
        knox_s: list[float] = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            events = read_calculator_csv(path)
            read_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            result = knox_test(events, iterations=99, seed=1)
            knox_s.append(time.perf_counter() - started)
        reference = json.loads(json.dumps(result.to_dict()))

        process_s, process_out, process_reason = _best_run(
            [sys.executable, "-m", "beacon", "analyse", "near-repeat", "--input", str(path),
             *OPTIONS],
            args.rounds,
        )  # fmt: skip
        equivalent_s, equivalent_out, equivalent_reason = _best_run(
            [sys.executable, "-c", EQUIVALENT, "analyse", "near-repeat", "--input", str(path),
             *OPTIONS],
            args.rounds,
        )  # fmt: skip
        if equivalent_s is None:
            raise SystemExit(f"the process-equivalent failed: {equivalent_reason}")

    figures: dict[str, object] = {
        "near_repeat_events": result.events,
        "near_repeat_close_pairs": result.close_pairs,
        "near_repeat_read_csv_s": round(min(read_s), 4),
        "near_repeat_knox_test_s": round(min(knox_s), 4),
        "near_repeat_function_s": round(min(read_s) + min(knox_s), 4),
        "near_repeat_process_s": (
            round(process_s, 3) if process_s is not None else f"unavailable ({process_reason})"
        ),
        "near_repeat_process_equivalent_s": round(equivalent_s, 3),
        "python_startup_s": round(_best_python("pass", args.rounds), 3),
        "import_command_module_s": round(
            _best_python("import beacon.analytics.cli_nearrepeat", args.rounds), 3
        ),
        "import_numpy_s": round(_best_python("import numpy", args.rounds), 3),
        "import_nearrepeat_s": round(
            _best_python("import beacon.analytics.nearrepeat", args.rounds), 3
        ),
        "import_beacon_cli_s": round(_best_python("import beacon.cli", args.rounds), 3),
        "outputs_match": json.loads(equivalent_out) == reference
        and (process_s is None or json.loads(process_out) == reference),
        "target_process_s": 0.7,
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name:40} {value}")


if __name__ == "__main__":
    main()
