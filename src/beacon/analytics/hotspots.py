"""Hot and cold spots: Getis-Ord Gi* on area counts, and on an H3 hexagon surface of points.

Statistic: PySAL esda's ``G_Local(y, w, star=True, transform=..., permutations=...,
seed=...)``, binary queen contiguity with a self weight of 1 (Gi*: the area's own count is part
of its neighbourhood sum), transform ``"B"`` (binary, the Getis-Ord default) or ``"R"``
(row-standardised, self included: each of an area's k neighbours and itself weigh 1/(k+1)).

Per area the result gives:

- ``z``: esda ``Zs``, the Gi* z-score (moments under randomisation, normal approximation);
- ``p_norm``: esda's analytical p, ``norm.sf(|z|)``, **one-sided**;
- ``p``: esda's permutation pseudo p-value ``p_sim``, exactly as esda computes it: one-sided
  towards the side the observed value lies on (esda's "directed" alternative, which esda itself
  calls uniformly too small), from *conditional* permutations -- the area's own count held
  fixed, its neighbours' counts drawn from the other areas without replacement -- seeded;
- ``p_two_sided``: the two-sided p that drives the class, by ``significance``:

  - ``"permutation"`` (default): from the same permutations (esda ``calculate_significance``,
    ``greater`` and ``lesser``), ``min(1, 2 * min(p_greater, p_lesser))``, where a permuted
    value *equal* to the observed one counts as at least as extreme. esda's ``p`` does not
    count ties that way: when most permutations tie the observed value (sparse counts, the
    empty cells around an H3 surface, an island whose permutations all equal its own count)
    it reports the smallest possible p (0.001 with 999 permutations); on a lattice with 91%
    zero counts it called 732 of 1,600 areas cold spots at p <= 0.01 where the tie-aware p
    found 6. So ``p`` is reported, never used for the class;
  - ``"normal"``: ``min(1, 2 * p_norm)``, the z-score's two-sided normal p (the convention of
    ArcGIS's Hot Spot Analysis). No permutation limit on how small p can be, and the area's
    own count counts, but the normal approximation flatters hot spots when counts are skewed;

- ``p_adjusted``: Benjamini-Hochberg over all areas of ``p_two_sided``
  (``scipy.stats.false_discovery_control``), or ``p_two_sided`` itself with ``fdr=False``;
- ``class``: "hot 99%" when ``p_adjusted <= 0.01`` and ``z > 0`` ("cold" for ``z < 0``), likewise
  95% (0.05) and 90% (0.10); otherwise "not significant". With permutations the observed value
  must also lie in the matching tail of its permutations: an area whose z and permutations
  point opposite ways (a high count among unusually low neighbours) is not significant and is
  listed in ``direction_conflicts``.

What the permutations test: esda holds the area's own count fixed, so the permutation p asks
whether the *neighbours* are unusual given the area; with ``"R"`` every weight in a row is
equal, so the permutation p (and the class) is the same as with ``"B"`` and only z changes.

Resolution: the smallest permutation ``p_two_sided`` is ``2 / (permutations + 1)`` (0.002 with
999), so after the false-discovery correction over n areas a level is reached only when at least
``0.002 * n / alpha`` areas are that extreme (Derby's 151 LSOAs: 31 for 99%, 4 for 90%; all
32,844 English LSOAs: 6,569 and 657). The result says so (``fdr_areas_needed`` and a warning).
On the benchmark's clustered 32,844-area lattice, 999 permutations found no significant area
where ``"normal"`` found 792 hot spots: national runs want more permutations or ``"normal"``.
More permutations raise it, at 8 bytes x areas x permutations of memory (esda keeps them).

Islands (areas without a neighbour in the selection) stay in the analysis -- their counts are
part of the mean and variance every z uses -- but cannot be hot or cold: their neighbourhood is
themselves alone (every permutation equals the observed value), so ``p_two_sided`` is set to 1.
Their ``z`` (esda's, from their own count alone) is reported but means nothing spatial; a
warning names them.

Results are in the order of ``codes``. esda draws permutations by position, so the same data in
another order gives other ``p`` values for the same seed: callers keep one order (sorted codes).
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

import h3
import numpy as np
from esda.getisord import G_Local
from esda.significance import calculate_significance
from scipy.stats import false_discovery_control

from beacon.analytics.contiguity import weights_from_pairs
from beacon.analytics.errors import AnalysisInputError

METHOD = "getis_ord_gi_star"
MIN_AREAS = 3
MAX_PERMUTATIONS = 99_999
MIN_PERMUTATIONS = 99
# Permuted values esda keeps when they decide the class (8 bytes each; its summary statistics
# need about as much again): 3.2 GB, 9,999 permutations of every English LSOA.
MAX_KEPT_VALUES = 400_000_000
DEFAULT_SEED = 12345
DEFAULT_ALPHA_LEVELS = (0.01, 0.05, 0.10)
NOT_SIGNIFICANT = "not significant"
TRANSFORMS = ("B", "R")
SIGNIFICANCE = ("permutation", "normal")
QUEEN = "queen contiguity (boundaries sharing a vertex), binary"

_TWO_SIDED = {
    "permutation": "min(1, 2 * min(p_greater, p_lesser)) from the same permutations "
    "(esda calculate_significance; a tie counts as at least as extreme)",
    "normal": "min(1, 2 * p_norm): the z-score's two-sided normal p",
}


@dataclass(frozen=True)
class AreaHotspot:
    """One area's Gi* result; see the module docstring for each p-value."""

    area: str
    count: float
    z: float
    p: float
    p_norm: float
    p_two_sided: float
    p_adjusted: float
    category: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "area": self.area,
            "count": _number(self.count),
            "z": _finite(self.z),
            "p": self.p,
            "p_norm": _finite(self.p_norm),
            "p_two_sided": self.p_two_sided,
            "p_adjusted": self.p_adjusted,
            "class": self.category,
        }


