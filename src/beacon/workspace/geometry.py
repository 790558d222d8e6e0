"""LSOA boundaries of a workspace selection, cached per selection and boundary edition."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beacon.geography.models import Area, AreaBoundary, AreaLevel
from beacon.geography.shapes import feature_collection

_CACHE_ENTRIES = 32
_cache: OrderedDict[tuple[str, str, tuple[int, int]], bytes] = OrderedDict()
_lock = threading.Lock()


def _fingerprint(session: Session) -> tuple[int, int]:
    count, newest = session.execute(
        select(func.count(), func.coalesce(func.max(AreaBoundary.area_id), 0))
    ).one()
    return int(count), int(newest)


def newest_lsoa_boundaries(
    session: Session, lsoas: Sequence[str]
) -> dict[str, tuple[str | None, bytes]]:
    """Each LSOA's name and WKB boundary from the newest vintage holding its code."""
    found: dict[str, tuple[str, str | None, bytes]] = {}
    wanted = list(lsoas)
    for start in range(0, len(wanted), 900):  # under SQLite's bound-parameter limit
        chunk = wanted[start : start + 900]
        rows = session.execute(
            select(Area.code, Area.name, AreaBoundary.geometry_wkb, Area.vintage)
            .join(AreaBoundary, AreaBoundary.area_id == Area.id)
            .where(Area.level == AreaLevel.LSOA.value, Area.code.in_(chunk))
        )
        for code, name, wkb, vintage in rows:
            held = found.get(code)
            # Vintages are years ("2011", "2021"): the longer, then the later, is the newer.
            if held is None or (len(vintage), vintage) > (len(held[0]), held[0]):
                found[code] = (vintage, name, bytes(wkb))
    return {code: (name, wkb) for code, (_vintage, name, wkb) in found.items()}


def lsoa_geojson(session: Session, lsoas: Sequence[str]) -> bytes:
    """GeoJSON of the given LSOAs' boundaries (the newest vintage holding each code)."""
    url = session.get_bind().engine.url.render_as_string(hide_password=True)
    digest = hashlib.sha256("\n".join(sorted(lsoas)).encode()).hexdigest()
    key = (url, digest, _fingerprint(session))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    rows = newest_lsoa_boundaries(session, lsoas)
    body = feature_collection([(code, name, wkb) for code, (name, wkb) in sorted(rows.items())])
    with _lock:
        _cache[key] = body
        while len(_cache) > _CACHE_ENTRIES:
            _cache.popitem(last=False)
    return body
