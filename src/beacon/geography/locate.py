"""Which areas contain a point, and what a postcode is in.

Boundaries are read from the database once per process into a shapely 2 STRtree of prepared
geometries and reused. The cache is keyed by database and checked against a cheap fingerprint
of ``area_boundary`` (row count, largest area id, total WKB bytes) at most once a second, and
dropped at once when this process imports boundaries.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from beacon.geography._common import (
    LEVEL_RANK,
    GeographyError,
    NotFoundError,
    NotLoadedError,
    vintage_key,
)
from beacon.geography.models import Area, AreaBoundary, AreaLevel, Deprivation, Postcode
from beacon.geography.postcodes import normalise_postcode

# How often (seconds) a cached index re-checks the database for boundaries changed elsewhere.
RECHECK_SECONDS = 1.0
_CACHE_SIZE = 8

# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class AreaInfo:
    """An area as shown to users; ``name``/``vintage`` are None for a code not in the areas."""

    level: str
    code: str
    name: str | None
    vintage: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "code": self.code, "name": self.name, "vintage": self.vintage}


@dataclass(frozen=True)
class DeprivationInfo:
    """IMD rank and decile of an LSOA (rank 1 / decile 1 = most deprived), with its domains."""

    edition: str
    rank: int
    decile: int
    domains: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "edition": self.edition,
            "rank": self.rank,
            "decile": self.decile,
            "domains": {
                domain: {"rank": rank, "decile": decile}
                for domain, (rank, decile) in self.domains.items()
            },
        }


def _maybe(info: AreaInfo | DeprivationInfo | None) -> dict[str, Any] | None:
    return info.to_dict() if info is not None else None


@dataclass(frozen=True)
class LocateResult:
    """Areas at a point. ``ward`` is the LSOA's parent ward (the lookup's vintage);
    ``boundary_ward`` the ward whose boundary contains the point (e.g. 2025 wards)."""

    latitude: float
    longitude: float
    lsoa: AreaInfo | None
    ward: AreaInfo | None
    boundary_ward: AreaInfo | None
    district: AreaInfo | None
    force: AreaInfo | None
    deprivation: DeprivationInfo | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "latitude": self.latitude,
            "longitude": self.longitude,
            "lsoa": _maybe(self.lsoa),
            "ward": _maybe(self.ward),
            "boundary_ward": _maybe(self.boundary_ward),
            "district": _maybe(self.district),
            "force": _maybe(self.force),
            "deprivation": _maybe(self.deprivation),
        }


@dataclass(frozen=True)
class PostcodeResult:
    """A postcode from the loaded directory, with its areas.

    ``lsoa``, ``directory_ward``, ``district`` and ``force`` are the directory's codes (named
    from the stored areas where known); ``ward`` is the LSOA's parent ward (lookup vintage);
    ``boundary_ward`` and ``location`` come from the boundaries at the postcode's coordinates.
    ``notes`` says where the directory and the boundaries disagree or data is missing.
    """

    postcode: str
    latitude: float | None
    longitude: float | None
    terminated: str | None
    lsoa: AreaInfo | None
    ward: AreaInfo | None
    directory_ward: AreaInfo | None
    boundary_ward: AreaInfo | None
    district: AreaInfo | None
    force: AreaInfo | None
    deprivation: DeprivationInfo | None
    location: LocateResult | None = None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "postcode": self.postcode,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "terminated": self.terminated,
            "lsoa": _maybe(self.lsoa),
            "ward": _maybe(self.ward),
            "directory_ward": _maybe(self.directory_ward),
            "boundary_ward": _maybe(self.boundary_ward),
            "district": _maybe(self.district),
            "force": _maybe(self.force),
            "deprivation": _maybe(self.deprivation),
            "location": self.location.to_dict() if self.location is not None else None,
            "notes": list(self.notes),
        }


# ---------------------------------------------------------------------------------------------
# The boundary index


@dataclass
class BoundaryIndex:
    """Every stored boundary in an STRtree; ``area_ids``/``levels`` run parallel to the tree."""

    fingerprint: tuple[int, int, int]
    tree: shapely.STRtree
    geometries: np.ndarray
    area_ids: np.ndarray
    levels: np.ndarray
    counts: dict[str, int]
    checked_at: float = 0.0

    @property
    def empty(self) -> bool:
        return len(self.area_ids) == 0

    def hits(self, latitude: float, longitude: float) -> list[tuple[str, int]]:
        """(level, area id) of every boundary containing or touching the point."""
        candidates = self.tree.query(shapely.points(longitude, latitude))
        if len(candidates) == 0:
            return []
        inside = candidates[shapely.intersects_xy(self.geometries[candidates], longitude, latitude)]
        return [(str(self.levels[i]), int(self.area_ids[i])) for i in inside]

    def area_ids_at(
        self, latitudes: Sequence[float], longitudes: Sequence[float], level: str
    ) -> list[int | None]:
        """The id of the ``level`` area containing each point (None outside all), vectorised."""
        points = shapely.points(np.asarray(longitudes, float), np.asarray(latitudes, float))
        result: list[int | None] = [None] * len(points)
        if len(points) == 0 or self.empty:
            return result
        pairs = self.tree.query(points, predicate="intersects")
        # Lowest area id wins for points on a shared edge, so the answer is deterministic.
        order = np.lexsort((self.area_ids[pairs[1]], pairs[0]))
        for point_index, tree_index in zip(pairs[0][order], pairs[1][order], strict=True):
            if self.levels[tree_index] == level and result[point_index] is None:
                result[point_index] = int(self.area_ids[tree_index])
        return result


_cache: OrderedDict[str, BoundaryIndex] = OrderedDict()
_lock = threading.Lock()


def invalidate_boundary_cache() -> None:
    """Forget every cached index (called after boundaries are imported in this process)."""
    with _lock:
        _cache.clear()


def _fingerprint(session: Session) -> tuple[int, int, int]:
    count, max_id, size = session.execute(
        select(
            func.count(),
            func.coalesce(func.max(AreaBoundary.area_id), 0),
            func.coalesce(func.sum(func.length(AreaBoundary.geometry_wkb)), 0),
        ).select_from(AreaBoundary)
    ).one()
    return int(count), int(max_id), int(size)


def _database_key(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=True)


def boundary_index(session: Session) -> BoundaryIndex:
    """The cached index of the session's database, rebuilt when its boundaries changed."""
    key = _database_key(session)
    now = time.monotonic()
    with _lock:
        index = _cache.get(key)
        if index is not None and now - index.checked_at < RECHECK_SECONDS:
            _cache.move_to_end(key)
            return index
    fingerprint = _fingerprint(session)
    if index is not None and index.fingerprint == fingerprint:
        index.checked_at = now
        return index
    index = _build_index(session, fingerprint)
    index.checked_at = time.monotonic()
    with _lock:
        _cache[key] = index
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return index