@dataclass(frozen=True)
class HotspotResult:
    """Gi* over every area of a selection, with every parameter that shaped it."""

    areas: tuple[AreaHotspot, ...]
    weights: str
    transform: str
    permutations: int
    seed: int
    significance: str
    fdr: bool
    alpha_levels: tuple[float, ...]
    islands: tuple[str, ...]
    direction_conflicts: tuple[str, ...]
    neighbour_pairs: int
    pairs_outside: int
    fdr_areas_needed: dict[str, int]
    esda_version: str
    warnings: tuple[str, ...]

    def class_counts(self) -> dict[str, int]:
        """Number of areas in each class, every class present (zeros included)."""
        found = Counter(area.category for area in self.areas)
        return {label: found.get(label, 0) for label in _class_labels(self.alpha_levels)}

    def method(self) -> dict[str, Any]:
        by_permutation = self.significance == "permutation"
        return {
            "name": METHOD,
            "statistic": "Getis-Ord Gi* (local G with the area itself in its neighbourhood)",
            "implementation": f"esda {self.esda_version} G_Local(star=True)",
            "weights": self.weights,
            "transform": self.transform,
            "star": True,
            "self_weight": 1,
            "permutations": self.permutations,
            "permutation_scheme": "conditional (esda): each area's own count held fixed, its "
            "neighbours drawn from the other areas without replacement, by position in the "
            "given order",
            "seed": self.seed,
            "z": "esda Zs (moments under randomisation)",
            "p": "esda p_sim: permutation pseudo p, one-sided towards the observed value, a "
            "tie not counted as extreme (reported, not used)",
            "p_norm": "esda p_norm: norm.sf(|z|), one-sided",
            "significance": self.significance,
            "p_two_sided": _TWO_SIDED[self.significance],
            "p_adjusted": "Benjamini-Hochberg over all areas of p_two_sided "
            "(scipy.stats.false_discovery_control, method='bh')"
            if self.fdr
            else "p_two_sided, not adjusted for multiple testing",
            "fdr": "benjamini-hochberg" if self.fdr else None,
            "class_p": "p_adjusted",
            "class_rule": "hot when p_adjusted <= alpha and z > 0, cold when z < 0"
            + (
                ", the observed value in the matching tail of its permutations"
                if by_permutation
                else ""
            )
            + "; the smallest alpha met gives the level (0.01: 99%)",
            "alpha_levels": list(self.alpha_levels),
            "fdr_areas_needed": {
                "rule": "fewest areas at the smallest p, 2 / (permutations + 1), for "
                "Benjamini-Hochberg to reach each level",
                **self.fdr_areas_needed,
            }
            if self.fdr_areas_needed
            else None,
            "islands": list(self.islands),
            "island_rule": "kept in the mean and variance, never hot or cold (p_two_sided 1)",
            "neighbour_pairs": self.neighbour_pairs,
            "pairs_outside_selection": self.pairs_outside,
            "esda_version": self.esda_version,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method(),
            "summary": {"areas": len(self.areas), **self.class_counts()},
            "islands": list(self.islands),
            "direction_conflicts": list(self.direction_conflicts),
            "warnings": list(self.warnings),
            "areas": [area.to_dict() for area in self.areas],
        }


