"""Repeat and near-repeat victimisation: the Knox test of Ratcliffe's Near Repeat Calculator.

Every pair of events is put in one distance band and one time band; the table of pair counts
is compared with the tables obtained by shuffling the dates over the places (Monte Carlo
permutation). A cell that holds more pairs than chance (Knox ratio > 1, small p) says that
events close in space are also close in time: near repeats.

Bands, checked against the Calculator's own output (``Observed frequencies distribution`` of
its verbose CSV, reproduced exactly by the tests) -- all intervals are half-open:

- rows: "same location" is a distance below 1 m, then ``[1, b)``, ``[b, 2b)``, ...,
  ``[(k-1)b, kb)`` metres and "more than" ``[kb, inf)``, for ``b = distance_band`` and
  ``k = distance_bands``. The Calculator labels these "1 to 100", "101 to 200", ...;
  ``distance_edges`` states the real edges.
- columns: ``[0, t)``, ``[t, 2t)``, ..., ``[(m-1)t, mt)`` whole days apart and ``[mt, inf)``
  (the Calculator's "0 to 7", "8 to 14", ... for ``t = 7``: a pair 7 days apart is in the
  second column).

Distances are Manhattan (the Calculator's default) or Euclidean, in the units of the
coordinates, which must be projected metres.

Speed: the distance band of a pair never changes under a permutation of dates, and the time
band counts over *all* pairs never change either (the multiset of dates is fixed), so only the
pairs closer than the outermost distance edge are re-banded per iteration; the "more than" row
and column follow by subtraction. Close pairs are found on a grid of unique locations with
numpy alone (importing scipy.spatial costs more than the whole test on a city's data).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

import numpy as np

from beacon.analytics.errors import AnalysisInputError

Metric = Literal["manhattan", "euclidean"]
METRICS: tuple[str, ...] = ("manhattan", "euclidean")
METHOD = "knox_permutation"
SAME_LOCATION_M = 1.0
# About 24 bytes per close pair are held while the test runs.
MAX_CLOSE_PAIRS = 50_000_000

_ISO_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_SLASH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


# --------------------------------------------------------------------------------------------
# Input


@dataclass(frozen=True)
class DatedEvents:
    """Events with projected coordinates (metres) and dates as day numbers.

    ``days`` are proleptic Gregorian ordinals (``date.toordinal()``); only differences matter.
    The arrays are made read-only so the value cannot change under a result that used it.
    """

    x: np.ndarray
    y: np.ndarray
    days: np.ndarray
    source: str = ""

    def __post_init__(self) -> None:
        # Copies: freezing must not change the caller's arrays.
        x = np.array(self.x, dtype=np.float64)
        y = np.array(self.y, dtype=np.float64)
        days = np.array(self.days, dtype=np.int64)
        if not (x.ndim == y.ndim == days.ndim == 1) or not (len(x) == len(y) == len(days)):
            raise ValueError("x, y and days must be one-dimensional arrays of the same length")
        for name, array in (("x", x), ("y", y), ("days", days)):
            array.flags.writeable = False
            object.__setattr__(self, name, array)

    def __len__(self) -> int:
        return len(self.x)


def read_calculator_csv(path: str | Path) -> DatedEvents:
    """Read the Near Repeat Calculator's input CSV: ``x, y, date`` per line.

    - x and y are projected coordinates in metres (any finite numbers; a file whose every
      point looks like longitude/latitude is refused, because distances in degrees would be
      meaningless).
    - Dates: ``YYYY-MM-DD`` always. Slash dates (``DD/MM/YYYY`` or ``MM/DD/YYYY``, as the
      Calculator itself writes) are accepted only when the file settles the order: some date
      has a first number above 12 (day first) or a second number above 12 (month first), and
      no date contradicts it. A file whose slash dates all have both numbers <= 12 is refused
      as ambiguous rather than guessed.
    - A header row is allowed: the first line is a header when neither its first nor its
      second field is a number. Blank lines are skipped. Encoding UTF-8 (a BOM is fine).
    - Every line must have exactly three fields.

    Raises ``AnalysisInputError`` naming the file, the line and the reason.
    """
    path = Path(path)
    name = str(path)
    try:
        handle = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise AnalysisInputError(f"cannot read the file ({exc.strerror})", file=name) from exc
    xs: list[float] = []
    ys: list[float] = []
    day_numbers: list[int] = []
    # Slash dates wait until the whole file has said which order it uses.
    slash: list[tuple[int, int, int, int, int, str]] = []  # (index, line, a, b, year, text)
    iso_cache: dict[str, int] = {}
    seen_data = False
    first_line = True
    with handle:
        try:
            reader = csv.reader(handle)
            for row in reader:
                line = reader.line_num
                if not row or all(not cell.strip() for cell in row):
                    continue
                if first_line:
                    first_line = False
                    if _number(row[0]) is None and (len(row) < 2 or _number(row[1]) is None):
                        continue  # a header
                if len(row) != 3:
                    raise AnalysisInputError(
                        f"expected 3 fields (x, y, date), found {len(row)}", file=name, line=line
                    )
                x = _coordinate(row[0], "x", name, line)
                y = _coordinate(row[1], "y", name, line)
                text = row[2].strip()
                xs.append(x)
                ys.append(y)
                seen_data = True
                if text in iso_cache:
                    day_numbers.append(iso_cache[text])
                elif _ISO_DATE.match(text):
                    iso_cache[text] = _iso_day(text, name, line)
                    day_numbers.append(iso_cache[text])
                elif match := _SLASH_DATE.match(text):
                    a, b, year = (int(part) for part in match.groups())
                    slash.append((len(day_numbers), line, a, b, year, text))
                    day_numbers.append(0)
                else:
                    raise AnalysisInputError(
                        f"date {text!r} is not YYYY-MM-DD (or DD/MM/YYYY, MM/DD/YYYY)",
                        file=name,
                        line=line,
                    )
        except UnicodeDecodeError as exc:
            raise AnalysisInputError(
                "the file is not UTF-8 text", file=name, line=reader.line_num + 1
            ) from exc
        except csv.Error as exc:
            raise AnalysisInputError(f"not a CSV file ({exc})", file=name) from exc
    if not seen_data:
        raise AnalysisInputError("the file has no events (x, y, date lines)", file=name)
    if slash:
        _resolve_slash_dates(slash, day_numbers, name)
    x_arr = np.array(xs, dtype=np.float64)
    y_arr = np.array(ys, dtype=np.float64)
    if len(xs) >= 2 and np.all(np.abs(x_arr) <= 180) and np.all(np.abs(y_arr) <= 90):
        raise AnalysisInputError(
            "every coordinate looks like longitude/latitude; the Knox test needs projected "
            "metres (e.g. British National Grid eastings and northings)",
            file=name,
        )
    return DatedEvents(x=x_arr, y=y_arr, days=np.array(day_numbers, dtype=np.int64), source=name)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _coordinate(text: str, axis: str, name: str, line: int) -> float:
    value = _number(text.strip())
    if value is None:
        shown = text.strip() or "(empty)"
        raise AnalysisInputError(
            f"{axis} coordinate {shown!r} is not a number", file=name, line=line
        )
    return value


def _iso_day(text: str, name: str, line: int) -> int:
    year, month, day = (int(part) for part in text.split("-"))
    try:
        return date(year, month, day).toordinal()
    except ValueError as exc:
        raise AnalysisInputError(
            f"date {text!r} does not exist ({exc})", file=name, line=line
        ) from None


def _resolve_slash_dates(
    slash: list[tuple[int, int, int, int, int, str]], day_numbers: list[int], name: str
) -> None:
    day_first = next((s for s in slash if s[2] > 12), None)
    month_first = next((s for s in slash if s[3] > 12), None)
    if day_first and month_first:
        later, earlier = sorted((day_first, month_first), key=lambda s: s[1], reverse=True)
        raise AnalysisInputError(
            f"date {later[5]!r} contradicts {earlier[5]!r} on line {earlier[1]} (one is day/month, "
            "the other month/day); write dates as YYYY-MM-DD",
            file=name,
            line=later[1],
        )
    if not day_first and not month_first:
        first = slash[0]
        raise AnalysisInputError(
            f"cannot tell whether {first[5]!r} is day/month or month/day (no date in the file has "
            "a number above 12 to settle it); write dates as YYYY-MM-DD",
            file=name,
            line=first[1],
        )
    for index, line, a, b, year, text in slash:
        day, month = (a, b) if day_first else (b, a)
        try:
            day_numbers[index] = date(year, month, day).toordinal()
        except ValueError as exc:
            order = "DD/MM/YYYY" if day_first else "MM/DD/YYYY"
            raise AnalysisInputError(
                f"date {text!r} does not exist read as {order} ({exc})", file=name, line=line
            ) from None


# --------------------------------------------------------------------------------------------
# Knox test


@dataclass(frozen=True)
class KnoxResult:
    """Tables of the Knox test in the Calculator's layout (rows distance, columns time).

    ``observed`` (int), ``expected_mean`` (mean over the permutations), ``knox_ratio``
    (observed / expected mean; NaN where the mean is 0) and ``p_value`` ((number of
    permutations with a count >= observed, + 1) / (iterations + 1)) are arrays of shape
    (distance_bands + 2, time_bands + 1). Row ``r`` covers distances
    ``[distance_edges[r], distance_edges[r + 1])`` and the last row ``[distance_edges[-1], inf)``;
    columns likewise with ``time_edges`` in days. ``simulated`` holds every permutation's table.
    """

    observed: np.ndarray
    expected_mean: np.ndarray
    knox_ratio: np.ndarray
    p_value: np.ndarray
    simulated: np.ndarray
    distance_edges: tuple[float, ...]
    time_edges: tuple[int, ...]
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    parameters: dict[str, Any] = field(default_factory=dict)
    events: int = 0
    pairs: int = 0
    close_pairs: int = 0
    method: str = METHOD

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: each table as row labels, column labels and values (NaN -> None)."""

        def table(values: np.ndarray, as_int: bool = False) -> dict[str, Any]:
            rows = [
                [int(v) if as_int else (None if math.isnan(v) else float(v)) for v in row]
                for row in values.tolist()
            ]
            return {
                "row_labels": list(self.row_labels),
                "column_labels": list(self.column_labels),
                "values": rows,
            }

        return {
            "method": self.method,
            "parameters": dict(self.parameters),
            "observed": table(self.observed, as_int=True),
            "expected_mean": table(self.expected_mean),
            "knox_ratio": table(self.knox_ratio),
            "p_value": table(self.p_value),
            "distance_edges": list(self.distance_edges),
            "time_edges": list(self.time_edges),
            "events": self.events,
            "pairs": self.pairs,
            "close_pairs": self.close_pairs,
        }