def _build_index(session: Session, fingerprint: tuple[int, int, int]) -> BoundaryIndex:
    rows = session.execute(
        select(AreaBoundary.area_id, Area.level, AreaBoundary.geometry_wkb)
        .join(Area, Area.id == AreaBoundary.area_id)
        .order_by(AreaBoundary.area_id)
    ).all()
    area_ids = np.array([row[0] for row in rows], dtype=np.int64)
    levels = np.array([row[1] for row in rows], dtype=object)
    geometries = shapely.from_wkb(np.array([bytes(row[2]) for row in rows], dtype=object))
    if len(rows) == 0:
        geometries = np.array([], dtype=object)
    shapely.prepare(geometries)
    counts: dict[str, int] = {}
    for level in levels:
        counts[str(level)] = counts.get(str(level), 0) + 1
    return BoundaryIndex(
        fingerprint=fingerprint,
        tree=shapely.STRtree(geometries),
        geometries=geometries,
        area_ids=area_ids,
        levels=levels,
        counts=counts,
    )


# ---------------------------------------------------------------------------------------------
# Area details


@dataclass(frozen=True)
class _Chain:
    """An area and its ancestors, placed by level."""

    area: AreaInfo
    by_level: Mapping[str, AreaInfo]


def _build_chain_statement() -> Select[Any]:
    area = Area.__table__
    a, p1, p2, p3 = (area.alias(name) for name in ("a", "p1", "p2", "p3"))
    return (
        select(
            a.c.id,
            *(
                column
                for alias in (a, p1, p2, p3)
                for column in (alias.c.level, alias.c.code, alias.c.name, alias.c.vintage)
            ),
        )
        .select_from(
            a.outerjoin(p1, p1.c.id == a.c.parent_id)
            .outerjoin(p2, p2.c.id == p1.c.parent_id)
            .outerjoin(p3, p3.c.id == p2.c.parent_id)
        )
        .where(a.c.id.in_(bindparam("ids", expanding=True)))
    )


# Built once: constructing aliased joins costs more than running them.
_CHAIN_STATEMENT = _build_chain_statement()
_DEPRIVATION_STATEMENT = select(
    Deprivation.edition, Deprivation.domain, Deprivation.rank, Deprivation.decile
).where(Deprivation.lsoa_code == bindparam("code"))
_AREA_BY_CODE_STATEMENT = select(Area.id, Area.vintage, Area.parent_id).where(
    Area.level == bindparam("level"), Area.code == bindparam("code")
)


