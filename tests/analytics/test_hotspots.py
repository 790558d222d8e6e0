"""Gi* hot spots and queen contiguity, checked against PySAL on the shared reference data.

The reference results are computed here independently: geopandas reads the boundary file,
libpysal builds queen weights from the data frame, esda runs ``G_Local`` with its defaults.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import warnings
from collections import Counter
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import pytest
import shapely
from esda.getisord import G_Local
from libpysal.weights import Queen, W, lat2W
from shapely.geometry import Point, shape

from beacon.analytics.contiguity import queen_neighbours, weights_from_pairs
from beacon.analytics.errors import AnalysisInputError
from beacon.analytics.hotspots import getis_ord_gi_star, h3_surface

DERBY = "E06000015"
SEED = 20181
AREA_KEYS = {"area", "count", "z", "p", "p_norm", "p_two_sided", "p_adjusted", "class"}


def _boundaries(shared_data: Path, district: str) -> tuple[list[str], list[bytes]]:
    path = shared_data / "geography" / "lsoa11" / f"{district}.geojson"
    features = json.loads(path.read_text())["features"]
    codes = [f["properties"]["LSOA11CD"] for f in features]
    return codes, [shapely.to_wkb(shape(f["geometry"])) for f in features]


def _esda(y: np.ndarray, w: W, transform: str, seed: int) -> G_Local:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return G_Local(y, w, transform=transform, star=True, permutations=999, seed=seed)


def _esda_pairs(w: W) -> set[tuple[str, str]]:
    return {(a, b) if a < b else (b, a) for a, found in w.neighbors.items() for b in found}


@pytest.fixture(scope="module")
def derby(shared_data: Path) -> dict[str, object]:
    """Derby's LSOAs in file order, their queen pairs and October 2018 street-level counts."""
    codes, wkb = _boundaries(shared_data, DERBY)
    found: Counter[str] = Counter()
    with (shared_data / "police" / "2018-10-derbyshire-street.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            found[row["LSOA code"]] += 1
    counts = np.array([found.get(code, 0) for code in codes], dtype=np.float64)
    frame = gpd.read_file(shared_data / "geography" / "lsoa11" / f"{DERBY}.geojson")
    return {
        "codes": codes,
        "pairs": queen_neighbours(codes, wkb),
        "counts": counts,
        "frame": frame,
    }


def _queen_w(frame: gpd.GeoDataFrame) -> W:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Queen.from_dataframe(frame, ids="LSOA11CD", use_index=False)


# --------------------------------------------------------------------------------------------
# Contiguity


@pytest.mark.parametrize("district", [DERBY, "E07000065", "E07000224", "E06000043"])
def test_queen_pairs_are_libpysal_queen(shared_data: Path, district: str) -> None:
    codes, wkb = _boundaries(shared_data, district)
    pairs = queen_neighbours(codes, wkb)
    frame = gpd.read_file(shared_data / "geography" / "lsoa11" / f"{district}.geojson")
    assert set(pairs) == _esda_pairs(_queen_w(frame))
    assert pairs == sorted(set(pairs)) and all(a < b for a, b in pairs)
    # Every vertex-sharing pair really meets (an independent geometric check).
    geometries = dict(zip(codes, shapely.from_wkb(np.array(wkb, dtype=object)), strict=True))
    assert all(geometries[a].intersects(geometries[b]) for a, b in pairs)
    # Wealden and Arun have slivers of overlap: shapely's stricter "touches" misses pairs there.
    if district in ("E07000065", "E07000224"):
        touching = {(a, b) for a, b in pairs if geometries[a].touches(geometries[b])}
        assert touching < set(pairs)


def test_queen_finds_an_island_and_point_contact() -> None:
    squares = {
        "A": shapely.box(0, 0, 1, 1),
        "B": shapely.box(1, 0, 2, 1),  # shares an edge with A
        "C": shapely.box(2, 1, 3, 2),  # shares one corner with B: queen, not rook
        "D": shapely.box(5, 5, 6, 6),  # alone
    }
    pairs = queen_neighbours(list(squares), [shapely.to_wkb(g) for g in squares.values()])
    assert pairs == [("A", "B"), ("B", "C")]
    weights = weights_from_pairs(list(squares), pairs)
    assert weights.islands == ("D",)
    assert weights.w.neighbors["B"] == ["A", "C"]
    assert weights.w.id_order == ["A", "B", "C", "D"]


def test_queen_rejects_bad_boundaries() -> None:
    square = shapely.to_wkb(shapely.box(0, 0, 1, 1))
    with pytest.raises(AnalysisInputError, match="X is not valid WKB"):
        queen_neighbours(["A", "X"], [square, b"not wkb"])
    with pytest.raises(AnalysisInputError, match="boundary of P is a Point"):
        queen_neighbours(["A", "P"], [square, shapely.to_wkb(Point(0, 0))])
    with pytest.raises(AnalysisInputError, match="appears twice"):
        queen_neighbours(["A", "A"], [square, square])
    with pytest.raises(AnalysisInputError, match="2 area codes but 1 boundaries"):
        queen_neighbours(["A", "B"], [square])


def test_weights_from_pairs_drops_pairs_outside_the_selection() -> None:
    weights = weights_from_pairs(
        ["A", "B", "C"], [("A", "B"), ("B", "A"), ("C", "Z"), ("A", "A")], star=True
    )
    assert weights.pairs == 1 and weights.pairs_outside == 1
    assert weights.islands == ("C",)
    assert weights.w.neighbors["A"] == ["A", "B"]  # the Gi* self weight
    assert weights.w.neighbors["C"] == ["C"]


# --------------------------------------------------------------------------------------------
# Gi* against esda


@pytest.mark.parametrize("transform", ["B", "R"])
def test_gi_star_matches_esda_on_derby(derby: dict, transform: str) -> None:
    codes, counts = derby["codes"], derby["counts"]
    assert len(codes) == 151 and (counts > 0).sum() > 100 and counts.sum() > 2000
    result = getis_ord_gi_star(codes, counts, derby["pairs"], transform=transform, seed=SEED)
    reference = _esda(counts, _queen_w(derby["frame"]), transform, SEED)

    assert [a.area for a in result.areas] == list(derby["frame"]["LSOA11CD"]) == codes
    assert [a.count for a in result.areas] == counts.tolist()
    z = np.array([a.z for a in result.areas])
    np.testing.assert_allclose(z, reference.Zs, rtol=0, atol=1e-6)
    np.testing.assert_allclose([a.p_norm for a in result.areas], reference.p_norm, atol=1e-12)
    # Same seed, same permutations: the same count of permutations as extreme, for every area.
    ours = np.rint(np.array([a.p for a in result.areas]) * 1000).astype(int)
    assert ours.tolist() == np.rint(reference.p_sim * 1000).astype(int).tolist()
    assert result.transform == transform and result.islands == ()


def test_two_sided_p_counts_ties_in_the_same_permutations(derby: dict) -> None:
    counts = derby["counts"]
    result = getis_ord_gi_star(derby["codes"], counts, derby["pairs"], seed=SEED)
    reference = _esda(counts, _queen_w(derby["frame"]), "B", SEED)
    # Binary weights and whole counts: the sums are exact, so ties compare equal as they are.
    extreme_high = (reference.rGs >= reference.Gs[:, None]).sum(axis=1)
    extreme_low = (reference.rGs <= reference.Gs[:, None]).sum(axis=1)
    expected = np.minimum(1, 2 * (np.minimum(extreme_high, extreme_low) + 1) / 1000)
    np.testing.assert_allclose([a.p_two_sided for a in result.areas], expected, atol=1e-12)


def test_row_standardised_changes_z_not_the_permutation_test(derby: dict) -> None:
    binary = getis_ord_gi_star(derby["codes"], derby["counts"], derby["pairs"], seed=SEED)
    rows = getis_ord_gi_star(
        derby["codes"], derby["counts"], derby["pairs"], seed=SEED, transform="R"
    )
    assert [a.z for a in binary.areas] != [a.z for a in rows.areas]
    assert [a.p_two_sided for a in binary.areas] == [a.p_two_sided for a in rows.areas]


def test_benjamini_hochberg_over_all_areas(derby: dict) -> None:
    def bh(p: list[float]) -> list[float]:
        # p_(i) * m / i, then the running minimum from the largest p down.
        m = len(p)
        order = sorted(range(m), key=lambda i: p[i])
        adjusted = [0.0] * m
        smallest = 1.0
        for rank in range(m, 0, -1):
            i = order[rank - 1]
            smallest = min(smallest, p[i] * m / rank)
            adjusted[i] = smallest
        return adjusted

    # Worked by hand: sorted 0.01, 0.03, 0.04, 0.20 -> 0.04, 0.06, 0.0533, 0.20 -> running min.
    assert bh([0.01, 0.04, 0.03, 0.20]) == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.20])
    result = getis_ord_gi_star(derby["codes"], derby["counts"], derby["pairs"], seed=SEED)
    p_two = [a.p_two_sided for a in result.areas]
    assert [a.p_adjusted for a in result.areas] == pytest.approx(bh(p_two), abs=1e-12)
    unadjusted = getis_ord_gi_star(
        derby["codes"], derby["counts"], derby["pairs"], seed=SEED, fdr=False
    )
    assert [a.p_adjusted for a in unadjusted.areas] == p_two
    assert result.method()["fdr"] == "benjamini-hochberg"
    assert unadjusted.method()["fdr"] is None
    # Without the correction more areas pass; with it, fewer (never more).
    assert sum(a.category != "not significant" for a in unadjusted.areas) > sum(
        a.category != "not significant" for a in result.areas
    )