def p_values(observed: np.ndarray, simulated: np.ndarray) -> np.ndarray:
    """Monte Carlo p-values: (permutations with count >= observed, + 1) / (permutations + 1).

    ``simulated`` has the permutations on its first axis. This is the Calculator's rule: its
    verbose output for 19 permutations ("20 iterations") gives 0.05 when no permutation
    reaches the observed count.
    """
    reached = np.count_nonzero(simulated >= observed[None, ...], axis=0)
    return (reached + 1) / (simulated.shape[0] + 1)


def knox_test(
    events: DatedEvents,
    *,
    distance_band: float = 100.0,
    distance_bands: int = 3,
    time_band: int = 7,
    time_bands: int = 3,
    metric: str = "manhattan",
    iterations: int = 99,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
) -> KnoxResult:
    """The Knox test with Monte Carlo permutations, as Ratcliffe's Near Repeat Calculator.

    Parameters: ``distance_band`` (metres, > 1 because "same location" is below 1 m) and
    ``distance_bands`` (how many bands before "more than"); ``time_band`` (whole days) and
    ``time_bands``; ``metric`` "manhattan" or "euclidean"; ``iterations`` permutations of the
    dates over the places drawn from ``numpy.random.default_rng(seed)`` (the Calculator's
    "20 iterations" are 19 permutations here). ``progress`` is called with the number of
    permutations done so far. Raises ``AnalysisInputError`` for bad options or < 2 events.
    """
    check_knox_options(
        distance_band=distance_band,
        distance_bands=distance_bands,
        time_band=time_band,
        time_bands=time_bands,
        metric=metric,
        iterations=iterations,
    )
    if len(events) < 2:
        raise AnalysisInputError(
            f"the Knox test needs at least 2 events, found {len(events)}",
            file=events.source or None,
        )
    n = len(events)
    bands = (float(distance_band) * k for k in range(1, distance_bands + 1))
    distance_edges = (0.0, SAME_LOCATION_M, *bands)
    time_edges = tuple(int(time_band) * k for k in range(time_bands + 1))
    close = _close_pairs(events.x, events.y, distance_edges, metric)
    days = events.days[close.order]
    span = int(days.max() - days.min())
    day_type = np.int16 if span < 2**15 else np.int32
    rel_days = (days - days.min()).astype(day_type)
    all_cum = _all_pairs_cumulative(rel_days, time_edges[1:])
    total_pairs = n * (n - 1) // 2

    counter = _Counter(close, time_edges[1:], total_pairs, all_cum)
    observed = counter.table(rel_days)

    rng = np.random.default_rng(seed)
    simulated = np.empty((iterations, *observed.shape), dtype=np.int64)
    for done in range(iterations):
        simulated[done] = counter.table(rel_days[rng.permutation(n)])
        if progress is not None:
            progress(done + 1)

    expected = simulated.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, observed / np.where(expected > 0, expected, 1), np.nan)
    parameters = {
        "distance_band": float(distance_band),
        "distance_bands": int(distance_bands),
        "time_band": int(time_band),
        "time_bands": int(time_bands),
        "metric": metric,
        "iterations": int(iterations),
        "seed": int(seed),
        "same_location_m": SAME_LOCATION_M,
        "distance_unit": "metres",
        "time_unit": "days",
        "source": events.source,
    }
    return KnoxResult(
        observed=observed,
        expected_mean=expected,
        knox_ratio=ratio,
        p_value=p_values(observed, simulated),
        simulated=simulated,
        distance_edges=distance_edges,
        time_edges=time_edges,
        row_labels=_distance_labels(distance_edges),
        column_labels=_time_labels(time_edges),
        parameters=parameters,
        events=n,
        pairs=total_pairs,
        close_pairs=close.size,
    )


