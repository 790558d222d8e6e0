"""Monthly trends and emerging-risk flags.

Inputs are plain Python values (rows as dicts or tuples, sequences of counts); nothing here
reads a database. Months are ``"YYYY-MM"`` strings (``datetime.date`` values are accepted and
taken as their month) and a series is always the complete run of consecutive calendar months of
the period: a month with no events is a zero, never missing.

Measures for one series (:func:`trend_summary`):

* **latest month** and its count (and harm, when given);
* **month on month**: latest month against the month before;
* **rolling window** (3 months by default): the latest ``window`` months against the ``window``
  months before them;
* **year on year**: latest month against the same month a year earlier (needs 13 months);
* **year to date**: the months of the current year up to the latest month against the same months
  a year earlier. ``year_basis="calendar"`` starts the year in January; ``"financial"`` uses the
  UK financial year, April to March (so the year to date for 2024-06 is 2024-04..2024-06 against
  2023-04..2023-06). Not computed unless every month of both spans is in the series.

Each change gives the absolute and percentage change (the percentage is ``None`` when the base is
0) and an **exact conditional binomial test** of two Poisson counts: if the rate per day is the
same in both spans, the recent count given the total is Binomial(total, d_r / (d_r + d_b)), where
d_r and d_b are the days in the two spans (so February is not "lower" for being short). Two-sided,
increase (one-sided, greater) and decrease p-values are reported (``scipy.stats.binomtest``).

**Trend test**: Mann–Kendall with Sen's slope (``pymannkendall``). With at least two full seasonal
cycles (24 months for ``seasonal_period=12``) the seasonal test of Hirsch & Slack
(``seasonal_test``) is used, which compares each calendar month only with the same month of other
years; otherwise the original test (``original_test``) when the series has at least
``min_months`` months (default 10: below that the normal approximation to S is poor, Gilbert
1987); otherwise the test is reported as not computed, with the reason. The result always says
which test ran. Sen's slope is given per month (the seasonal slope, which ``pymannkendall``
returns per cycle, is divided by the period); the intercept is the fitted value at the first
month (Conover's method).

**Emerging risks** (``emerging.py``) apply the rules of :class:`EmergingRules` to many
series at once. The flags are a screening aid: with many groups some will trip by chance at
``alpha`` (set ``correction="fdr_bh"`` to control the false discovery rate per rule).
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal

import numpy as np
import pymannkendall as mk
from scipy import stats

from beacon.analytics.errors import AnalysisInputError
from beacon.analytics.selection import shift_month as _shift

YearBasis = Literal["calendar", "financial"]
GroupKey = tuple[Any, ...]
_RESERVED = ("month", "count", "harm")

BINOMIAL_METHOD = (
    "exact conditional binomial test of two Poisson counts: recent | total ~ "
    "Binomial(total, recent days / (recent days + base days)) under equal daily rates"
)


# --- months ----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """JSON-ready: nested results through their ``to_dict``, tuples as lists."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _fields(obj: Any) -> dict[str, Any]:
    return {f.name: _plain(getattr(obj, f.name)) for f in fields(obj)}


def _parse_month(value: object, *, what: str) -> tuple[int, int]:
    if isinstance(value, dt.date):
        return value.year, value.month
    try:
        parsed = dt.datetime.strptime(value, "%Y-%m")  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise AnalysisInputError(f"{what}: {value!r} is not a month (expected YYYY-MM)") from None
    return parsed.year, parsed.month