def getis_ord_gi_star(
    codes: Sequence[str],
    counts: Sequence[float] | np.ndarray,
    neighbour_pairs: Iterable[tuple[str, str]],
    *,
    transform: str = "B",
    permutations: int = 999,
    seed: int = DEFAULT_SEED,
    significance: str = "permutation",
    fdr: bool = True,
    alpha_levels: Sequence[float] = DEFAULT_ALPHA_LEVELS,
    selection_option: str = "--lad",
    weights_name: str = QUEEN,
) -> HotspotResult:
    """Gi* hot and cold spots of ``counts`` (one per area of ``codes``, zeros included).

    ``neighbour_pairs`` are area pairs (e.g. from ``contiguity.queen_neighbours``); pairs with
    an end outside ``codes`` are dropped. ``transform`` is "B" or "R"; ``permutations`` and
    ``seed`` drive esda's conditional permutations. The class is driven by ``p_adjusted``:
    Benjamini-Hochberg over all areas (``fdr``) of the two-sided p chosen by ``significance``
    ("permutation": tie-aware, from the permutations; "normal": from z). Counts may be
    weighted (harm), never negative. ``selection_option`` names the option that chose the
    areas, for error messages. Raises ``AnalysisInputError`` for fewer than 3 areas, no
    neighbouring areas, counts misaligned, negative, not finite, all zero or all equal, and
    bad parameters.
    """
    transform = _check_transform(transform)
    permutations = _check_permutations(permutations)
    seed = _check_seed(seed)
    if significance not in SIGNIFICANCE:
        raise AnalysisInputError(
            f"{significance!r}: use permutation (tie-aware permutation p) or normal (z-score p)",
            option="--significance",
        )
    levels = _check_alpha_levels(alpha_levels)
    values = _check_counts(codes, counts, selection_option)
    weights = weights_from_pairs(codes, neighbour_pairs, star=True, option=selection_option)
    if len(weights.islands) == len(weights.codes):
        raise AnalysisInputError(
            f"none of the {len(weights.codes)} selected areas borders another: hot spots need "
            "neighbouring areas; choose a contiguous area selection",
            option=selection_option,
        )
    by_permutation = significance == "permutation"
    if by_permutation and len(weights.codes) * permutations > MAX_KEPT_VALUES:
        raise AnalysisInputError(
            f"{permutations} permutations of {len(weights.codes)} areas would hold "
            f"{len(weights.codes) * permutations * 8 / 1e9:.1f} GB of permuted values; use at most "
            f"{MAX_KEPT_VALUES // len(weights.codes)} (or --significance normal)",
            option="--permutations",
        )

    with warnings.catch_warnings():
        # esda announces a future change of its default alternative; p_sim is documented above.
        warnings.filterwarnings("ignore", message=".*alternative hypothesis.*")
        # esda's z_sim (unused) divides by a zero spread for islands; a NaN z is handled below.
        warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"esda\.")
        # n_jobs=1: no worker processes (measured no faster on 2 cores), same p_sim for a seed.
        # The permutations are kept only when they decide the class (8 bytes x n x permutations).
        gi = G_Local(
            values,
            weights.w,
            transform=transform,
            permutations=permutations,
            star=True,
            keep_simulations=by_permutation,
            n_jobs=1,
            seed=seed,
        )
        z = np.asarray(gi.Zs, dtype=np.float64)
        p_norm = np.asarray(gi.p_norm, dtype=np.float64)
        if by_permutation:
            observed, simulated = _tie_safe(gi.Gs, gi.rGs, float(values.sum()))
            p_greater = np.asarray(calculate_significance(observed, simulated, "greater"))
            p_lesser = np.asarray(calculate_significance(observed, simulated, "lesser"))
            p_two = np.minimum(1.0, 2.0 * np.minimum(p_greater, p_lesser))
            upper, lower = p_greater < p_lesser, p_lesser < p_greater
        else:
            p_two = np.minimum(1.0, 2.0 * p_norm)
            upper, lower = z > 0, z < 0

    # esda keeps p_sim as float32; the exact value is a count over (permutations + 1).
    p_sim = np.rint(np.asarray(gi.p_sim, dtype=np.float64) * (permutations + 1)) / (
        permutations + 1
    )
    islands = set(weights.islands)
    is_island = np.array([code in islands for code in weights.codes])
    # Islands: every permutation already equals the observed value; made explicit for "normal".
    p_two[is_island | ~np.isfinite(p_two)] = 1.0
    p_adjusted = false_discovery_control(p_two, method="bh") if fdr else p_two.copy()
    p_adjusted = np.minimum(p_adjusted, 1.0)

    categories, conflict, undefined = _classify(z, p_adjusted, upper, lower, levels)
    conflicts = [weights.codes[i] for i in np.flatnonzero(conflict)]
    areas = tuple(
        AreaHotspot(
            area=code,
            count=count,
            z=z_i,
            p=p_i,
            p_norm=p_norm_i,
            p_two_sided=p_two_i,
            p_adjusted=p_adjusted_i,
            category=category,
        )
        for code, count, z_i, p_i, p_norm_i, p_two_i, p_adjusted_i, category in zip(
            weights.codes,
            values.tolist(),
            z.tolist(),
            p_sim.tolist(),
            p_norm.tolist(),
            p_two.tolist(),
            p_adjusted.tolist(),
            categories,
            strict=True,
        )
    )

    notes: list[str] = []
    if weights.islands:
        shown = ", ".join(weights.islands[:10]) + (" ..." if len(weights.islands) > 10 else "")
        notes.append(
            f"{len(weights.islands)} area(s) have no neighbour in the selection and cannot be "
            f"hot or cold spots (their z uses their own count only): {shown}"
        )
    if conflicts:
        notes.append(
            f"{len(conflicts)} area(s) were significant but their z-score and permutations "
            "disagree on the direction (a high count among unusually low neighbours, or the "
            "reverse); classed not significant"
        )
    floor = _fdr_floor(len(weights.codes), permutations, levels) if fdr and by_permutation else {}
    if floor and max(floor.values()) > 0.05 * len(weights.codes):
        # Worth saying when a level needs more than 1 area in 20 to be at the floor.
        needed = ", ".join(f"{level}: {k}" for level, k in floor.items())
        notes.append(
            f"with {len(weights.codes)} areas and {permutations} permutations the smallest "
            f"two-sided p is {2 / (permutations + 1):.4g}, so after the false-discovery "
            f"correction a level is reached only if at least this many areas are that extreme "
            f"({needed}); more permutations (--permutations) raise this resolution"
        )
    if undefined.any():
        notes.append(
            f"{int(undefined.sum())} area(s) border every other selected area, so Gi* has no "
            "variance there (z undefined, not significant); choose a larger selection"
        )
    return HotspotResult(
        areas=areas,
        weights=weights_name,
        transform=transform,
        permutations=permutations,
        seed=seed,
        significance=significance,
        fdr=fdr,
        alpha_levels=levels,
        islands=weights.islands,
        direction_conflicts=tuple(conflicts),
        neighbour_pairs=weights.pairs,
        pairs_outside=weights.pairs_outside,
        fdr_areas_needed=floor,
        esda_version=version("esda"),
        warnings=tuple(notes),
    )