def _chains(session: Session, area_ids: Iterable[int]) -> dict[int, _Chain]:
    ids = sorted(set(area_ids))
    if not ids:
        return {}
    result: dict[int, _Chain] = {}
    for row in session.connection().execute(_CHAIN_STATEMENT, {"ids": ids}):
        infos = [
            AreaInfo(row[offset], row[offset + 1], row[offset + 2], row[offset + 3])
            for offset in (1, 5, 9, 13)
            if row[offset] is not None
        ]
        by_level: dict[str, AreaInfo] = {}
        for info in infos:
            by_level.setdefault(info.level, info)
        result[row[0]] = _Chain(infos[0], by_level)
    return result


def _deprivation(session: Session, lsoa_code: str | None) -> DeprivationInfo | None:
    if not lsoa_code:
        return None
    rows = session.connection().execute(_DEPRIVATION_STATEMENT, {"code": lsoa_code}).all()
    if not rows:
        return None
    edition = max({row[0] for row in rows}, key=lambda e: (len(e), e))
    domains = {row[1]: (row[2], row[3]) for row in rows if row[0] == edition}
    if "IMD" not in domains:
        return None
    rank, decile = domains.pop("IMD")
    return DeprivationInfo(edition, rank, decile, domains)


def _preferred_area_id(session: Session, level: str, code: str) -> int | None:
    """Id of the stored ``level`` area with ``code``: one with a parent first, then newest."""
    rows = (
        session.connection().execute(_AREA_BY_CODE_STATEMENT, {"level": level, "code": code}).all()
    )
    if not rows:
        return None
    best = max(rows, key=lambda r: (r[2] is not None, vintage_key(r[1])))
    return int(best[0])


# ---------------------------------------------------------------------------------------------
# Public API


def _check_point(latitude: float, longitude: float) -> None:
    if not (-90 <= latitude <= 90):
        raise GeographyError(f"latitude {latitude} is outside -90..90")
    if not (-180 <= longitude <= 180):
        raise GeographyError(f"longitude {longitude} is outside -180..180")


def _pick(hits: list[tuple[str, int]], level: str, chains: Mapping[int, _Chain]) -> int | None:
    """Among boundary hits of ``level``, the area with a parent, newest vintage, lowest code."""
    ids = [area_id for hit_level, area_id in hits if hit_level == level and area_id in chains]
    if not ids:
        return None

    def rank(area_id: int) -> tuple[bool, int, str]:
        chain = chains[area_id]
        no_parent = len(chain.by_level) == 1
        return (no_parent, -vintage_key(chain.area.vintage or "")[0], chain.area.code)

    return min(ids, key=rank)


def locate(session: Session, lat: float, lon: float) -> LocateResult:
    """The LSOA, wards, district and force area at a WGS84 point, with the LSOA's IMD.

    Raises NotLoadedError when no boundaries are loaded and NotFoundError when the point is
    outside every loaded boundary.
    """
    latitude, longitude = float(lat), float(lon)
    _check_point(latitude, longitude)
    index = boundary_index(session)
    if index.empty:
        raise NotLoadedError(
            "no boundaries loaded: run `beacon import boundaries FILE... --level lsoa` "
            "(and `--level ward` for ward boundaries)"
        )
    hits = index.hits(latitude, longitude)
    if not hits:
        loaded = ", ".join(f"{count:,} {level}" for level, count in sorted(index.counts.items()))
        raise NotFoundError(
            f"no loaded boundary contains latitude {latitude:.6f}, longitude {longitude:.6f} "
            f"(boundaries loaded: {loaded})"
        )
    chains = _chains(session, (area_id for _, area_id in hits))
    lsoa_id = _pick(hits, AreaLevel.LSOA, chains)
    ward_id = _pick(hits, AreaLevel.WARD, chains)
    lsoa_chain = chains.get(lsoa_id) if lsoa_id is not None else None
    ward_chain = chains.get(ward_id) if ward_id is not None else None
    return _result(session, latitude, longitude, lsoa_chain, ward_chain)


def _result(
    session: Session,
    latitude: float,
    longitude: float,
    lsoa_chain: _Chain | None,
    ward_chain: _Chain | None,
) -> LocateResult:
    def from_chains(level: str) -> AreaInfo | None:
        for chain in (lsoa_chain, ward_chain):
            if chain is not None and level in chain.by_level:
                return chain.by_level[level]
        return None

    lsoa = lsoa_chain.area if lsoa_chain is not None else None
    return LocateResult(
        latitude=latitude,
        longitude=longitude,
        lsoa=lsoa,
        ward=lsoa_chain.by_level.get(AreaLevel.WARD) if lsoa_chain is not None else None,
        boundary_ward=ward_chain.area if ward_chain is not None else None,
        district=from_chains(AreaLevel.DISTRICT),
        force=from_chains(AreaLevel.FORCE),
        deprivation=_deprivation(session, lsoa.code if lsoa else None),
    )