def _fmt(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _days(months: Iterable[str]) -> int:
    return sum(calendar.monthrange(int(m[:4]), int(m[5:]))[1] for m in months)


def _normalise_months(months: Sequence[object]) -> tuple[str, ...]:
    """Months as ``YYYY-MM`` strings, checked to be consecutive and ascending."""
    parsed = [_fmt(*_parse_month(m, what="months")) for m in months]
    for before, after in itertools.pairwise(parsed):
        if _shift(before, 1) != after:
            raise AnalysisInputError(
                f"months must be consecutive calendar months in ascending order: "
                f"{before} is followed by {after}"
            )
    return tuple(parsed)


# --- series ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthlySeries:
    """One group's complete monthly series (zeros where a month had no rows)."""

    group: tuple[tuple[str, Any], ...]
    months: tuple[str, ...]
    counts: tuple[int, ...]
    harm: tuple[float, ...] | None = None

    @property
    def key(self) -> GroupKey:
        return tuple(value for _, value in self.group)

    @property
    def label(self) -> str:
        return ", ".join(f"{name}={value}" for name, value in self.group) or "all"

    def to_dict(self) -> dict[str, Any]:
        return _fields(self) | {"group": dict(self.group), "label": self.label}


def _sort_key(key: GroupKey) -> tuple[tuple[bool, str], ...]:
    return tuple((value is None, str(value)) for value in key)


def _as_number(value: object, *, where: str, what: str, whole: bool) -> float:
    kind = "a whole number >= 0" if whole else "a finite number >= 0"
    try:
        number = math.nan if isinstance(value, bool) else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number < 0 or (whole and number != int(number)):
        raise AnalysisInputError(f"{where}: {what} {value!r} must be {kind}")
    return number


def monthly_series(
    rows: Iterable[Mapping[str, Any] | Sequence[Any]],
    *,
    months: Sequence[object],
    keys: Sequence[str] | None = None,
) -> dict[GroupKey, MonthlySeries]:
    """Complete monthly series per group from sparse rows.

    ``rows`` are dicts with ``month``, ``count``, optionally ``harm``, and the group columns
    (``keys``; by default every other key of the first row, in its order), or tuples laid out as
    ``(*keys, month, count[, harm])`` (``keys`` is then required). Rows of the same group and
    month are added up. ``months`` is the full period; a month with no rows is a zero. Harm is
    kept when the rows carry it (all of them or none). Returns series keyed by the tuple of
    group values, in sorted order. A row whose month is outside ``months`` is an error, not
    dropped.
    """
    period = _normalise_months(months)
    if not period:
        raise AnalysisInputError("months is empty: give the full list of months of the period")
    position = {month: i for i, month in enumerate(period)}
    names: tuple[str, ...] | None = tuple(keys) if keys is not None else None
    counts: dict[GroupKey, np.ndarray] = {}
    harms: dict[GroupKey, np.ndarray] = {}
    with_harm: bool | None = None
    for index, row in enumerate(rows, start=1):
        where = f"row {index}"
        if isinstance(row, Mapping):
            if names is None:
                names = tuple(k for k in row if k not in _RESERVED)
            missing = [k for k in (*names, "month", "count") if k not in row]
            if missing:
                raise AnalysisInputError(f"{where}: missing {', '.join(missing)}")
            key = tuple(row[k] for k in names)
            month_value, count_value = row["month"], row["count"]
            harm_value = row.get("harm")
            has_harm = "harm" in row and harm_value is not None
        else:
            if names is None:
                raise AnalysisInputError("rows are tuples: pass keys= to name the group columns")
            width = len(names)
            if len(row) not in (width + 2, width + 3):
                raise AnalysisInputError(
                    f"{where}: expected {width + 2} or {width + 3} values "
                    f"({', '.join(names)}, month, count[, harm]), got {len(row)}"
                )
            key = tuple(row[:width])
            month_value, count_value = row[width], row[width + 1]
            harm_value = row[width + 2] if len(row) == width + 3 else None
            has_harm = harm_value is not None
        if with_harm is None:
            with_harm = has_harm
        elif with_harm != has_harm:
            raise AnalysisInputError(f"{where}: harm must be given on every row or on none")
        month = _fmt(*_parse_month(month_value, what=where))
        if month not in position:
            raise AnalysisInputError(
                f"{where}: month {month} is outside the period {period[0]}..{period[-1]}"
            )
        series = counts.get(key)
        if series is None:
            series = counts[key] = np.zeros(len(period), dtype=np.int64)
            harms[key] = np.zeros(len(period), dtype=np.float64)
        series[position[month]] += int(
            _as_number(count_value, where=where, what="count", whole=True)
        )
        if has_harm:
            harms[key][position[month]] += _as_number(
                harm_value, where=where, what="harm", whole=False
            )
    result: dict[GroupKey, MonthlySeries] = {}
    for key in sorted(counts, key=_sort_key):
        result[key] = MonthlySeries(
            group=tuple(zip(names or (), key, strict=True)),
            months=period,
            counts=tuple(int(c) for c in counts[key]),
            harm=tuple(float(h) for h in harms[key]) if with_harm else None,
        )
    return result


# --- changes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountTest:
    """Exact conditional binomial test of recent against base counts (see module docs)."""

    recent: int
    base: int
    recent_days: int
    base_days: int
    null_share: float
    p_two_sided: float | None
    p_increase: float | None
    p_decrease: float | None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"method": BINOMIAL_METHOD} | _fields(self)