def _check_classes(result: object) -> None:
    levels = {"99%": 0.01, "95%": 0.05, "90%": 0.10}
    stricter = {"99%": 0.0, "95%": 0.01, "90%": 0.05}
    for area in result.areas:  # type: ignore[attr-defined]
        if area.category == "not significant":
            assert area.p_adjusted > 0.10 or area.area in result.direction_conflicts  # type: ignore[attr-defined]
            continue
        side, level = area.category.split()
        assert (area.z > 0) if side == "hot" else (area.z < 0)
        assert stricter[level] < area.p_adjusted <= levels[level]


def test_classes_follow_z_sign_and_adjusted_p(derby: dict) -> None:
    result = getis_ord_gi_star(derby["codes"], derby["counts"], derby["pairs"], seed=SEED)
    counts = result.class_counts()
    assert sum(counts.values()) == 151
    assert counts["not significant"] < 151
    assert any(k.startswith("hot") and v for k, v in counts.items())
    _check_classes(result)
    # Derby's city-centre LSOA (the most events) is in a hot spot.
    busiest = max(result.areas, key=lambda a: a.count)
    assert busiest.category.startswith("hot")
    normal = getis_ord_gi_star(
        derby["codes"], derby["counts"], derby["pairs"], seed=SEED, significance="normal"
    )
    _check_classes(normal)
    assert [a.p_two_sided for a in normal.areas] == pytest.approx(
        [min(1.0, 2 * a.p_norm) for a in normal.areas]
    )
    assert normal.method()["significance"] == "normal"