def locate_many(
    session: Session,
    points: Iterable[tuple[float, float]],
    *,
    level: str = AreaLevel.LSOA,
) -> list[str | None]:
    """The code of the ``level`` area ("lsoa" or "ward") containing each (lat, lon) point, or
    None outside every loaded boundary of that level. Vectorised: for many points at once."""
    if level not in LEVEL_RANK:
        raise GeographyError(f"unknown level {level!r}")
    latitudes: list[float] = []
    longitudes: list[float] = []
    for lat, lon in points:
        latitudes.append(float(lat))
        longitudes.append(float(lon))
    index = boundary_index(session)
    ids = index.area_ids_at(latitudes, longitudes, level)
    wanted = sorted({i for i in ids if i is not None})
    codes: dict[int, str] = {}
    for start in range(0, len(wanted), 5000):
        part = wanted[start : start + 5000]
        codes.update(session.execute(select(Area.id, Area.code).where(Area.id.in_(part))).all())
    return [codes.get(i) if i is not None else None for i in ids]


def lookup_postcode(session: Session, text: str) -> PostcodeResult:
    """A postcode's coordinates and areas. Raises PostcodeError for text that is not a UK
    postcode, NotLoadedError when no postcodes are loaded, NotFoundError when it is not in the
    loaded directory."""
    postcode = normalise_postcode(text)
    row = session.get(Postcode, postcode)
    if row is None:
        if session.execute(select(Postcode.postcode).limit(1)).first() is None:
            raise NotLoadedError(
                "no postcodes loaded: run `beacon import postcodes FILE` with the ONS Postcode "
                "Directory or NSPL"
            )
        raise NotFoundError(f"postcode {postcode} is not in the loaded postcode directory")
    notes: list[str] = []
    if row.terminated:
        notes.append(
            f"{postcode} was terminated in {row.terminated[:4]}-{row.terminated[4:]}; "
            "its areas are those it had when last in use"
        )

    lsoa_id = _preferred_area_id(session, AreaLevel.LSOA, row.lsoa_code) if row.lsoa_code else None
    ward_id = _preferred_area_id(session, AreaLevel.WARD, row.ward_code) if row.ward_code else None
    district_id = (
        _preferred_area_id(session, AreaLevel.DISTRICT, row.district_code)
        if row.district_code
        else None
    )
    force_id = (
        _preferred_area_id(session, AreaLevel.FORCE, row.force_code) if row.force_code else None
    )
    chains = _chains(
        session, (i for i in (lsoa_id, ward_id, district_id, force_id) if i is not None)
    )

    def named(level: str, code: str | None, area_id: int | None) -> AreaInfo | None:
        if code is None:
            return None
        if area_id is not None and area_id in chains:
            return chains[area_id].area
        notes.append(f"the directory's {level} {code} is not among the loaded areas")
        return AreaInfo(level, code, None, None)

    lsoa = named(AreaLevel.LSOA, row.lsoa_code, lsoa_id)
    directory_ward = named(AreaLevel.WARD, row.ward_code, ward_id)
    district = named(AreaLevel.DISTRICT, row.district_code, district_id)
    force = named(AreaLevel.FORCE, row.force_code, force_id)
    lsoa_chain = chains.get(lsoa_id) if lsoa_id is not None else None
    ward = lsoa_chain.by_level.get(AreaLevel.WARD) if lsoa_chain is not None else None
    if force is None:
        district_chain = chains.get(district_id) if district_id is not None else None
        force = district_chain.by_level.get(AreaLevel.FORCE) if district_chain else None

    location: LocateResult | None = None
    if row.latitude is None or row.longitude is None:
        notes.append(f"{postcode} has no location in the directory")
    else:
        try:
            location = locate(session, row.latitude, row.longitude)
        except NotLoadedError:
            pass
        except NotFoundError:
            notes.append("the postcode's coordinates are outside every loaded boundary")
    located_lsoa = location.lsoa if location is not None else None
    if located_lsoa is not None and lsoa is not None and located_lsoa.code != lsoa.code:
        notes.append(
            f"the directory puts {postcode} in LSOA {lsoa.code} but its coordinates fall "
            f"in LSOA {located_lsoa.code} ({located_lsoa.vintage} boundaries)"
        )
    return PostcodeResult(
        postcode=postcode,
        latitude=row.latitude,
        longitude=row.longitude,
        terminated=row.terminated,
        lsoa=lsoa,
        ward=ward,
        directory_ward=directory_ward,
        boundary_ward=location.boundary_ward if location is not None else None,
        district=district,
        force=force,
        deprivation=_deprivation(session, row.lsoa_code),
        location=location,
        notes=tuple(notes),
    )
