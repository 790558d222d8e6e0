"""Areas and their parent links: bulk upserts and the LSOA hierarchy."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.geography._common import (
    LEVEL_RANK,
    LEVEL_WORDS,
    GeographyError,
    Tally,
    bulk_insert,
    bulk_update,
    chunks,
    vintage_key,
)
from beacon.geography.models import Area, AreaLevel

_NAME_MAX = 200
_SOURCE_MAX = 300
# Up to this many codes are fetched with IN lists; more, and the whole level is read.
_FEW_CODES = 2000


@dataclass(frozen=True)
class AreaRow:
    """One area to create or update, with an optional parent (found by level and code; when
    ``parent_vintage`` is None the newest vintage of that code is used)."""

    level: str
    code: str
    vintage: str
    name: str
    parent_level: str | None = None
    parent_code: str | None = None
    parent_vintage: str | None = None


@dataclass(frozen=True)
class AreaCounts:
    """What ``upsert_areas`` did, in total and per level."""

    inserted: int
    updated: int
    unchanged: int
    by_level: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "by_level": {level: dict(counts) for level, counts in self.by_level.items()},
        }


@dataclass(frozen=True)
class LsoaPlace:
    """Where an LSOA sits: its ward, district and police force area (None where unknown)."""

    lsoa_name: str
    ward_code: str | None
    ward_name: str | None
    ward_vintage: str | None
    district_code: str | None
    district_name: str | None
    force_code: str | None
    force_name: str | None
    lsoa_code: str = ""
    lsoa_vintage: str = ""


@dataclass(frozen=True)
class ExistingArea:
    id: int
    name: str
    parent_id: int | None


def load_level(
    session: Session, level: str, vintage: str, codes: Collection[str] | None = None
) -> dict[str, ExistingArea]:
    """Areas of one level and vintage (only ``codes`` when given), by code."""
    query = select(Area.code, Area.id, Area.name, Area.parent_id).where(
        Area.level == level, Area.vintage == vintage
    )
    statements: Iterable[Any]
    if codes is None:
        statements = [query]
    else:
        statements = (query.where(Area.code.in_(part)) for part in chunks(sorted(codes)))
    return {
        code: ExistingArea(id_, name, parent_id)
        for statement in statements
        for code, id_, name, parent_id in session.execute(statement)
    }


def areas_by_code(
    session: Session, level: str, codes: Iterable[str] | None = None
) -> dict[str, dict[str, ExistingArea]]:
    """Areas of ``level`` (all vintages; only ``codes`` when given): code -> vintage -> area."""
    result: dict[str, dict[str, ExistingArea]] = defaultdict(dict)
    query = select(Area.code, Area.vintage, Area.id, Area.name, Area.parent_id).where(
        Area.level == level
    )
    if codes is None:
        batches: Iterable[Any] = [query]
    else:
        batches = (query.where(Area.code.in_(part)) for part in chunks(sorted(set(codes))))
    for statement in batches:
        for code, vintage, id_, name, parent_id in session.execute(statement):
            result[code][vintage] = ExistingArea(id_, name, parent_id)
    return dict(result)


def pick_vintage(
    by_vintage: Mapping[str, ExistingArea], prefer: str | None = None
) -> tuple[str, ExistingArea]:
    """The area of ``prefer`` vintage when present, else of the newest vintage."""
    if prefer is not None and prefer in by_vintage:
        return prefer, by_vintage[prefer]
    vintage = max(by_vintage, key=vintage_key)
    return vintage, by_vintage[vintage]


def write_level(
    session: Session,
    level: str,
    vintage: str,
    wanted: Mapping[str, tuple[str, int | None]],
    source: str | None,
) -> tuple[Tally, dict[str, int]]:
    """Insert or update areas of one level and vintage.

    ``wanted`` maps code -> (name, parent id). An empty name or a None parent leaves the stored
    value alone (a new area gets "" / no parent). Returns the counts and the id of every code in
    ``wanted``.
    """
    tally = Tally()
    # Few codes: fetch just those; many: one scan of the level is cheaper than many IN lists.
    existing = load_level(session, level, vintage, wanted if len(wanted) <= _FEW_CODES else None)
    source = source[:_SOURCE_MAX] if source else None
    inserts: list[dict[str, Any]] = []
    updates: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for code, (name, parent_id) in wanted.items():
        name = name[:_NAME_MAX]
        found = existing.get(code)
        if found is None:
            inserts.append(
                {
                    "level": level,
                    "code": code,
                    "vintage": vintage,
                    "name": name,
                    "parent_id": parent_id,
                    "source": source,
                }
            )
            continue
        change: dict[str, Any] = {}
        if name and name != found.name:
            change["name"] = name
        if parent_id is not None and parent_id != found.parent_id:
            change["parent_id"] = parent_id
        if change:
            change["id"] = found.id
            change["source"] = source
            updates[tuple(sorted(change))].append(change)
            tally.updated += 1
        else:
            tally.unchanged += 1
    if inserts:
        bulk_insert(session, Area, inserts)
        tally.inserted = len(inserts)
    for batch in updates.values():
        bulk_update(session, Area, "id", batch)
    ids = {code: area.id for code, area in existing.items() if code in wanted}
    if inserts:
        inserted = [row["code"] for row in inserts]
        fresh = load_level(
            session, level, vintage, inserted if len(inserted) <= _FEW_CODES else None
        )
        ids.update((code, fresh[code].id) for code in inserted)
    return tally, ids


def _check_row(row: AreaRow) -> str | None:
    if row.level not in LEVEL_RANK:
        return f"unknown level {row.level!r} (expected one of {', '.join(LEVEL_RANK)})"
    if not row.code or len(row.code) > 16:
        return f"{row.level} code {row.code!r} must be 1 to 16 characters"
    if not row.vintage or len(row.vintage) > 8:
        return f"vintage {row.vintage!r} of {row.level} {row.code} must be 1 to 8 characters"
    if (row.parent_level is None) != (row.parent_code is None):
        return f"{row.level} {row.code}: give both parent_level and parent_code, or neither"
    if row.parent_level is not None:
        if row.parent_level not in LEVEL_RANK:
            return f"{row.level} {row.code}: unknown parent level {row.parent_level!r}"
        if LEVEL_RANK[row.parent_level] <= LEVEL_RANK[row.level]:
            return (
                f"{row.level} {row.code}: a {LEVEL_WORDS[row.parent_level]} cannot be the "
                f"parent of a {LEVEL_WORDS[row.level]}"
            )
    return None


def upsert_areas(
    session: Session, rows: Iterable[AreaRow], *, source: str | None = None
) -> AreaCounts:
    """Create or update areas and their parent links; parents may be in ``rows`` or stored.

    Levels are written from the largest (force) down, so a row's parent can be another row.
    A row without a parent keeps the stored parent of an existing area. Codes are not checked
    against ONS formats (callers may use their own identifiers). Raises GeographyError for an
    invalid row, conflicting duplicates or a parent that exists nowhere (larger levels may
    already be written then: roll back). Flushes but does not commit: the caller owns the
    transaction.
    """
    unique: dict[tuple[str, str, str], AreaRow] = {}
    for row in rows:
        problem = _check_row(row)
        if problem:
            raise GeographyError(problem)
        key = (row.level, row.code, row.vintage)
        previous = unique.get(key)
        if previous is not None and previous != row:
            raise GeographyError(
                f"{row.level} {row.code} ({row.vintage}) is given twice with different "
                f"names or parents: {previous} and {row}"
            )
        unique[key] = row

    by_level: dict[str, dict[str, list[AreaRow]]] = defaultdict(lambda: defaultdict(list))
    for row in unique.values():
        by_level[row.level][row.vintage].append(row)

    totals = Tally()
    counts: dict[str, dict[str, int]] = {}
    for level in sorted(by_level, key=lambda lv: -LEVEL_RANK[lv]):
        level_tally = Tally()
        level_rows = [row for group in by_level[level].values() for row in group]
        parents = _resolve_parents(session, level_rows)
        for vintage, group in by_level[level].items():
            wanted = {
                row.code: (row.name, parents.get((row.level, row.code, row.vintage)))
                for row in group
            }
            tally, _ = write_level(session, level, vintage, wanted, source)
            level_tally.add(tally)
        counts[level] = level_tally.to_dict()
        totals.add(level_tally)
    session.flush()
    return AreaCounts(totals.inserted, totals.updated, totals.unchanged, counts)


def _resolve_parents(session: Session, rows: list[AreaRow]) -> dict[tuple[str, str, str], int]:
    wanted: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row.parent_level is not None and row.parent_code is not None:
            wanted[row.parent_level].add(row.parent_code)
    found = {level: areas_by_code(session, level, codes) for level, codes in wanted.items()}
    result: dict[tuple[str, str, str], int] = {}
    missing: list[str] = []
    for row in rows:
        if row.parent_level is None or row.parent_code is None:
            continue
        candidates = found[row.parent_level].get(row.parent_code, {})
        if row.parent_vintage is not None:
            area = candidates.get(row.parent_vintage)
        else:
            area = pick_vintage(candidates)[1] if candidates else None
        if area is None:
            vintage = f" ({row.parent_vintage})" if row.parent_vintage else ""
            missing.append(
                f"{row.parent_level} {row.parent_code}{vintage} of {row.level} {row.code}"
            )
            continue
        result[(row.level, row.code, row.vintage)] = area.id
    if missing:
        shown = "; ".join(missing[:10]) + (
            f"; and {len(missing) - 10} more" if len(missing) > 10 else ""
        )
        raise GeographyError(f"parent area not found: {shown}")
    return result


def lsoa_hierarchy(session: Session) -> dict[str, LsoaPlace]:
    """Every LSOA code with its ward, district and force, in one query.

    When an LSOA code exists in several vintages, the one with a parent ward wins, then the
    newest vintage. Parents are followed up to three levels and placed by their level, so an
    LSOA linked straight to a district (no ward) still gets its district and force.
    """
    area = Area.__table__
    lsoa, p1, p2, p3 = (area.alias(name) for name in ("lsoa", "p1", "p2", "p3"))
    statement = (
        select(
            lsoa.c.code,
            lsoa.c.vintage,
            lsoa.c.name,
            *(
                column
                for alias in (p1, p2, p3)
                for column in (alias.c.level, alias.c.code, alias.c.name, alias.c.vintage)
            ),
        )
        .select_from(
            lsoa.outerjoin(p1, p1.c.id == lsoa.c.parent_id)
            .outerjoin(p2, p2.c.id == p1.c.parent_id)
            .outerjoin(p3, p3.c.id == p2.c.parent_id)
        )
        .where(lsoa.c.level == AreaLevel.LSOA.value)
    )
    best: dict[str, tuple[tuple[bool, tuple[int, str]], LsoaPlace]] = {}
    for row in session.connection().execute(statement):
        code, vintage, name = row[0], row[1], row[2]
        slots: dict[str, tuple[str, str, str]] = {}
        for offset in (3, 7, 11):
            level = row[offset]
            if level is not None and level not in slots:
                slots[level] = (row[offset + 1], row[offset + 2], row[offset + 3])
        ward = slots.get(AreaLevel.WARD)
        district = slots.get(AreaLevel.DISTRICT)
        force = slots.get(AreaLevel.FORCE)
        place = LsoaPlace(
            lsoa_name=name,
            ward_code=ward[0] if ward else None,
            ward_name=ward[1] if ward else None,
            ward_vintage=ward[2] if ward else None,
            district_code=district[0] if district else None,
            district_name=district[1] if district else None,
            force_code=force[0] if force else None,
            force_name=force[1] if force else None,
            lsoa_code=code,
            lsoa_vintage=vintage,
        )
        rank = (ward is not None, vintage_key(vintage))
        current = best.get(code)
        if current is None or rank > current[0]:
            best[code] = (rank, place)
    return {code: place for code, (_, place) in best.items()}
