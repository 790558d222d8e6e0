"""The assessment configuration: themes (with the police.uk crime types, intelligence themes and
partner feeds each one counts), the MoRiLE-style scales and weights, and the defaults of the
methods. Shipped as ``data/default.json``; ``BEACON_ASSESSMENT_CONFIG_FILE`` points at a
partnership's own copy. Every run records the configuration it used (and its hash) in the
manifest, so a score can always be traced to the weights that made it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from beacon.analytics.errors import AnalysisInputError

DEFAULT_FILE = Path(__file__).parent / "data" / "default.json"
COMPONENTS = ("harm", "likelihood", "confidence", "position")
_BANDS = ("harm_share_bands", "rate_bands", "intelligence_bands")


@dataclass(frozen=True)
class Theme:
    key: str
    label: str
    crime_types: tuple[str, ...]
    intelligence: tuple[str, ...]
    partner: tuple[str, ...]
    severity: int  # configured judgement of how serious one occurrence is (1-5)
    vulnerability: int  # how vulnerable its victims typically are (1-5)

    @property
    def has_crime(self) -> bool:
        return bool(self.crime_types)


@dataclass(frozen=True)
class AssessmentConfig:
    raw: dict[str, Any]
    source: str

    @property
    def themes(self) -> tuple[Theme, ...]:
        return tuple(
            Theme(
                key=t["key"],
                label=t["label"],
                crime_types=tuple(t.get("crime_types", ())),
                intelligence=tuple(t.get("intelligence", ())),
                partner=tuple(t.get("partner", ())),
                severity=int(t["severity"]),
                vulnerability=int(t["vulnerability"]),
            )
            for t in self.raw["themes"]
        )

    def theme(self, key: str) -> Theme:
        for theme in self.themes:
            if theme.key == key:
                return theme
        raise AnalysisInputError(
            f"unknown theme {key!r} (known: {', '.join(t.key for t in self.themes)})",
            option="--theme",
        )

    @property
    def weights(self) -> dict[str, float]:
        return {c: float(self.raw["weights"][c]) for c in COMPONENTS}

    def bands(self, name: str) -> list[float]:
        return [float(v) for v in self.raw[name]]

    @property
    def digest(self) -> str:
        canonical = json.dumps(self.raw, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def get(self, name: str, default: Any = None) -> Any:
        return self.raw.get(name, default)


def load_config(path: str | Path | None = None) -> AssessmentConfig:
    """The configuration at ``path`` (default: the shipped one), checked: a bad file is named
    with the setting at fault, never half-used."""
    file = Path(path) if path else DEFAULT_FILE
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise AnalysisInputError(
            f"cannot read the assessment configuration: {error.strerror}", file=str(file)
        ) from None
    except json.JSONDecodeError as error:
        raise AnalysisInputError(
            f"not JSON (line {error.lineno}, column {error.colno}: {error.msg})", file=str(file)
        ) from None
    return from_mapping(raw, source=str(file))


def from_mapping(raw: dict[str, Any], *, source: str = "manifest") -> AssessmentConfig:
    _check(raw, source)
    return AssessmentConfig(raw, source)


def _check(raw: Any, file: str) -> None:
    def fail(option: str, reason: str) -> None:
        raise AnalysisInputError(reason, file=file, option=option)

    if not isinstance(raw, dict):
        fail("(top level)", "must be a JSON object")
    themes = raw.get("themes")
    if not isinstance(themes, list) or not themes:
        fail("themes", "must be a non-empty list")
    seen: set[str] = set()
    owner: dict[str, str] = {}
    for i, theme in enumerate(themes):
        where = f"themes[{i}]"
        if not isinstance(theme, dict):
            fail(where, "must be an object")
        for name in ("key", "label"):
            if not isinstance(theme.get(name), str) or not theme[name].strip():
                fail(f"{where}.{name}", "must be a non-empty text")
        if theme["key"] in seen:
            fail(f"{where}.key", f"{theme['key']!r} appears twice")
        seen.add(theme["key"])
        for name in ("severity", "vulnerability"):
            value = theme.get(name)
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
                fail(f"{where}.{name}", "must be a whole number from 1 to 5")
        for name in ("crime_types", "intelligence", "partner"):
            values = theme.get(name, [])
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                fail(f"{where}.{name}", "must be a list of texts")
        # A crime type counted under two themes would be counted twice in the totals.
        for crime_type in theme.get("crime_types", []):
            if crime_type in owner:
                fail(
                    f"{where}.crime_types",
                    f"{crime_type!r} is already counted under {owner[crime_type]!r}",
                )
            owner[crime_type] = theme["key"]
    weights = raw.get("weights")
    if not isinstance(weights, dict) or set(weights) != set(COMPONENTS):
        fail("weights", f"must give exactly {', '.join(COMPONENTS)}")
    for name, value in weights.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            fail(f"weights.{name}", "must be a number, 0 or more")
    if sum(weights.values()) <= 0:
        fail("weights", "at least one weight must be above 0")
    for name in _BANDS:
        bands = raw.get(name)
        if (
            not isinstance(bands, list)
            or len(bands) != 4
            or not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bands)
            or sorted(bands) != bands
        ):
            fail(name, "must be four increasing numbers (the upper bounds of scores 1 to 4)")
    priorities = raw.get("priorities", {})
    if not isinstance(priorities.get("count", 8), int) or priorities.get("count", 8) < 1:
        fail("priorities.count", "must be a whole number, 1 or more")
    if raw.get("hotspot_significance", "normal") not in ("normal", "permutation"):
        fail("hotspot_significance", "must be normal or permutation")
