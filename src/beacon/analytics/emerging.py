"""Emerging-risk flags: the rules of :class:`EmergingRules` applied to many monthly series.

Each flag names the group, the rule (key and plain-English description), its thresholds and the
evidence that tripped it. The flags are a screening aid: with many groups some trip by chance at
``alpha``; set ``correction="fdr_bh"`` to control the false discovery rate per rule. The series
measures themselves (changes, binomial tests, Mann–Kendall) are in ``trends.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
from scipy import stats

from beacon.analytics.errors import AnalysisInputError

# Shared series helpers (package-internal): one definition of days, percentages and test options.
from beacon.analytics.trends import (
    MonthlySeries,
    _check_options,
    _days,
    _fields,
    _p_increase,
    _pct,
    _sort_key,
    mann_kendall,
)

RULE_KEYS = ("rising_trend", "recent_surge", "year_on_year_rise", "newly_appearing")
_CORRECTIONS = ("none", "fdr_bh")
_FLOAT_SETTINGS = ("alpha", "surge_min_pct", "yoy_min_pct")
_OPTIONAL_SETTINGS = ("seasonal_period", "new_lookback_months")
_NON_NEGATIVE = (
    "trend_min_events", "surge_min_pct", "surge_min_events", "yoy_min_pct", "yoy_min_events",
    "new_min_history_months", "new_min_events",
)  # fmt: skip
_THRESHOLDS = {
    "rising_trend": ("alpha", "correction", "min_months", "seasonal_period", "trend_min_events"),
    "recent_surge": ("alpha", "correction", "window_months", "surge_min_pct", "surge_min_events"),
    "year_on_year_rise": ("alpha", "correction", "yoy_min_pct", "yoy_min_events"),
    "newly_appearing": (
        "window_months", "new_lookback_months", "new_min_history_months", "new_min_events",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class EmergingRules:
    """Thresholds of the emerging-risk rules (defaults below; replace via :meth:`from_mapping`).

    * ``rising_trend``: Mann–Kendall p < ``alpha`` and Sen's slope > 0 over the whole period
      (seasonal test with two full cycles, else original; needs ``min_months``), with at least
      ``trend_min_events`` events in the period (default 0: no minimum).
    * ``recent_surge``: the latest ``window_months`` (3) against the ``window_months`` before, up
      by at least ``surge_min_pct`` (50) % with at least ``surge_min_events`` (10) recent events
      and a one-sided binomial p (increase) < ``alpha``. A zero base has no % change, so it is
      never a surge: that is ``newly_appearing``.
    * ``year_on_year_rise``: the latest month against the same month a year earlier, up by at
      least ``yoy_min_pct`` (50) % with at least ``yoy_min_events`` (10) events in the latest
      month and a one-sided binomial p (increase) < ``alpha``.
    * ``newly_appearing``: no events in the ``new_lookback_months`` (12) months before the latest
      ``window_months`` (all earlier months when ``None`` or when the series is shorter), which
      must span at least ``new_min_history_months`` (6) months, and at least
      ``new_min_events`` (3) in the latest ``window_months``.

    ``alpha`` is 0.05. ``correction="fdr_bh"`` compares Benjamini–Hochberg adjusted p-values
    (per rule, across all groups tested) with ``alpha``; ``"none"`` (default) the raw ones.
    """

    alpha: float = 0.05
    rules: tuple[str, ...] = RULE_KEYS
    seasonal_period: int | None = 12
    min_months: int = 10
    window_months: int = 3
    trend_min_events: int = 0
    surge_min_pct: float = 50.0
    surge_min_events: int = 10
    yoy_min_pct: float = 50.0
    yoy_min_events: int = 10
    new_lookback_months: int | None = 12
    new_min_history_months: int = 6
    new_min_events: int = 3
    correction: str = "none"

    def __post_init__(self) -> None:
        _check_options(
            alpha=self.alpha,
            seasonal_period=self.seasonal_period,
            window=self.window_months,
            min_months=self.min_months,
            year_basis="calendar",
        )
        unknown = [r for r in self.rules if r not in RULE_KEYS]
        if unknown:
            known = ", ".join(RULE_KEYS)
            raise AnalysisInputError(f"unknown rule {unknown[0]!r}; known: {known}", option="rules")
        if self.correction not in _CORRECTIONS:
            raise AnalysisInputError(
                f"correction must be one of {', '.join(_CORRECTIONS)}, got {self.correction!r}",
                option="correction",
            )
        for name in _NON_NEGATIVE:
            if getattr(self, name) < 0:
                raise AnalysisInputError(f"{name} must be 0 or more", option=name)
        if self.new_lookback_months is not None and self.new_lookback_months < 1:
            raise AnalysisInputError(
                "new_lookback_months must be 1 or more (or none)", option="new_lookback_months"
            )

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], *, file: str | None = None) -> EmergingRules:
        """Rules from configuration (e.g. a TOML table): known keys only, values checked."""
        known = [f.name for f in fields(cls)]
        settings: dict[str, Any] = {}
        for name, value in values.items():
            if name not in known:
                raise AnalysisInputError(
                    f"unknown emerging-risk setting; known: {', '.join(known)}",
                    file=file,
                    option=name,
                )
            if name == "rules":
                if isinstance(value, str) or not isinstance(value, Iterable):
                    raise AnalysisInputError("must be a list of rule names", file=file, option=name)
                value = tuple(str(v) for v in value)
            elif name == "correction":
                value = str(value)
            elif not (value is None and name in _OPTIONAL_SETTINGS):
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise AnalysisInputError(f"{value!r} is not a number", file=file, option=name)
                if name not in _FLOAT_SETTINGS and value != int(value):
                    raise AnalysisInputError(
                        f"{value!r} is not a whole number", file=file, option=name
                    )
                value = float(value) if name in _FLOAT_SETTINGS else int(value)
            settings[name] = value
        try:
            return cls(**settings)
        except AnalysisInputError as error:
            raise AnalysisInputError(error.reason, file=file, option=error.option) from None

    def describe(self, rule: str) -> str:
        """The rule in plain English with its thresholds."""
        w, alpha = self.window_months, self.alpha
        if rule == "rising_trend":
            events = f" (at least {self.trend_min_events} events)" if self.trend_min_events else ""
            return (
                f"significant rising trend: Mann–Kendall p < {alpha} and Sen's slope > 0 over "
                f"the whole period{events}"
            )
        if rule == "recent_surge":
            return (
                f"recent surge: latest {w} months up at least {self.surge_min_pct:g}% on the "
                f"{w} months before, with at least {self.surge_min_events} events and a "
                f"significant rise (binomial p < {alpha})"
            )
        if rule == "year_on_year_rise":
            return (
                f"year-on-year rise: latest month up at least {self.yoy_min_pct:g}% on the same "
                f"month a year earlier, with at least {self.yoy_min_events} events and a "
                f"significant rise (binomial p < {alpha})"
            )
        lookback = (
            "all earlier months"
            if self.new_lookback_months is None
            else f"the {self.new_lookback_months} months before"
        )
        return (
            f"newly appearing: no events in {lookback} (at least "
            f"{self.new_min_history_months} months), then at least {self.new_min_events} "
            f"in the latest {w} months"
        )

    def thresholds(self, rule: str) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _THRESHOLDS[rule]}

    def to_dict(self) -> dict[str, Any]:
        return _fields(self) | {"descriptions": {r: self.describe(r) for r in self.rules}}


@dataclass(frozen=True)
class EmergingFlag:
    """One rule tripped by one group, with the thresholds and the numbers that tripped it."""

    group: tuple[tuple[str, Any], ...]
    group_label: str
    rule: str
    description: str
    latest_month: str
    thresholds: dict[str, Any] = field(hash=False)
    evidence: dict[str, Any] = field(hash=False)

    def to_dict(self) -> dict[str, Any]:
        return _fields(self) | {"group": dict(self.group)}


@dataclass
class _Candidate:
    """A group tested under one rule: its p-value (None: untestable) and other conditions."""

    index: int
    p: float | None
    passes: bool
    evidence: dict[str, Any]


def _rising(index: int, counts: np.ndarray, rules: EmergingRules) -> _Candidate | None:
    total = int(counts.sum())
    if len(counts) and (counts == counts[0]).all():
        # A constant series has S = 0 and p = 1 whichever test would run; skip the work.
        test_ran = len(counts) >= rules.min_months
        return _Candidate(index, 1.0, False, {}) if test_ran else None
    test = mann_kendall(
        counts, seasonal_period=rules.seasonal_period, alpha=rules.alpha,
        min_months=rules.min_months,
    )  # fmt: skip
    if not test.computed:
        return None
    slope = test.slope_per_month or 0.0
    evidence = {
        "test": test.test, "n_months": test.n_months, "total": total, "s": test.s,
        "tau": test.tau, "z": test.z, "p": test.p, "slope_per_month": slope,
    }  # fmt: skip
    passes = slope > 0 and total >= rules.trend_min_events
    return _Candidate(index, test.p, passes, evidence)


def _rise(
    index: int,
    counts: np.ndarray,
    months: tuple[str, ...],
    recent: slice,
    base: slice,
    min_pct: float,
    min_events: int,
) -> _Candidate:
    r_count, b_count = int(counts[recent].sum()), int(counts[base].sum())
    r_months, b_months = months[recent], months[base]
    r_days, b_days = _days(r_months), _days(b_months)
    total = r_count + b_count
    p = _p_increase(r_count, total, r_days / (r_days + b_days)) if total else None
    pct = _pct(r_count, b_count)
    evidence = {
        "recent_months": list(r_months), "base_months": list(b_months),
        "recent_count": r_count, "base_count": b_count, "pct_change": pct,
        "recent_days": r_days, "base_days": b_days, "p_increase": p,
    }  # fmt: skip
    passes = pct is not None and pct >= min_pct and r_count >= min_events
    return _Candidate(index, p, passes, evidence)


def _newly_appearing(
    index: int, counts: np.ndarray, months: tuple[str, ...], rules: EmergingRules
) -> _Candidate | None:
    w = rules.window_months
    if len(counts) <= w:
        return None
    earlier = counts[:-w]
    if rules.new_lookback_months is not None:
        earlier = earlier[-rules.new_lookback_months :]
    recent = int(counts[-w:].sum())
    start = len(counts) - w - len(earlier)
    evidence = {
        "lookback_months": [months[start], months[-w - 1]],
        "lookback_length": len(earlier),
        "lookback_count": int(earlier.sum()),
        "recent_months": list(months[-w:]),
        "recent_count": recent,
    }
    passes = (
        len(earlier) >= max(rules.new_min_history_months, 1)
        and int(earlier.sum()) == 0
        and recent >= rules.new_min_events
    )
    return _Candidate(index, None, passes, evidence)


def emerging_risks(
    series_by_group: Mapping[Any, MonthlySeries] | Iterable[MonthlySeries],
    *,
    rules: EmergingRules | None = None,
) -> list[EmergingFlag]:
    """Apply :class:`EmergingRules` to every series; flags sorted by group, then rule order.

    ``series_by_group`` is what :func:`monthly_series` returns (or any iterable of
    :class:`MonthlySeries`); all series must cover the same months. Each flag's evidence holds
    the raw p-value and ``p_used`` (the one compared with ``alpha``: adjusted under
    ``correction="fdr_bh"``).
    """
    rules = rules or EmergingRules()
    values = series_by_group.values() if isinstance(series_by_group, Mapping) else series_by_group
    series_list = list(values)
    if not series_list:
        return []
    months = series_list[0].months
    for series in series_list:
        if series.months != months:
            raise AnalysisInputError(
                f"series {series.label} covers {series.months[0]}..{series.months[-1]}, the "
                f"first {months[0]}..{months[-1]}: all series must cover the same months"
            )
    w, n = rules.window_months, len(months)
    surge = (slice(n - w, n), slice(n - 2 * w, n - w), rules.surge_min_pct, rules.surge_min_events)
    yoy = (slice(n - 1, n), slice(n - 13, n - 12), rules.yoy_min_pct, rules.yoy_min_events)
    found: dict[str, list[_Candidate]] = {rule: [] for rule in RULE_KEYS}
    for index, series in enumerate(series_list):
        counts = np.asarray(series.counts, dtype=np.int64)
        for rule in rules.rules:
            candidate: _Candidate | None = None
            if rule == "rising_trend":
                candidate = _rising(index, counts, rules)
            elif rule == "recent_surge" and n >= 2 * w:
                candidate = _rise(index, counts, months, *surge)
            elif rule == "year_on_year_rise" and n >= 13:
                candidate = _rise(index, counts, months, *yoy)
            elif rule == "newly_appearing":
                candidate = _newly_appearing(index, counts, months, rules)
            if candidate is not None:
                found[rule].append(candidate)

    flags: list[tuple[tuple[tuple[bool, str], ...], int, EmergingFlag]] = []
    for rule in rules.rules:
        tested = found[rule]
        used: list[float | None] = [c.p for c in tested]
        with_p = [i for i, p in enumerate(used) if p is not None]
        if rules.correction == "fdr_bh" and with_p:
            # Adjusted over every group whose test could run, flagged or not.
            raw = np.array([used[i] for i in with_p], dtype=np.float64)
            for i, v in zip(with_p, stats.false_discovery_control(raw, method="bh"), strict=True):
                used[i] = float(v)
        for candidate, p_used in zip(tested, used, strict=True):
            if not candidate.passes:
                continue
            evidence = dict(candidate.evidence)
            if rule != "newly_appearing":
                if candidate.p is None or p_used is None or p_used >= rules.alpha:
                    continue
                evidence["p_used"] = p_used
            series = series_list[candidate.index]
            flag = EmergingFlag(
                group=series.group,
                group_label=series.label,
                rule=rule,
                description=rules.describe(rule),
                latest_month=months[-1],
                thresholds=rules.thresholds(rule),
                evidence=evidence,
            )
            flags.append((_sort_key(series.key), RULE_KEYS.index(rule), flag))
    flags.sort(key=lambda item: (item[0], item[1]))
    return [flag for _, _, flag in flags]