def test_seed_fixes_the_permutations(derby: dict) -> None:
    first = getis_ord_gi_star(derby["codes"], derby["counts"], derby["pairs"], seed=1)
    again = getis_ord_gi_star(derby["codes"], derby["counts"], derby["pairs"], seed=1)
    other = getis_ord_gi_star(derby["codes"], derby["counts"], derby["pairs"], seed=2)
    assert first.to_dict() == again.to_dict()
    assert [a.p for a in first.areas] != [a.p for a in other.areas]
    assert [a.z for a in first.areas] == [a.z for a in other.areas]


def test_ties_do_not_make_cold_spots() -> None:
    # Sparse counts: most areas and their neighbours are 0, so most permutations tie.
    w = lat2W(12, 12, rook=False)
    codes = [f"A{i:03d}" for i in range(w.n)]
    pairs = [(codes[i], codes[j]) for i, found in w.neighbors.items() for j in found]
    counts = np.zeros(w.n)
    counts[[5, 40, 77, 100, 130]] = [1, 2, 1, 3, 1]
    result = getis_ord_gi_star(codes, counts, pairs, seed=SEED)
    reference = _esda(counts, w, "B", SEED)
    quiet = [i for i, a in enumerate(result.areas) if a.count == 0 and a.z < 0]
    # esda's directed p calls such an area as extreme as possible ...
    assert min(reference.p_sim[quiet]) == pytest.approx(0.001)
    # ... while most permutations equal it: it is no cold spot.
    assert all(result.areas[i].p_two_sided > 0.5 for i in quiet)
    assert not any(a.category.startswith("cold") for a in result.areas)