# --------------------------------------------------------------------------------------------
# Hexagon surface for point events


@dataclass(frozen=True)
class HexagonHotspotResult:
    """Gi* on H3 cells: the occupied cells and their first ring (zero counts included).

    ``boundaries[i]`` is the polygon of ``hotspots.areas[i]`` as ``(latitude, longitude)``
    vertices (H3's order; GeoJSON wants ``[longitude, latitude]``).
    """

    hotspots: HotspotResult
    resolution: int
    edge_length_m: float
    cell_area_km2: float
    points: int
    occupied_cells: int
    boundaries: tuple[tuple[tuple[float, float], ...], ...]

    def to_dict(self) -> dict[str, Any]:
        result = self.hotspots.to_dict()
        result["method"].update(
            {
                "grid": f"H3 {h3.__version__}",
                "resolution": self.resolution,
                "edge_length_m": round(self.edge_length_m, 1),
                "cell_area_km2": round(self.cell_area_km2, 4),
                "study_region": "cells holding a point, and every cell next to one (k = 1 ring)",
                "points": self.points,
                "occupied_cells": self.occupied_cells,
                "boundary_order": "[latitude, longitude]",
            }
        )
        for row, boundary in zip(result["areas"], self.boundaries, strict=True):
            row["boundary"] = [[lat, lon] for lat, lon in boundary]
        return result


