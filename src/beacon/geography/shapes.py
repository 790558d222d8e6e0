"""Area boundaries as GeoJSON for the browser's maps: simplified, rounded, cached.

Both the resident's report map and the analysts' workspace maps draw LSOA boundaries with
Leaflet; this is the one place that turns stored WKB into the light GeoJSON they fetch.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

SIMPLIFY_DEGREES = 0.0002  # about 15-20 m: plenty for clicking a place or shading an area
GRID_DEGREES = 0.00001  # coordinates to about a metre


def feature_collection(rows: Sequence[tuple[str, str | None, bytes]]) -> bytes:
    """``(code, name, wkb)`` rows as a compact GeoJSON FeatureCollection (empty shapes left
    out), each feature carrying ``code`` and ``name``."""
    import numpy as np
    import shapely

    features: list[dict[str, Any]] = []
    if rows:
        geometries = shapely.from_wkb(np.array([bytes(r[2]) for r in rows], dtype=object))
        simplified = shapely.set_precision(
            shapely.simplify(geometries, SIMPLIFY_DEGREES, preserve_topology=True), GRID_DEGREES
        )
        for (code, name, _), geometry in zip(rows, simplified, strict=True):
            if geometry is None or shapely.is_empty(geometry):
                continue
            features.append(
                {
                    "type": "Feature",
                    "properties": {"code": code, "name": name or code},
                    "geometry": json.loads(shapely.to_geojson(geometry)),
                }
            )
    document = {"type": "FeatureCollection", "features": features}
    return json.dumps(document, separators=(",", ":")).encode("utf-8")