def test_islands_are_kept_but_never_hot_or_cold(derby: dict) -> None:
    codes = [*derby["codes"], "E01999999"]
    counts = np.append(derby["counts"], 500.0)  # more than any Derby LSOA
    result = getis_ord_gi_star(codes, counts, derby["pairs"], seed=SEED)
    island = result.areas[-1]
    assert result.islands == ("E01999999",)
    assert island.category == "not significant" and island.p_two_sided == 1.0
    assert any("E01999999" in note for note in result.warnings)
    assert result.to_dict()["method"]["islands"] == ["E01999999"]
    # esda on the same weights: same z; its p_sim gives the island the smallest p.
    w = _queen_w(derby["frame"])
    table = {code: list(w.neighbors[code]) for code in derby["codes"]}
    table["E01999999"] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = _esda(counts, W(table, id_order=codes), "B", SEED)
    np.testing.assert_allclose([a.z for a in result.areas], reference.Zs, atol=1e-6)
    assert reference.p_sim[-1] == pytest.approx(0.001)
    assert island.z > 3  # esda's z of an island speaks of its own count only


def test_to_dict_is_the_json_the_command_prints(derby: dict) -> None:
    result = getis_ord_gi_star(derby["codes"], derby["counts"], derby["pairs"], seed=SEED)
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert len(data["areas"]) == 151
    assert all(set(row) == AREA_KEYS for row in data["areas"])
    assert data["areas"][0]["area"] == derby["codes"][0]
    assert isinstance(data["areas"][0]["count"], int)
    method = data["method"]
    for key, value in {
        "transform": "B",
        "star": True,
        "permutations": 999,
        "seed": SEED,
        "significance": "permutation",
        "class_p": "p_adjusted",
        "fdr": "benjamini-hochberg",
        "islands": [],
        "neighbour_pairs": len(derby["pairs"]),
    }.items():
        assert method[key] == value
    assert method["esda_version"] and "queen" in method["weights"]
    assert method["fdr_areas_needed"]["99%"] == 31  # ceil(0.002 * 151 / 0.01)
    assert data["summary"]["areas"] == 151


@pytest.mark.parametrize(
    ("change", "message", "option"),
    [
        ({"codes": ["A", "B"], "counts": [1, 2]}, "needs at least 3", "--lad"),
        ({"counts": [0, 0, 0, 0]}, "has a count of 0", "--lad"),
        ({"counts": [2, 2, 2, 2]}, "the same count", "--lad"),
        ({"counts": [1, 2, 3]}, "3 counts for 4 areas", None),
        ({"counts": [1, -2, 3, 4]}, "area B has count -2.0", None),
        ({"counts": [1, float("nan"), 3, 4]}, "area B has count nan", None),
        ({"codes": ["A", "B", "A", "D"]}, "area A appears twice", "--lad"),
        ({"pairs": [("A", "Z")]}, "none of the 4 selected areas borders another", "--lad"),
        ({"transform": "Q"}, "not a weights transform", "--transform"),
        ({"permutations": 10}, "use 99 to 99999", "--permutations"),
        ({"seed": -1}, "out of range", "--seed"),
        ({"alpha_levels": (0.05, 0.01)}, "must be increasing", "--alpha"),
        ({"significance": "bootstrap"}, "use permutation", "--significance"),
    ],
)
def test_bad_input_names_the_problem(change: dict, message: str, option: str | None) -> None:
    arguments: dict = {
        "codes": ["A", "B", "C", "D"],
        "counts": [1, 5, 0, 2],
        "pairs": [("A", "B"), ("B", "C"), ("C", "D")],
    }
    arguments.update(change)
    codes, counts, pairs = (arguments.pop(k) for k in ("codes", "counts", "pairs"))
    with pytest.raises(AnalysisInputError, match=message) as raised:
        getis_ord_gi_star(codes, counts, pairs, **arguments)
    assert raised.value.option == option