def h3_surface(
    latitudes: Sequence[float] | np.ndarray,
    longitudes: Sequence[float] | np.ndarray,
    *,
    resolution: int = 8,
    permutations: int = 999,
    seed: int = DEFAULT_SEED,
    transform: str = "B",
    significance: str = "permutation",
    fdr: bool = True,
    alpha_levels: Sequence[float] = DEFAULT_ALPHA_LEVELS,
) -> HexagonHotspotResult:
    """Gi* hot and cold spots of point events counted in H3 cells (h3 v4).

    Each point (WGS84 latitude, longitude; the caller filters by date) is counted in its cell at
    ``resolution`` (8: edges about 531 m, cells about 0.74 km^2). The study region is every
    occupied cell plus its ring of 6 neighbours, so empty cells next to events take part with
    a count of 0; neighbours are H3 grid adjacency (cells sharing an edge) inside the region.
    The statistic, p-values and classes are those of ``getis_ord_gi_star``; cells are in
    sorted order of their index.
    """
    if isinstance(resolution, bool) or not isinstance(resolution, int | np.integer):
        raise AnalysisInputError("must be a whole number from 0 to 15", option="--resolution")
    if not 0 <= resolution <= 15:
        raise AnalysisInputError(
            f"{resolution} is not an H3 resolution; use 0 to 15 (8: cells about 0.74 km^2)",
            option="--resolution",
        )
    lats = np.asarray(latitudes, dtype=np.float64).ravel()
    lons = np.asarray(longitudes, dtype=np.float64).ravel()
    if lats.shape != lons.shape:
        raise AnalysisInputError(f"{lats.size} latitudes but {lons.size} longitudes were given")
    if lats.size == 0:
        raise AnalysisInputError("no point events with coordinates in the selection")
    bad = ~(np.isfinite(lats) & np.isfinite(lons) & (np.abs(lats) <= 90) & (np.abs(lons) <= 180))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise AnalysisInputError(
            f"{int(bad.sum())} point(s) have no valid WGS84 coordinates (the first, point "
            f"{first + 1}, is at latitude {lats[first]}, longitude {lons[first]}); remove them "
            "or fix their coordinates"
        )
    occupied = Counter(
        h3.latlng_to_cell(float(lat), float(lon), resolution)
        for lat, lon in zip(lats, lons, strict=True)
    )
    region: set[str] = set()
    for cell in occupied:
        region.update(h3.grid_disk(cell, 1))
    cells = sorted(region)
    pairs = [
        (cell, other)
        for cell in cells
        for other in h3.grid_disk(cell, 1)
        if other > cell and other in region
    ]
    counts = np.array([occupied.get(cell, 0) for cell in cells], dtype=np.float64)
    hotspots = getis_ord_gi_star(
        cells,
        counts,
        pairs,
        transform=transform,
        permutations=permutations,
        seed=seed,
        significance=significance,
        fdr=fdr,
        alpha_levels=alpha_levels,
        selection_option="--resolution",
        weights_name="H3 grid adjacency (cells sharing an edge), binary",
    )
    return HexagonHotspotResult(
        hotspots=hotspots,
        resolution=int(resolution),
        edge_length_m=float(h3.average_hexagon_edge_length(resolution, unit="m")),
        cell_area_km2=float(h3.average_hexagon_area(resolution, unit="km^2")),
        points=int(lats.size),
        occupied_cells=len(occupied),
        boundaries=tuple(
            tuple((float(lat), float(lon)) for lat, lon in h3.cell_to_boundary(cell))
            for cell in cells
        ),
    )


# --------------------------------------------------------------------------------------------
# Checks and helpers


def _check_transform(transform: str) -> str:
    value = str(transform).upper()
    if value not in TRANSFORMS:
        raise AnalysisInputError(
            f"{transform!r} is not a weights transform; use B (binary) or R (row-standardised)",
            option="--transform",
        )
    return value


def _check_permutations(permutations: int) -> int:
    if isinstance(permutations, bool) or not isinstance(permutations, int | np.integer):
        raise AnalysisInputError("must be a whole number", option="--permutations")
    if not MIN_PERMUTATIONS <= permutations <= MAX_PERMUTATIONS:
        raise AnalysisInputError(
            f"{permutations} permutations: use {MIN_PERMUTATIONS} to {MAX_PERMUTATIONS} "
            "(999 is usual; the smallest two-sided p is 2 / (permutations + 1))",
            option="--permutations",
        )
    return int(permutations)


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise AnalysisInputError("must be a whole number", option="--seed")
    if not 0 <= seed < 2**32:
        raise AnalysisInputError(f"{seed} is out of range; use 0 to 4294967295", option="--seed")
    return int(seed)


