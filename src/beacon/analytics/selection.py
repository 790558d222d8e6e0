"""Which areas and months an analysis covers: parsed from options, checked against a snapshot.

Areas: a police force (``--force``, data.police.uk id or name), districts (``--lad``), wards
(``--ward``) or LSOAs (``--lsoa``); each takes one code or a comma-separated list. Without any,
every LSOA that loaded police data covers. Months: ``--month YYYY-MM`` or
``--from YYYY-MM --to YYYY-MM``.
Without a period, the latest run of consecutive months the snapshot holds (at most 12). Every
problem is an ``AnalysisInputError`` naming the option.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from beacon.analytics.errors import AnalysisInputError

LEVEL_OPTIONS = {"force": "--force", "district": "--lad", "ward": "--ward", "lsoa": "--lsoa"}
_CODE_COLUMN = {"district": "district_code", "ward": "ward_code", "lsoa": "lsoa_code"}
_CODE_PATTERN = re.compile(r"^[EWSN]\d{8}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MAX_MONTHS = 240


@dataclass(frozen=True)
class AreaChoice:
    """What the user asked for, before it is checked against a snapshot."""

    level: str  # "all", "force", "district", "ward", "lsoa"
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Selection:
    """The resolved areas: the LSOAs in scope and how they were chosen."""

    level: str
    codes: tuple[str, ...]
    lsoas: tuple[str, ...]
    names: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "codes": list(self.codes),
            "names": self.names,
            "lsoas": len(self.lsoas),
        }


@dataclass(frozen=True)
class Period:
    months: tuple[str, ...]

    @property
    def first(self) -> str:
        return self.months[0]

    @property
    def last(self) -> str:
        return self.months[-1]

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.first, "to": self.last, "months": len(self.months)}


def _split(value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(part.strip() for part in value.split(",") if part.strip())


def area_choice(
    *,
    force: str | None = None,
    lad: str | None = None,
    ward: str | None = None,
    lsoa: str | None = None,
) -> AreaChoice:
    """One of the area options (or none, meaning everything police data covers)."""
    given = {
        level: _split(value)
        for level, value in (("force", force), ("district", lad), ("ward", ward), ("lsoa", lsoa))
        if value is not None
    }
    if len(given) > 1:
        names = " and ".join(LEVEL_OPTIONS[level] for level in given)
        raise AnalysisInputError(f"give one area level, not {names}", option=names.split()[0])
    if not given:
        return AreaChoice("all")
    level, codes = next(iter(given.items()))
    option = LEVEL_OPTIONS[level]
    if not codes:
        raise AnalysisInputError("no area code given", option=option)
    if level != "force":
        bad = [c for c in codes if not _CODE_PATTERN.match(c.upper())]
        if bad:
            raise AnalysisInputError(
                f"{bad[0]!r} is not an ONS area code (a letter and 8 digits, e.g. E06000015)",
                option=option,
            )
        codes = tuple(c.upper() for c in codes)
    return AreaChoice(level, tuple(dict.fromkeys(codes)))


def _month_index(value: str, option: str) -> int:
    match = _MONTH.match(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise AnalysisInputError(f"{value!r} is not a month (YYYY-MM)", option=option)
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def shift_month(month: str, delta: int) -> str:
    """``YYYY-MM`` moved by ``delta`` calendar months (negative goes back)."""
    index = int(month[:4]) * 12 + int(month[5:]) - 1 + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_range(first: str, last: str) -> tuple[str, ...]:
    start, end = _month_index(first, "--from"), _month_index(last, "--to")
    return tuple(f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(start, end + 1))


def period_choice(
    *, month: str | None = None, start: str | None = None, end: str | None = None
) -> tuple[str, str] | None:
    """(first, last) months asked for, or None for the snapshot's latest 12."""
    if month is not None and (start is not None or end is not None):
        raise AnalysisInputError("give --month or --from/--to, not both", option="--month")
    if month is not None:
        _month_index(month, "--month")
        return month.strip(), month.strip()
    if start is None and end is None:
        return None
    if start is None or end is None:
        missing = "--from" if start is None else "--to"
        raise AnalysisInputError("--from and --to go together", option=missing)
    if _month_index(start, "--from") > _month_index(end, "--to"):
        raise AnalysisInputError(f"--from {start} is after --to {end}", option="--from")
    if _month_index(end, "--to") - _month_index(start, "--from") >= MAX_MONTHS:
        raise AnalysisInputError(f"at most {MAX_MONTHS} months at once", option="--from")
    return start.strip(), end.strip()