def test_permutations_are_capped_by_memory() -> None:
    codes = [f"A{i:04d}" for i in range(5000)]
    pairs = list(itertools.pairwise(codes))
    counts = np.arange(5000, dtype=float)
    with pytest.raises(AnalysisInputError, match="use at most 80000") as raised:
        getis_ord_gi_star(codes, counts, pairs, permutations=99_999)
    assert raised.value.option == "--permutations"


def test_selection_option_is_passed_through() -> None:
    with pytest.raises(AnalysisInputError) as raised:
        getis_ord_gi_star(["A"], [1], [], selection_option="--ward")
    assert str(raised.value).startswith("--ward: the selection has 1 area(s)")


# --------------------------------------------------------------------------------------------
# H3 surface


def test_h3_surface_finds_a_synthetic_cluster() -> None:
    rng = np.random.default_rng(3)
    # Background over Derby, and a cluster of 80 events around one point (sd about 450 m).
    lat = np.r_[rng.uniform(52.88, 52.96, 300), 52.92 + rng.normal(0, 0.004, 80)]
    lon = np.r_[rng.uniform(-1.56, -1.40, 300), -1.47 + rng.normal(0, 0.006, 80)]
    result = h3_surface(lat, lon, resolution=8, seed=SEED)
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    rows = {row["area"]: row for row in data["areas"]}
    centre = h3.latlng_to_cell(52.92, -1.47, 8)
    assert rows[centre]["class"].startswith("hot")
    busiest = max(data["areas"], key=lambda row: row["count"])
    assert busiest["class"].startswith("hot") and h3.grid_distance(centre, busiest["area"]) <= 1
    # Far from the cluster nothing is hot.
    far = [row for row in data["areas"] if h3.grid_distance(centre, row["area"]) > 4]
    assert far and not any(row["class"].startswith("hot") for row in far)
    # Study region: occupied cells and their rings, so empty cells take part.
    occupied = {h3.latlng_to_cell(a, b, 8) for a, b in zip(lat, lon, strict=True)}
    region = set().union(*(h3.grid_disk(cell, 1) for cell in occupied))
    assert set(rows) == region and result.occupied_cells == len(occupied)
    assert sum(row["count"] for row in data["areas"]) == 380
    assert any(row["count"] == 0 for row in data["areas"])
    # Each cell carries its hexagon, [lat, lon] around its centre.
    boundary = rows[centre]["boundary"]
    assert len(boundary) == 6
    assert math.isclose(
        np.mean([p[0] for p in boundary]), h3.cell_to_latlng(centre)[0], abs_tol=1e-3
    )
    method = data["method"]
    assert method["resolution"] == 8 and method["edge_length_m"] == pytest.approx(531.4, abs=0.1)
    assert "H3" in method["weights"] and method["points"] == 380


def test_h3_surface_rejects_bad_points_and_resolution() -> None:
    with pytest.raises(AnalysisInputError, match="point 2, is at latitude 95") as raised:
        h3_surface([52.9, 95.0], [-1.4, -1.4])
    assert raised.value.option is None
    with pytest.raises(AnalysisInputError, match="not an H3 resolution") as raised:
        h3_surface([52.9], [-1.4], resolution=16)
    assert raised.value.option == "--resolution"
    with pytest.raises(AnalysisInputError, match="no point events"):
        h3_surface([], [])
    with pytest.raises(AnalysisInputError, match="2 latitudes but 1 longitudes"):
        h3_surface([52.9, 52.8], [-1.4])