def _p_increase(recent: int, total: int, share: float) -> float:
    # P(X >= recent) for X ~ Binomial(total, share): binomtest's one-sided "greater" p-value.
    return float(stats.binom.sf(recent - 1, total, share))


def _count_test(recent: int, base: int, recent_days: int, base_days: int) -> CountTest:
    share = recent_days / (recent_days + base_days)
    total = recent + base
    if total == 0:
        return CountTest(recent, base, recent_days, base_days, share, None, None, None,
                         reason="no events in either span")  # fmt: skip
    return CountTest(
        recent=recent,
        base=base,
        recent_days=recent_days,
        base_days=base_days,
        null_share=share,
        p_two_sided=float(stats.binomtest(recent, total, share).pvalue),
        p_increase=_p_increase(recent, total, share),
        p_decrease=float(stats.binom.cdf(recent, total, share)),
    )


def compare_spans(
    recent: int, base: int, recent_months: Sequence[str], base_months: Sequence[str]
) -> CountTest:
    """The exact binomial test of a recent span's count against a base span's (days in each
    span allowed for): e.g. an assessment's 12 months against the 12 before."""
    return _count_test(
        int(recent),
        int(base),
        _days(_normalise_months(recent_months)),
        _days(_normalise_months(base_months)),
    )


def month_changes(
    months: Sequence[str], counts: Sequence[int], *, alpha: float = 0.05
) -> list[dict[str, Any]]:
    """Each month against the month before with the exact binomial test (days in each month
    allowed for): the months whose change is significant at ``alpha`` (two-sided), rises and
    falls, for marking on a chart. Months whose previous month is not in the series are skipped.
    """
    found: list[dict[str, Any]] = []
    names = _normalise_months(months)
    for i in range(1, len(names)):
        if _shift(names[i], -1) != names[i - 1]:
            continue
        test = _count_test(
            int(counts[i]), int(counts[i - 1]), _days([names[i]]), _days([names[i - 1]])
        )
        if test.p_two_sided is not None and test.p_two_sided < alpha:
            found.append(
                {
                    "month": names[i],
                    "index": i,
                    "count": int(counts[i]),
                    "previous": int(counts[i - 1]),
                    "direction": "rise" if counts[i] > counts[i - 1] else "fall",
                    "p": test.p_two_sided,
                }
            )
    return found


def _pct(recent: float, base: float) -> float | None:
    return None if base == 0 else 100.0 * (recent - base) / base


@dataclass(frozen=True)
class Change:
    """Recent span against a base span: counts, harm, change, % change and its test."""

    key: str
    description: str
    computed: bool
    reason: str | None = None
    recent_months: tuple[str, ...] = ()
    base_months: tuple[str, ...] = ()
    recent_count: int | None = None
    base_count: int | None = None
    change: int | None = None
    pct_change: float | None = None
    recent_harm: float | None = None
    base_harm: float | None = None
    harm_change: float | None = None
    harm_pct_change: float | None = None
    test: CountTest | None = None

    def to_dict(self) -> dict[str, Any]:
        return _fields(self)


def _change(
    key: str,
    description: str,
    months: tuple[str, ...],
    counts: np.ndarray,
    harm: np.ndarray | None,
    recent: tuple[str, ...],
    base: tuple[str, ...],
) -> Change:
    position = {m: i for i, m in enumerate(months)}
    missing = [m for m in (*base, *recent) if m not in position]
    if missing:
        reason = f"needs {missing[0]}, outside the series {months[0]}..{months[-1]}"
        return Change(key, description, False, reason, recent, base)
    r_idx = [position[m] for m in recent]
    b_idx = [position[m] for m in base]
    r_count, b_count = int(counts[r_idx].sum()), int(counts[b_idx].sum())
    r_harm = b_harm = h_change = h_pct = None
    if harm is not None:
        r_harm, b_harm = float(harm[r_idx].sum()), float(harm[b_idx].sum())
        h_change, h_pct = r_harm - b_harm, _pct(r_harm, b_harm)
    return Change(
        key=key,
        description=description,
        computed=True,
        recent_months=recent,
        base_months=base,
        recent_count=r_count,
        base_count=b_count,
        change=r_count - b_count,
        pct_change=_pct(r_count, b_count),
        recent_harm=r_harm,
        base_harm=b_harm,
        harm_change=h_change,
        harm_pct_change=h_pct,
        test=_count_test(r_count, b_count, _days(recent), _days(base)),
    )