def check_knox_options(
    *,
    distance_band: float,
    distance_bands: int,
    time_band: int,
    time_bands: int,
    metric: str,
    iterations: int,
) -> None:
    """Raise ``AnalysisInputError`` (naming the CLI option) for options the test cannot use."""
    if metric not in METRICS:
        raise AnalysisInputError(
            f"unknown metric {metric!r}; use {' or '.join(METRICS)}", option="--metric"
        )
    if not math.isfinite(distance_band) or distance_band <= SAME_LOCATION_M:
        raise AnalysisInputError(
            f"must be more than {SAME_LOCATION_M:g} m (distances below that are 'same "
            f"location'), not {distance_band:g}",
            option="--distance-band",
        )
    for option, value in (
        ("--distance-bands", distance_bands),
        ("--time-band", time_band),
        ("--time-bands", time_bands),
        ("--iterations", iterations),
    ):
        if int(value) != value or value < 1:
            raise AnalysisInputError(
                f"must be a whole number of at least 1, not {value}", option=option
            )


def _distance_labels(edges: tuple[float, ...]) -> tuple[str, ...]:
    labels = ["Same location"]
    labels += [f"{lo:g} to <{hi:g} m" for lo, hi in pairwise(edges[1:])]
    labels.append(f"{edges[-1]:g} m or more")
    return tuple(labels)


