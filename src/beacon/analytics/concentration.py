"""How concentrated crime is across places, and how it relates to deprivation.

:func:`concentration` works over **all** areas of the selection, zeros included (leaving out
areas with no crime would make any distribution look even):

* **top k% share**: the number of areas in the top k% is ``ceil(k / 100 * n)`` (at least 1), so
  the top 5% of 150 areas is 8 areas. Areas are ranked by value, highest first, ties broken by
  code (ascending) so the listed codes are deterministic. The *share* does not depend on how ties
  are broken (tied areas have equal values); ``ties_at_boundary`` says how many areas just
  outside the top set have the same value as the last one in it.
* **Gini coefficient** of the values over areas, ``G = sum_i (2i - n - 1) x_(i) / (n sum x)``
  with ``x`` sorted ascending and ``i = 1..n`` (the population form, without the ``n / (n - 1)``
  small-sample correction): 0 when all areas are equal, ``(n - 1) / n`` when one area has
  everything.
* **Lorenz curve**: cumulative share of areas (x) against cumulative share of the value (y), areas
  sorted ascending, from (0, 0) to (1, 1), ``n + 1`` points; plus a curve of at most
  ``max_curve_points`` (200) points taken at evenly spaced area ranks (always including both
  ends) for drawing.
* **areas for half**: the smallest share of areas that holds at least half of the total.

:func:`rates_by_decile` gives counts, rates per 1,000 residents and harm per IMD decile (decile 1
= most deprived), reports areas without a decile or a population as excluded (never dropped
silently), and measures the association between decile and area rate with Spearman's rank
correlation (``scipy.stats.spearmanr``, ties given average ranks, p-value from the t
distribution).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from scipy import stats

from beacon.analytics.errors import AnalysisInputError

DEFAULT_TOP_PERCENTS = (5.0, 10.0)
MAX_CURVE_POINTS = 200
GINI_METHOD = (
    "Gini = sum_i (2i - n - 1) x_(i) / (n sum x), x ascending, i = 1..n "
    "(population form, no small-sample correction)"
)


def _plain(value: Any) -> Any:
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _fields(obj: Any) -> dict[str, Any]:
    return {f.name: _plain(getattr(obj, f.name)) for f in fields(obj)}


# --- concentration ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TopShare:
    """The top ``percent`` % of areas and the share of the total they hold."""

    percent: float
    areas: int
    total: float
    share: float | None
    boundary_value: float
    ties_at_boundary: int
    codes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return _fields(self)


@dataclass(frozen=True)
class ConcentrationResult:
    """Concentration of one measure (count or harm) over all areas of a selection."""

    weights_label: str
    n_areas: int
    total: float
    mean: float
    zero_areas: int
    defined: bool
    reason: str | None
    top: tuple[TopShare, ...]
    gini: float | None
    areas_for_half: float | None
    lorenz: tuple[tuple[float, float], ...]
    lorenz_drawn: tuple[tuple[float, float], ...]
    max_curve_points: int

    def to_dict(self, *, full_curve: bool = False) -> dict[str, Any]:
        """JSON-ready; the full Lorenz curve (``n + 1`` points) only with ``full_curve``."""
        out = _fields(self)
        if not full_curve:
            del out["lorenz"]
        return {
            "method": {
                "top": "areas in the top k% = ceil(k/100 * n), at least 1; ranked by value "
                "(highest first), ties by code",
                "gini": GINI_METHOD,
                "lorenz": "cumulative share of areas (ascending by value) against cumulative "
                "share of the total, from (0, 0)",
            },
            "parameters": {
                "top_percents": [t.percent for t in self.top],
                "max_curve_points": self.max_curve_points,
                "weights_label": self.weights_label,
            },
        } | out


def gini(values: Sequence[float] | np.ndarray) -> float:
    """Gini coefficient of non-negative values with a positive total (see module docs)."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    n = len(x)
    ranks = np.arange(1, n + 1, dtype=np.float64)
    return float(np.sum((2 * ranks - n - 1) * x) / (n * x.sum()))


def _downsample(points: np.ndarray, limit: int) -> np.ndarray:
    if len(points) <= limit:
        return points
    index = np.unique(np.round(np.linspace(0, len(points) - 1, limit)).astype(np.int64))
    return points[index]