def _span(end: str, length: int) -> tuple[str, ...]:
    return tuple(_shift(end, -k) for k in range(length - 1, -1, -1))


# --- Mann–Kendall ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendTest:
    """Mann–Kendall trend test with Sen's slope, or the reason it was not computed."""

    computed: bool
    reason: str | None
    test: Literal["original", "seasonal"] | None
    n_months: int
    alpha: float
    seasonal_period: int | None
    min_months: int
    trend: str | None = None
    significant: bool | None = None
    s: float | None = None
    var_s: float | None = None
    tau: float | None = None
    z: float | None = None
    p: float | None = None
    slope_per_month: float | None = None
    intercept: float | None = None

    @property
    def method(self) -> str:
        if self.test == "seasonal":
            return (
                f"seasonal Mann–Kendall test (Hirsch & Slack, period {self.seasonal_period}) "
                "with seasonal Sen's slope, pymannkendall.seasonal_test"
            )
        if self.test == "original":
            return "Mann–Kendall test with Sen's slope, pymannkendall.original_test"
        return "not computed"

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method} | _fields(self)


def mann_kendall(
    values: Sequence[float] | np.ndarray,
    *,
    seasonal_period: int | None = 12,
    alpha: float = 0.05,
    min_months: int = 10,
) -> TrendTest:
    """Mann–Kendall on one monthly series: seasonal with two full cycles, else original."""
    x = np.asarray(values, dtype=np.float64)
    n = len(x)
    if seasonal_period and n >= 2 * seasonal_period:
        res = mk.seasonal_test(x, period=seasonal_period, alpha=alpha)
        test: Literal["original", "seasonal"] = "seasonal"
        slope = float(res.slope) / seasonal_period  # pymannkendall gives it per cycle
    elif n >= min_months:
        res = mk.original_test(x, alpha=alpha)
        test, slope = "original", float(res.slope)
    else:
        reason = f"needs at least {min_months} months for the Mann–Kendall test; the series has {n}"
        return TrendTest(False, reason, None, n, alpha, seasonal_period, min_months)
    return TrendTest(
        computed=True,
        reason=None,
        test=test,
        n_months=n,
        alpha=alpha,
        seasonal_period=seasonal_period,
        min_months=min_months,
        trend=str(res.trend),
        significant=bool(res.h),
        s=float(res.s),
        var_s=float(res.var_s),
        tau=float(res.Tau),
        z=float(res.z),
        p=float(res.p),
        slope_per_month=slope,
        intercept=float(res.intercept),
    )


# --- one series ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendResult:
    """Everything :func:`trend_summary` measures on one series."""

    months: tuple[str, ...]
    counts: tuple[int, ...]
    harm: tuple[float, ...] | None
    total: int
    total_harm: float | None
    latest_month: str
    latest_count: int
    latest_harm: float | None
    month_on_month: Change
    rolling: Change
    year_on_year: Change
    year_to_date: Change
    trend: TrendTest
    harm_trend: TrendTest | None
    alpha: float
    seasonal_period: int | None
    year_basis: YearBasis
    window: int
    min_months: int

    def to_dict(self) -> dict[str, Any]:
        out = _fields(self)
        parameters = ("alpha", "seasonal_period", "year_basis", "window", "min_months")
        method = "monthly counts: changes with exact binomial tests; Mann–Kendall trend"
        return {"method": method, "parameters": {k: out.pop(k) for k in parameters}} | out


def _check_options(
    *, alpha: float, seasonal_period: int | None, window: int, min_months: int, year_basis: str
) -> None:
    problems = {
        "alpha": (not 0 < alpha < 1, f"must be between 0 and 1, got {alpha}"),
        "seasonal_period": (
            seasonal_period is not None and seasonal_period < 2,
            f"must be 2 or more (or none), got {seasonal_period}",
        ),
        "window": (window < 1, f"must be 1 or more, got {window}"),
        "min_months": (min_months < 4, f"must be 4 or more, got {min_months}"),
        "year_basis": (
            year_basis not in ("calendar", "financial"),
            f"must be 'calendar' or 'financial', got {year_basis!r}",
        ),
    }
    for option, (bad, message) in problems.items():
        if bad:
            raise AnalysisInputError(f"{option} {message}", option=option)