def latest_run(available: list[str], limit: int | None = None) -> tuple[str, ...]:
    """The latest run of consecutive months in ``available`` (sorted), at most ``limit``: a
    gap would read as zero crime, so a default period never spans one."""
    run = [available[-1]]
    for month in reversed(available[:-1]):
        if limit is not None and len(run) == limit:
            break
        if _month_index(month, "--from") != _month_index(run[0], "--from") - 1:
            break
        run.insert(0, month)
    return tuple(run)


def resolve_period(
    asked: tuple[str, str] | None,
    available: list[str],
    *,
    require_loaded: bool = True,
    what: str = "street crime",
) -> Period:
    """Check the months against what the snapshot holds.

    Police data comes in whole months; a month the snapshot lacks would read as zero crime and
    fake a fall, so with ``require_loaded`` every month of the period must be loaded.
    """
    if asked is None:
        if not available:
            hint = (
                "import police data, then refresh the snapshot (beacon analyse snapshot)"
                if what == "street crime"
                else "import some first"
            )
            raise AnalysisInputError(
                f"the snapshot holds no {what}: {hint}",
                option="--month",
            )
        return Period(latest_run(available, 12))
    months = month_range(*asked)
    if require_loaded:
        missing = [m for m in months if m not in set(available)]
        if missing:
            covered = f"{available[0]} to {available[-1]}" if available else "no months"
            shown = ", ".join(missing[:6]) + (" ..." if len(missing) > 6 else "")
            option = "--month" if asked[0] == asked[1] else "--from"
            raise AnalysisInputError(
                f"no street crime in the snapshot for {shown} (it covers {covered}; "
                "gaps are not counted as zero)",
                option=option,
            )
    return Period(months)


def resolve_selection(
    choice: AreaChoice,
    areas: list[dict[str, Any]],
    *,
    known_forces: list[str] | None = None,
) -> Selection:
    """The LSOAs of the chosen areas, from the snapshot's ``areas`` rows (all of them, or at
    least those the choice matches; ``known_forces`` lists every force when only those are).

    Unknown codes are an error naming them; so is a choice that leaves no LSOA.
    """
    if choice.level == "all":
        lsoas = tuple(sorted(a["lsoa_code"] for a in areas if a.get("police_force")))
        if not lsoas:
            raise AnalysisInputError(
                "no area is covered by police data in the snapshot: choose --lad, --ward or "
                "--lsoa, or import police data",
                option="--lad",
            )
        return Selection("all", (), lsoas)
    option = LEVEL_OPTIONS[choice.level]
    if choice.level == "force":
        from beacon.ingest.forces import resolve_force_name

        names: dict[str, str] = {}
        wanted: set[str] = set()
        for code in choice.codes:
            name = resolve_force_name(code)
            wanted.add(name)
            names[code] = name
        known = known_forces or sorted(
            {str(a["police_force"]) for a in areas if a.get("police_force")}
        )
        unknown = [c for c in choice.codes if names[c] not in known]
        if unknown:
            raise AnalysisInputError(
                f"no police force {unknown[0]!r} in the snapshot (known: "
                f"{', '.join(known) or 'none'})",
                option=option,
            )
        lsoas = tuple(sorted(a["lsoa_code"] for a in areas if a.get("police_force") in wanted))
        return Selection("force", choice.codes, lsoas, names)
    column = _CODE_COLUMN[choice.level]
    name_column = column.replace("_code", "_name")
    found: dict[str, str] = {}
    lsoas_set: set[str] = set()
    wanted_codes = set(choice.codes)
    for area in areas:
        code = str(area.get(column) or "")
        if code in wanted_codes:
            found[code] = str(area.get(name_column) or "")
            lsoas_set.add(area["lsoa_code"])
    unknown = [c for c in choice.codes if c not in found]
    if unknown:
        listed = ", ".join(unknown[:5])
        raise AnalysisInputError(
            f"unknown {choice.level} code{'s' if len(unknown) > 1 else ''} {listed}: not in the "
            "snapshot's area lookup (import the ONS lookup that has it, then refresh)",
            option=option,
        )
    return Selection(choice.level, choice.codes, tuple(sorted(lsoas_set)), found)