def _check_values(codes: Sequence[str], values: Sequence[float] | np.ndarray) -> np.ndarray:
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1 or len(x) != len(codes):
        raise AnalysisInputError(f"{len(codes)} area codes but {x.size} values: give one each")
    if len(x) == 0:
        raise AnalysisInputError("no areas: concentration needs every area of the selection")
    bad = ~np.isfinite(x) | (x < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise AnalysisInputError(f"area {codes[i]}: value {values[i]!r} must be a number >= 0")
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise AnalysisInputError(f"area {code} appears twice: give each area once")
        seen.add(code)
    return x


def concentration(
    codes: Sequence[str],
    values: Sequence[float] | np.ndarray,
    *,
    weights_label: str = "count",
    top_percents: Sequence[float] = DEFAULT_TOP_PERCENTS,
    max_curve_points: int = MAX_CURVE_POINTS,
) -> ConcentrationResult:
    """Top-k% shares, Gini and Lorenz curve of ``values`` over the areas ``codes``.

    Give every area of the selection, zeros included. ``weights_label`` names the measure
    ("count", "harm") in the output. When the total is 0 the shares are undefined: the result
    says so (``defined`` false, with the reason) rather than failing.
    """
    codes = [str(c) for c in codes]
    x = _check_values(codes, values)
    for percent in top_percents:
        if not 0 < percent <= 100:
            raise AnalysisInputError(
                f"top percent {percent} must be above 0 and at most 100", option="top_percents"
            )
    if max_curve_points < 2:
        raise AnalysisInputError("max_curve_points must be 2 or more", option="max_curve_points")
    n, total = len(x), float(x.sum())
    defined = total > 0
    # Highest first, then code: np.lexsort sorts by the last key first.
    order = np.lexsort((np.array(codes), -x))
    ranked = x[order]
    top = []
    for percent in top_percents:
        k = max(
            1, math.ceil(round(percent / 100 * n, 9))
        )  # round: 7/100 * 100 is 7.000000000000001
        boundary = float(ranked[k - 1])
        ties = int(np.count_nonzero(ranked[k:] == boundary))
        top_total = float(ranked[:k].sum())
        top.append(
            TopShare(
                percent=float(percent),
                areas=k,
                total=top_total,
                share=top_total / total if defined else None,
                boundary_value=boundary,
                ties_at_boundary=ties,
                codes=tuple(codes[i] for i in order[:k]),
            )
        )
    lorenz: np.ndarray = np.empty((0, 2))
    gini_value = half = None
    if defined:
        ascending = np.sort(x)
        cumulative = np.concatenate(([0.0], np.cumsum(ascending) / total))
        lorenz = np.column_stack((np.arange(n + 1) / n, cumulative))
        gini_value = gini(x)
        # Fewest areas (taken from the top) holding at least half the total.
        needed = int(np.searchsorted(np.cumsum(ranked), total / 2 * (1 - 1e-12))) + 1
        half = needed / n
    points = tuple((float(a), float(b)) for a, b in lorenz)
    drawn = tuple((float(a), float(b)) for a, b in _downsample(lorenz, max_curve_points))
    return ConcentrationResult(
        weights_label=weights_label,
        n_areas=n,
        total=total,
        mean=total / n,
        zero_areas=int(np.count_nonzero(x == 0)),
        defined=defined,
        reason=None if defined else f"the total {weights_label} is 0: shares are undefined",
        top=tuple(top),
        gini=gini_value,
        areas_for_half=half,
        lorenz=points,
        lorenz_drawn=drawn,
        max_curve_points=max_curve_points,
    )


# --- deprivation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DecileRow:
    """One IMD decile: areas, events, residents, rates and shares."""

    decile: int
    areas: int
    count: int
    population: float
    rate_per_1000: float | None
    harm: float | None
    harm_per_1000: float | None
    share_of_count: float | None
    share_of_population: float | None

    def to_dict(self) -> dict[str, Any]:
        return _fields(self)


@dataclass(frozen=True)
class ExcludedArea:
    code: str
    reason: str
    count: int
    harm: float | None

    def to_dict(self) -> dict[str, Any]:
        return _fields(self)


@dataclass(frozen=True)
class Association:
    """Spearman's rank correlation between IMD decile and the areas' rate per 1,000."""

    measure: str
    computed: bool
    reason: str | None
    n_areas: int
    rho: float | None = None
    p_value: float | None = None

    def to_dict(self) -> dict[str, Any]:
        method = "Spearman rank correlation (scipy.stats.spearmanr) of decile and area rate"
        return {"method": method} | _fields(self)


@dataclass(frozen=True)
class DecileResult:
    """Rates by IMD decile (1 = most deprived), with exclusions and the association."""

    deciles: tuple[DecileRow, ...]
    areas: int
    count: int
    population: float
    rate_per_1000: float | None
    harm: float | None
    excluded: tuple[ExcludedArea, ...]
    excluded_count: int
    excluded_harm: float | None
    association: Association
    harm_association: Association | None
    rate_ratio_most_to_least: float | None

    def to_dict(self) -> dict[str, Any]:
        method = (
            "per IMD decile: events and residents summed over its areas; rate per 1,000 = "
            "1000 * count / population; decile 1 = most deprived"
        )
        return {"method": method, "excluded_areas": len(self.excluded)} | _fields(self)


def _field(row: Mapping[str, Any] | Sequence[Any], name: str, index: int) -> Any:
    if isinstance(row, Mapping):
        return row.get(name)
    return row[index] if index < len(row) else None


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _number(value: Any, *, where: str, what: str) -> float:
    try:
        number = math.nan if isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number < 0:
        raise AnalysisInputError(f"{where}: {what} {value!r} must be a number >= 0")
    return number


def _association(
    measure: str, deciles: list[int], numerators: list[float], populations: list[float]
) -> Association:
    n = len(deciles)
    if n < 3:
        return Association(measure, False, f"needs at least 3 areas, got {n}", n)
    rates = np.asarray(numerators) / np.asarray(populations) * 1000
    if len(set(deciles)) < 2 or np.ptp(rates) == 0:
        reason = "the deciles or the rates are all the same: no rank correlation"
        return Association(measure, False, reason, n)
    result = stats.spearmanr(deciles, rates)
    return Association(
        measure, True, None, n, rho=float(result.statistic), p_value=float(result.pvalue)
    )


def rates_by_decile(rows: Iterable[Mapping[str, Any] | Sequence[Any]]) -> DecileResult:
    """Counts, rates per 1,000 and harm by IMD decile.

    ``rows`` are dicts with ``code``, ``decile`` (1..10), ``count``, ``population`` and
    optionally ``harm``, or tuples ``(code, decile, count, population[, harm])``, one per area.
    Areas whose decile or population is missing (``None``/NaN) or whose population is 0 are
    excluded and listed with the reason; all ten deciles are always reported.
    """
    totals = {d: {"areas": 0, "count": 0, "population": 0.0, "harm": 0.0} for d in range(1, 11)}
    excluded: list[ExcludedArea] = []
    seen: set[str] = set()
    with_harm: bool | None = None
    per_area: list[tuple[int, int, float, float]] = []
    for line, row in enumerate(rows, start=1):
        code = _field(row, "code", 0)
        where = f"row {line} ({code})"
        if _missing(code):
            raise AnalysisInputError(f"row {line}: no area code")
        code = str(code)
        if code in seen:
            raise AnalysisInputError(f"area {code} appears twice: give each area once")
        seen.add(code)
        count_value = _number(_field(row, "count", 2), where=where, what="count")
        if count_value != int(count_value):
            raise AnalysisInputError(f"{where}: count {count_value} must be a whole number")
        count = int(count_value)
        harm_value = _field(row, "harm", 4)
        has_harm = not _missing(harm_value)
        if with_harm is None:
            with_harm = has_harm
        elif with_harm != has_harm:
            raise AnalysisInputError(f"{where}: harm must be given on every row or on none")
        harm = _number(harm_value, where=where, what="harm") if has_harm else 0.0
        decile_value, population_value = _field(row, "decile", 1), _field(row, "population", 3)
        reason = None
        if _missing(decile_value):
            reason = "no IMD decile"
        elif _missing(population_value):
            reason = "no population"
        if reason is None:
            population = _number(population_value, where=where, what="population")
            if population == 0:
                reason = "population is 0"
        if reason is not None:
            excluded.append(ExcludedArea(code, reason, count, harm if has_harm else None))
            continue
        decile = decile_value
        if isinstance(decile, bool) or decile not in range(1, 11):
            raise AnalysisInputError(f"{where}: IMD decile {decile_value!r} must be 1 to 10")
        decile = int(decile)
        bucket = totals[decile]
        bucket["areas"] += 1
        bucket["count"] += count
        bucket["population"] += population
        bucket["harm"] += harm
        per_area.append((decile, count, harm, population))
    harm_given = bool(with_harm)
    count_total = sum(int(b["count"]) for b in totals.values())
    population_total = sum(float(b["population"]) for b in totals.values())
    harm_total = sum(float(b["harm"]) for b in totals.values())
    deciles = []
    for decile, bucket in totals.items():
        population = float(bucket["population"])
        count, harm = int(bucket["count"]), float(bucket["harm"])
        deciles.append(
            DecileRow(
                decile=decile,
                areas=int(bucket["areas"]),
                count=count,
                population=population,
                rate_per_1000=1000 * count / population if population else None,
                harm=harm if harm_given else None,
                harm_per_1000=1000 * harm / population if harm_given and population else None,
                share_of_count=count / count_total if count_total else None,
                share_of_population=population / population_total if population_total else None,
            )
        )
    most, least = deciles[0].rate_per_1000, deciles[-1].rate_per_1000
    decile_list = [a[0] for a in per_area]
    counts, harms, populations = ([float(a[i]) for a in per_area] for i in (1, 2, 3))
    return DecileResult(
        deciles=tuple(deciles),
        areas=len(per_area),
        count=count_total,
        population=population_total,
        rate_per_1000=1000 * count_total / population_total if population_total else None,
        harm=harm_total if harm_given else None,
        excluded=tuple(sorted(excluded, key=lambda e: e.code)),
        excluded_count=sum(e.count for e in excluded),
        excluded_harm=sum(e.harm or 0.0 for e in excluded) if harm_given else None,
        association=_association("count", decile_list, counts, populations),
        harm_association=_association("harm", decile_list, harms, populations)
        if harm_given
        else None,
        rate_ratio_most_to_least=most / least if most is not None and least else None,
    )