def _as_counts(counts: Sequence[float] | np.ndarray) -> np.ndarray:
    array = np.asarray(counts, dtype=np.float64)
    if array.ndim != 1:
        raise AnalysisInputError("counts must be one series (a flat list of numbers)")
    bad = ~np.isfinite(array) | (array < 0) | (array != np.round(array))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise AnalysisInputError(
            f"count {counts[first]!r} for month {first + 1} must be a whole number >= 0"
        )
    return array.astype(np.int64)


def trend_summary(
    months: Sequence[object],
    counts: Sequence[float] | np.ndarray,
    *,
    harm: Sequence[float] | np.ndarray | None = None,
    seasonal_period: int | None = 12,
    alpha: float = 0.05,
    year_basis: YearBasis = "calendar",
    window: int = 3,
    min_months: int = 10,
) -> TrendResult:
    """Latest month, changes and the Mann–Kendall trend of one complete monthly series.

    ``months`` are consecutive ascending months, one per count; ``harm`` (optional) is the
    harm-weighted total per month. ``window`` is the rolling span in months (3: the latest three
    months against the three before). See the module docstring for every definition.
    """
    _check_options(
        alpha=alpha,
        seasonal_period=seasonal_period,
        window=window,
        min_months=min_months,
        year_basis=year_basis,
    )
    period = _normalise_months(months)
    values = _as_counts(counts)
    if len(values) == 0:
        raise AnalysisInputError("the series is empty: a trend needs at least one month")
    if len(values) != len(period):
        raise AnalysisInputError(f"{len(period)} months but {len(values)} counts: give one each")
    harm_values: np.ndarray | None = None
    if harm is not None:
        harm_values = np.asarray(harm, dtype=np.float64)
        if harm_values.shape != values.shape:
            raise AnalysisInputError(f"{len(values)} counts but {len(harm_values)} harm values")
        if not np.isfinite(harm_values).all() or (harm_values < 0).any():
            raise AnalysisInputError("harm values must be finite numbers >= 0")
    latest = period[-1]
    year_start = 1 if year_basis == "calendar" else 4
    ytd = _span(latest, (int(latest[5:]) - year_start) % 12 + 1)
    basis = "calendar year (January)" if year_basis == "calendar" else "financial year (April)"
    specs = {
        "month_on_month": (
            "latest month against the month before",
            (latest,),
            (_shift(latest, -1),),
        ),
        "rolling": (
            f"latest {window} months against the {window} months before",
            _span(latest, window),
            _span(_shift(latest, -window), window),
        ),
        "year_on_year": (
            "latest month against the same month a year earlier",
            (latest,),
            (_shift(latest, -12),),
        ),
        "year_to_date": (
            f"{basis} to date against the same months a year earlier",
            ytd,
            tuple(_shift(m, -12) for m in ytd),
        ),
    }
    changes = {
        key: _change(key, text, period, values, harm_values, recent, base)
        for key, (text, recent, base) in specs.items()
    }

    def trend(series: np.ndarray) -> TrendTest:
        return mann_kendall(
            series, seasonal_period=seasonal_period, alpha=alpha, min_months=min_months
        )

    return TrendResult(
        months=period,
        counts=tuple(int(v) for v in values),
        harm=None if harm_values is None else tuple(float(h) for h in harm_values),
        total=int(values.sum()),
        total_harm=None if harm_values is None else float(harm_values.sum()),
        latest_month=latest,
        latest_count=int(values[-1]),
        latest_harm=None if harm_values is None else float(harm_values[-1]),
        month_on_month=changes["month_on_month"],
        rolling=changes["rolling"],
        year_on_year=changes["year_on_year"],
        year_to_date=changes["year_to_date"],
        trend=trend(values),
        harm_trend=None if harm_values is None else trend(harm_values),
        alpha=alpha,
        seasonal_period=seasonal_period,
        year_basis=year_basis,
        window=window,
        min_months=min_months,
    )