def _check_alpha_levels(levels: Sequence[float]) -> tuple[float, ...]:
    values = tuple(float(level) for level in levels)
    if (
        not values
        or any(not 0 < level < 1 for level in values)
        or list(values) != sorted(set(values))
    ):
        raise AnalysisInputError(
            f"significance levels {list(values)} must be increasing, between 0 and 1 "
            "(e.g. 0.01, 0.05, 0.10)",
            option="--alpha",
        )
    return values


def _check_counts(
    codes: Sequence[str], counts: Sequence[float] | np.ndarray, option: str
) -> np.ndarray:
    values = np.asarray(counts, dtype=np.float64).ravel()
    if values.size != len(codes):
        raise AnalysisInputError(
            f"{values.size} counts for {len(codes)} areas: every selected area needs one count "
            "(0 where nothing happened), in the order of the area codes"
        )
    if len(codes) < MIN_AREAS:
        raise AnalysisInputError(
            f"the selection has {len(codes)} area(s); Gi* needs at least {MIN_AREAS} "
            "neighbouring areas: choose a larger area selection",
            option=option,
        )
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise AnalysisInputError(
            f"area {codes[first]} has count {values[first]}; counts must be 0 or more"
        )
    if not values.any():
        raise AnalysisInputError(
            f"every one of the {len(codes)} selected areas has a count of 0: there is nothing "
            "to find hot spots in (check the period, crime types and area selection)",
            option=option,
        )
    if np.all(values == values[0]):
        raise AnalysisInputError(
            f"every selected area has the same count ({_number(values[0])}): Gi* has no "
            "variation to test",
            option=option,
        )
    return values


def _fdr_floor(n: int, permutations: int, levels: Sequence[float]) -> dict[str, int]:
    """Fewest areas at the smallest p for Benjamini-Hochberg to reach each level.

    BH gives the k smallest of n p-values, all equal to p_min, the adjusted value
    p_min * n / k; it is <= alpha once k >= p_min * n / alpha.
    """
    p_min = 2 / (permutations + 1)
    return {_percent(alpha): max(1, math.ceil(p_min * n / alpha - 1e-9)) for alpha in levels}


def _tie_safe(
    observed: np.ndarray, simulated: np.ndarray, total: float
) -> tuple[np.ndarray, np.ndarray]:
    """Gi* values as weighted neighbourhood sums rounded to 1e-9, so that equal sums compare equal.

    esda computes the observed value (a sparse product) and the permuted ones (a dense dot
    product) in different orders; with row-standardised weights (1/(k+1)) the same sum can
    differ in the last bit and a tie would be lost. Multiplying back by the total count gives
    the weighted sum of counts, where genuine differences are far above 1e-9. In place: the
    permutations are not used afterwards.
    """
    np.multiply(simulated, total, out=simulated)
    np.round(simulated, 9, out=simulated)
    return np.round(observed * total, 9), simulated


def _classify(
    z: np.ndarray,
    p_adjusted: np.ndarray,
    upper: np.ndarray,
    lower: np.ndarray,
    levels: Sequence[float],
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(class of each area, significant but z and the test's tail disagree, z not finite)."""
    undefined = ~np.isfinite(z)
    # Index of the strictest level met (levels are increasing), len(levels) when none is.
    level = np.searchsorted(np.asarray(levels), p_adjusted, side="left")
    significant = (level < len(levels)) & ~undefined
    hot = significant & (z > 0) & upper
    cold = significant & (z < 0) & lower
    names = [_percent(alpha) for alpha in levels]
    categories = [
        f"hot {names[k]}" if is_hot else f"cold {names[k]}" if is_cold else NOT_SIGNIFICANT
        for k, is_hot, is_cold in zip(level.tolist(), hot.tolist(), cold.tolist(), strict=True)
    ]
    return categories, significant & ~hot & ~cold, undefined


def _class_labels(levels: Sequence[float]) -> list[str]:
    names = [_percent(level) for level in levels]
    return [f"hot {n}" for n in names] + [f"cold {n}" for n in names] + [NOT_SIGNIFICANT]


def _percent(alpha: float) -> str:
    return f"{(1 - alpha) * 100:.10g}%"


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else float(value)


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None