def _time_labels(edges: tuple[int, ...]) -> tuple[str, ...]:
    labels = [f"{lo} to {hi - 1} days" for lo, hi in pairwise(edges)]
    labels.append(f"{edges[-1]} days or more")
    return tuple(labels)


@dataclass(frozen=True)
class _ClosePairs:
    """Event pairs closer than the outermost distance edge, grouped by distance band.

    Events are indexed in ``order`` (sorted by location, so each location's events are
    contiguous). The pairs come in *runs*: run ``r`` pairs event ``run_i[r]`` with the
    ``run_len[r]`` events ``j[k]`` at the run's positions. Storing the first member per run
    lets a table repeat dates (``np.repeat``) instead of gathering them, which is about five
    times faster. Pairs of band ``b`` are at positions ``starts[b]:starts[b + 1]``.
    """

    order: np.ndarray
    run_i: np.ndarray
    run_len: np.ndarray
    j: np.ndarray
    starts: np.ndarray

    @property
    def size(self) -> int:
        return len(self.j)

    def first(self) -> np.ndarray:
        """The first event of every pair (the partner of ``j``)."""
        return np.repeat(self.run_i, self.run_len)


def _close_pairs(
    x: np.ndarray, y: np.ndarray, distance_edges: tuple[float, ...], metric: str
) -> _ClosePairs:
    """All event pairs with distance < the last edge, banded by ``distance_edges[1:-1]``."""
    n = len(x)
    # Unique locations first: published points are snapped, so many events share coordinates.
    order = np.lexsort((y, x))
    xs, ys = x[order], y[order]
    new = np.ones(n, dtype=bool)
    new[1:] = (xs[1:] != xs[:-1]) | (ys[1:] != ys[:-1])
    loc_start = np.flatnonzero(new)
    loc_count = np.diff(np.append(loc_start, n))
    lx, ly = xs[loc_start], ys[loc_start]

    radius = distance_edges[-1]
    u, v, dist = _location_pairs(lx, ly, radius, metric)
    inner = np.asarray(distance_edges[1:-1])  # band b: inner[b-1] <= d < inner[b]
    band = np.searchsorted(inner, dist, side="right")
    by_band = np.argsort(band, kind="stable")
    u, v, band = u[by_band], v[by_band], band[by_band]

    groups = np.flatnonzero(loc_count > 1)
    same_pairs = loc_count[groups] * (loc_count[groups] - 1) // 2
    cross_pairs = loc_count[u] * loc_count[v]
    total = int(same_pairs.sum() + cross_pairs.sum())
    if total > MAX_CLOSE_PAIRS:
        raise AnalysisInputError(
            f"{total:,} pairs of events lie within {radius:g} m of each other (the limit is "
            f"{MAX_CLOSE_PAIRS:,}); use fewer or narrower distance bands, or a shorter period",
            option="--distance-band",
        )
    # Runs within one location (distance 0, band 0) come first: member r of a location with
    # m events pairs with members r+1 .. m-1.
    size = loc_count[groups]
    owner = np.repeat(np.arange(len(groups)), size - 1)
    rank = np.arange(len(owner)) - np.repeat(np.cumsum(size - 1) - (size - 1), size - 1)
    same_i = loc_start[groups][owner] + rank
    same_len = size[owner] - 1 - rank
    same_j0 = same_i + 1
    # Then runs between locations, by band: each event at u pairs with every event at v.
    owner = np.repeat(np.arange(len(u)), loc_count[u])
    rank = np.arange(len(owner)) - np.repeat(np.cumsum(loc_count[u]) - loc_count[u], loc_count[u])
    cross_i = loc_start[u][owner] + rank
    cross_len = loc_count[v][owner]
    cross_j0 = loc_start[v][owner]

    run_i = np.concatenate([same_i, cross_i]).astype(np.intp)
    run_len = np.concatenate([same_len, cross_len]).astype(np.intp)
    run_j0 = np.concatenate([same_j0, cross_j0]).astype(np.intp)
    run_pos = np.cumsum(run_len) - run_len
    j = np.arange(total, dtype=np.intp) + np.repeat(run_j0 - run_pos, run_len)

    counts = np.zeros(len(distance_edges) - 1, dtype=np.int64)
    counts[0] = same_pairs.sum()
    np.add.at(counts, band, cross_pairs)
    starts = np.concatenate([[0], np.cumsum(counts)])
    return _ClosePairs(order=order, run_i=run_i, run_len=run_len, j=j, starts=starts)


def _location_pairs(
    lx: np.ndarray, ly: np.ndarray, radius: float, metric: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (u < v) of distinct locations closer than ``radius``, with their distances.

    A grid of square cells a little wider than radius/2: only cells whose nearest points can be
    closer than ``radius`` are compared (the margin keeps floating-point cell assignment safe).
    """
    per_radius = 2
    size = radius / per_radius + 1e-6
    cx = np.floor((lx - lx.min()) / size).astype(np.int64)
    cy = np.floor((ly - ly.min()) / size).astype(np.int64) + per_radius
    width = int(cy.max()) + per_radius + 1
    key = cx * width + cy
    by_cell = np.argsort(key, kind="stable")
    key_sorted = key[by_cell]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key_sorted[1:] != key_sorted[:-1]
    cell_start = np.flatnonzero(first)
    cell_count = np.diff(np.append(cell_start, len(key)))
    cell_key = key_sorted[cell_start]

    us: list[np.ndarray] = []
    vs: list[np.ndarray] = []
    # Within a cell.
    wi, wj = _within_groups(cell_start, cell_count)
    us.append(wi)
    vs.append(wj)
    # Each neighbouring cell once: offsets in one half-plane.
    for dx in range(0, per_radius + 2):
        for dy in range(-per_radius - 1, per_radius + 2):
            if dx == 0 and dy <= 0:
                continue
            gap_x = max(abs(dx) - 1, 0) * size
            gap_y = max(abs(dy) - 1, 0) * size
            gap = gap_x + gap_y if metric == "manhattan" else math.hypot(gap_x, gap_y)
            if gap >= radius:
                continue
            target = cell_key + dx * width + dy
            at = np.searchsorted(cell_key, target)
            at_clipped = np.minimum(at, len(cell_key) - 1)
            hit = cell_key[at_clipped] == target
            a, b = np.flatnonzero(hit), at_clipped[hit]
            bi, bj = _between_groups(cell_start[a], cell_count[a], cell_start[b], cell_count[b])
            us.append(bi)
            vs.append(bj)
    pu = by_cell[np.concatenate(us)]
    pv = by_cell[np.concatenate(vs)]
    dx_ = np.abs(lx[pu] - lx[pv])
    dy_ = np.abs(ly[pu] - ly[pv])
    dist = dx_ + dy_ if metric == "manhattan" else np.hypot(dx_, dy_)
    keep = dist < radius
    pu, pv, dist = pu[keep], pv[keep], dist[keep]
    swap = pu > pv
    pu, pv = np.where(swap, pv, pu), np.where(swap, pu, pv)
    return pu, pv, dist


def _between_groups(
    start_a: np.ndarray, count_a: np.ndarray, start_b: np.ndarray, count_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every (member of group a, member of group b) for each listed pair of groups."""
    sizes = count_a * count_b
    total = int(sizes.sum())
    if total == 0:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty
    which = np.repeat(np.arange(len(sizes)), sizes)
    local = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    width = count_b[which]
    i = start_a[which] + local // width
    j = start_b[which] + local % width
    return i.astype(np.intp), j.astype(np.intp)


def _within_groups(start: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (i < j) of members within each group."""
    i, j = _between_groups(start, count, start, count)
    keep = i < j
    return i[keep], j[keep]


def _all_pairs_cumulative(days: np.ndarray, edges: tuple[int, ...]) -> np.ndarray:
    """For each edge e, the number of pairs of all events fewer than e days apart."""
    hist = np.bincount(days.astype(np.intp)).astype(np.int64)
    by_lag = np.zeros(max(edges), dtype=np.int64)
    by_lag[0] = int((hist * (hist - 1) // 2).sum())
    for lag in range(1, min(max(edges), len(hist))):
        by_lag[lag] = int(np.dot(hist[:-lag], hist[lag:]))
    cumulative = np.cumsum(by_lag)
    return np.array([cumulative[e - 1] for e in edges], dtype=np.int64)


class _Counter:
    """Counts one table for one assignment of dates to events (thread-safe: no shared state)."""

    def __init__(
        self, close: _ClosePairs, edges: tuple[int, ...], total_pairs: int, all_cum: np.ndarray
    ) -> None:
        self.close = close
        self.edges = edges
        self.total_pairs = total_pairs
        self.all_cum = all_cum
        self.band_totals = np.diff(close.starts)

    def table(self, days: np.ndarray) -> np.ndarray:
        close = self.close
        bands = len(self.band_totals)
        cum = np.empty((bands + 1, len(self.edges) + 1), dtype=np.int64)
        gap = np.repeat(np.take(days, close.run_i), close.run_len)
        gap -= np.take(days, close.j, mode="clip")
        np.abs(gap, out=gap)
        for band in range(bands):
            part = gap[close.starts[band] : close.starts[band + 1]]
            for column, edge in enumerate(self.edges):
                cum[band, column] = np.count_nonzero(part < edge)
        cum[:bands, -1] = self.band_totals
        # The "more than" row: everything not close, by subtraction from all pairs.
        cum[bands, :-1] = self.all_cum - cum[:bands, :-1].sum(axis=0)
        cum[bands, -1] = self.total_pairs - int(self.band_totals.sum())
        return np.diff(cum, axis=1, prepend=0)


# --------------------------------------------------------------------------------------------
# Repeat locations


@dataclass(frozen=True)
class RepeatPlace:
    """One place with at least one repeat: ``repeats`` of its ``events`` followed an earlier
    event there (of the same type, when types are given) within the window."""

    key: Hashable
    type: str | None
    events: int
    repeats: int
    first: int
    last: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": list(self.key) if isinstance(self.key, tuple) else self.key,
            "type": self.type,
            "events": self.events,
            "repeats": self.repeats,
            "first": self.first,
            "last": self.last,
        }


@dataclass(frozen=True)
class RepeatLocations:
    """Repeat locations: places with 2+ events within ``window`` time units of each other.

    ``places`` lists every place with a repeat, most repeats first; ``by_type`` gives, per type
    (``None`` when no types were given), the events, the repeat events and the number of
    repeat places.
    """

    places: tuple[RepeatPlace, ...]
    by_type: tuple[dict[str, Any], ...]
    window: int
    unit: str
    events: int
    locations: int
    method: str = "repeat_locations"

    @property
    def repeat_events(self) -> int:
        return sum(place.repeats for place in self.places)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "parameters": {"window": self.window, "unit": self.unit},
            "events": self.events,
            "locations": self.locations,
            "repeat_locations": len(self.places),
            "repeat_events": self.repeat_events,
            "by_type": [dict(row) for row in self.by_type],
            "places": [place.to_dict() for place in self.places],
        }


def repeat_locations(
    keys: Sequence[Hashable],
    times: Sequence[int] | np.ndarray,
    *,
    window: int,
    types: Sequence[str] | None = None,
    unit: str = "days",
) -> RepeatLocations:
    """Find places victimised again within ``window`` time units.

    ``keys`` identify the place of each event: exact coordinates as a tuple ``(x, y)`` or a
    location key (a street, an address, a data.police.uk location). ``times`` are whole
    numbers in ``unit``: day numbers, or month indices (``year * 12 + month``) for monthly data
    such as data.police.uk's. An event is a *repeat* when an earlier event at the same place
    (and of the same type, if ``types`` is given) happened at most ``window`` units before it,
    so ``window=0`` counts repeats on the same day (or in the same month). A repeat location is
    a place with at least one repeat, i.e. 2+ events within the window.
    """
    n = len(keys)
    if len(times) != n or (types is not None and len(types) != n):
        raise AnalysisInputError("keys, times and types must have one value per event")
    if int(window) != window or window < 0:
        raise AnalysisInputError(
            f"must be a whole number of at least 0, not {window}", option="--window"
        )
    time_array = np.asarray(times)
    if n and not np.issubdtype(time_array.dtype, np.integer):
        raise AnalysisInputError(f"times must be whole {unit}, not {time_array.dtype} values")
    time_array = time_array.astype(np.int64)
    key_codes, key_values = _factorise(keys)
    type_codes, type_values = (
        _factorise(types) if types is not None else (np.zeros(n, np.int64), [None])
    )

    group = type_codes * max(len(key_values), 1) + key_codes
    order = np.lexsort((time_array, group))
    g, t = group[order], time_array[order]
    repeat = np.zeros(n, dtype=bool)
    repeat[1:] = (g[1:] == g[:-1]) & (t[1:] - t[:-1] <= window)

    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if n else np.empty(0, np.intp)
    ends = np.r_[starts[1:], n]
    repeats_per_group = np.add.reduceat(repeat.astype(np.int64), starts) if n else starts
    places: list[RepeatPlace] = []
    for start, end, repeats in zip(starts, ends, repeats_per_group, strict=True):
        if repeats:
            code = int(g[start])
            places.append(
                RepeatPlace(
                    key=key_values[code % max(len(key_values), 1)],
                    type=type_values[code // max(len(key_values), 1)],
                    events=int(end - start),
                    repeats=int(repeats),
                    first=int(t[start]),
                    last=int(t[end - 1]),
                )
            )
    places.sort(key=lambda p: (-p.repeats, -p.events, str(p.type), str(p.key)))

    by_type: list[dict[str, Any]] = []
    for code, value in enumerate(type_values):
        mine = type_codes == code
        by_type.append(
            {
                "type": value,
                "events": int(mine.sum()),
                "repeat_events": sum(p.repeats for p in places if p.type == value),
                "repeat_locations": sum(1 for p in places if p.type == value),
            }
        )
    by_type.sort(key=lambda row: (-row["repeat_events"], str(row["type"])))
    return RepeatLocations(
        places=tuple(places),
        by_type=tuple(by_type),
        window=int(window),
        unit=unit,
        events=n,
        locations=len(key_values),
    )


def _factorise(values: Sequence[Any]) -> tuple[np.ndarray, list[Any]]:
    """Codes 0.. in order of first appearance, and the distinct values."""
    index: dict[Any, int] = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values), np.int64, len(values))
    return codes, list(index)
