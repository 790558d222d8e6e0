"""Knox test (near repeats) against Ratcliffe's Near Repeat Calculator and a brute-force count."""

from __future__ import annotations

import json
import sys
import types
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from beacon.analytics.cli_nearrepeat import register
from beacon.analytics.errors import AnalysisInputError
from beacon.analytics.nearrepeat import (
    DatedEvents,
    knox_test,
    p_values,
    read_calculator_csv,
    repeat_locations,
)

# --------------------------------------------------------------------------------------------
# The Calculator's reference output


def _calculator_csv(shared_data: Path) -> Path:
    return shared_data / "nearrepeat" / "chicago_be_month1.csv"


def _verbose(shared_data: Path) -> list[list[str]]:
    (path,) = (shared_data / "nearrepeat").glob("chicago_be_month1_NRverbose_*.csv")
    return [[cell.strip() for cell in line.split(",")] for line in path.read_text().splitlines()]


def _observed_block(rows: list[list[str]]) -> np.ndarray:
    start = next(i for i, row in enumerate(rows) if row[0] == "Observed frequencies distribution")
    # Title, column labels, column numbers, then one row per distance band.
    table = []
    for row in rows[start + 3 :]:
        if not row[0].isdigit():
            break
        table.append([int(cell) for cell in row[2:] if cell])
    return np.array(table)


def _cells(rows: list[list[str]]) -> dict[tuple[int, int], dict[str, object]]:
    """Each 'Row r Column c' block: the permutations' counts, observed, mean and P value."""
    cells: dict[tuple[int, int], dict[str, object]] = {}
    for index, row in enumerate(rows):
        if not row[0].startswith("Row ") or "Column" not in row[0]:
            continue
        words = row[0].split()
        block = {r[0]: r[1:] for r in rows[index + 1 : index + 9]}
        cells[(int(words[1]) - 1, int(words[3]) - 1)] = {
            "expected": [int(v) for v in block["Expected"] if v],
            "observed": int(block["Observed"][0]),
            "mean": float(block["Mean"][0]),
            "p": float(block["P value"][0]),
        }
    return cells


@pytest.fixture(scope="module")
def chicago(shared_data: Path) -> DatedEvents:
    return read_calculator_csv(_calculator_csv(shared_data))


def test_observed_table_equals_the_calculator_exactly(
    chicago: DatedEvents, shared_data: Path
) -> None:
    reference = _observed_block(_verbose(shared_data))
    assert reference.shape == (5, 4)
    assert reference[4, 0] == 182194  # the "More than 300" row is part of the check
    result = knox_test(chicago, iterations=19, seed=1)
    assert len(chicago) == 970
    np.testing.assert_array_equal(result.observed, reference)
    assert result.observed.sum() == 970 * 969 // 2 == result.pairs
    assert result.distance_edges == (0.0, 1.0, 100.0, 200.0, 300.0)
    assert result.time_edges == (0, 7, 14, 21)


def test_p_value_rule_reproduces_the_calculator(shared_data: Path, chicago: DatedEvents) -> None:
    cells = _cells(_verbose(shared_data))
    assert len(cells) == 20
    observed = knox_test(chicago, iterations=1).observed
    for (row, column), cell in cells.items():
        simulated = np.array(cell["expected"])[:, None]
        assert len(simulated) == 19  # the Calculator's "20 iterations"
        assert cell["observed"] == observed[row, column]
        assert p_values(np.array([cell["observed"]]), simulated)[0] == pytest.approx(cell["p"])
        assert simulated.mean() == pytest.approx(cell["mean"])


def test_expected_means_are_plausible_against_the_calculator(
    shared_data: Path, chicago: DatedEvents
) -> None:
    cells = _cells(_verbose(shared_data))
    result = knox_test(chicago, iterations=99, seed=1)
    for (row, column), cell in cells.items():
        theirs = float(cell["mean"])  # type: ignore[arg-type]
        ours = result.expected_mean[row, column]
        # Two Monte Carlo means (19 and 99 permutations, different generators).
        assert abs(ours - theirs) <= 4 * np.sqrt(theirs) + 2, (row, column, ours, theirs)
    np.testing.assert_allclose(result.knox_ratio[-1], 1.0, atol=0.002)
    # The near-repeat signal the Calculator reports: close in space and time.
    assert result.knox_ratio[0, 0] > 1.4 and result.p_value[0, 0] <= 0.05
    assert result.knox_ratio[1, 0] > 1.4 and result.p_value[1, 0] <= 0.05


def test_expected_means_match_the_exact_permutation_expectation(chicago: DatedEvents) -> None:
    # Under a random permutation every spatial pair gets a random pair of the dates, so the
    # expected count of cell (d, t) is pairs(d) * pairs(t) / all pairs.
    result = knox_test(chicago, iterations=400, seed=3)
    by_distance = result.observed.sum(axis=1)
    by_time = result.observed.sum(axis=0)
    exact = np.outer(by_distance, by_time) / result.pairs
    # Standard error of the mean of 400 draws, roughly sqrt(exact / 400) for rare cells.
    tolerance = 5 * np.sqrt(exact / 400) + 0.05
    assert np.all(np.abs(result.expected_mean - exact) <= tolerance)
    # Permutations keep the row and column totals.
    assert np.all(result.simulated.sum(axis=2) == by_distance)
    assert np.all(result.simulated.sum(axis=1) == by_time)


def test_same_seed_same_result_other_seed_differs(chicago: DatedEvents) -> None:
    first = knox_test(chicago, iterations=30, seed=7)
    again = knox_test(chicago, iterations=30, seed=7)
    other = knox_test(chicago, iterations=30, seed=8)
    np.testing.assert_array_equal(first.expected_mean, again.expected_mean)
    np.testing.assert_array_equal(first.p_value, again.p_value)
    assert first.to_dict() == again.to_dict()
    assert not np.array_equal(first.expected_mean, other.expected_mean)
    assert not np.array_equal(first.p_value, other.p_value)
    np.testing.assert_array_equal(first.observed, other.observed)


def test_euclidean_and_manhattan_differ_where_they_should(chicago: DatedEvents) -> None:
    manhattan = knox_test(chicago, iterations=1, metric="manhattan").observed
    euclidean = knox_test(chicago, iterations=1, metric="euclidean").observed
    # Euclidean distance is never longer, so at least as many pairs lie within each edge.
    assert np.all(np.cumsum(euclidean, axis=0) >= np.cumsum(manhattan, axis=0))
    assert not np.array_equal(euclidean, manhattan)
    np.testing.assert_array_equal(euclidean.sum(axis=0), manhattan.sum(axis=0))
    np.testing.assert_array_equal(euclidean[0], manhattan[0])  # same location is the same
    # Two events 60 m east and 60 m north of each other: 120 m Manhattan, 84.9 m Euclidean.
    pair = DatedEvents(
        x=np.array([500_000.0, 500_060.0]),
        y=np.array([200_000.0, 200_060.0]),
        days=np.array([0, 3]),
    )
    assert knox_test(pair, iterations=1).observed[2, 0] == 1
    assert knox_test(pair, iterations=1, metric="euclidean").observed[1, 0] == 1


# --------------------------------------------------------------------------------------------
# Independent check of the band logic: every pair, one by one


def _brute_force(
    events: DatedEvents,
    distance_band: float,
    distance_bands: int,
    time_band: int,
    time_bands: int,
    metric: str,
) -> np.ndarray:
    n = len(events)
    table = np.zeros((distance_bands + 2, time_bands + 1), dtype=np.int64)
    for a in range(n):
        for b in range(a + 1, n):
            dx = abs(events.x[a] - events.x[b])
            dy = abs(events.y[a] - events.y[b])
            distance = dx + dy if metric == "manhattan" else float(np.hypot(dx, dy))
            if distance < 1:
                row = 0
            elif distance >= distance_band * distance_bands:
                row = distance_bands + 1
            else:
                row = 1 + next(
                    k for k in range(distance_bands) if distance < distance_band * (k + 1)
                )
            gap = abs(int(events.days[a]) - int(events.days[b]))
            column = min(gap // time_band, time_bands)
            table[row, column] += 1
    return table


def _clustered_events(seed: int, n: int = 260) -> DatedEvents:
    rng = np.random.default_rng(seed)
    # Whole-metre points on a small lattice: many shared locations and many distances exactly
    # on a band edge (1, 50, 100, ... m), where the half-open rule is tested.
    spots = rng.integers(0, 40, size=(45, 2)) * 10 + np.array([400_000, 300_000])
    xy = spots[rng.integers(0, len(spots), size=n)].astype(float)
    xy[: n // 4] += rng.integers(-1, 2, size=(n // 4, 2))  # some 1 m neighbours
    days = rng.integers(0, 60, size=n) + 738_000
    return DatedEvents(x=xy[:, 0], y=xy[:, 1], days=days)


@pytest.mark.parametrize("metric", ["manhattan", "euclidean"])
@pytest.mark.parametrize(
    ("distance_band", "distance_bands", "time_band", "time_bands"),
    [(100, 3, 7, 3), (50, 4, 3, 5), (10, 1, 1, 1), (1.5, 2, 14, 2), (120, 2, 30, 1)],
)
def test_fast_counts_equal_brute_force(
    metric: str, distance_band: float, distance_bands: int, time_band: int, time_bands: int
) -> None:
    for seed in (1, 2):
        events = _clustered_events(seed)
        result = knox_test(
            events,
            distance_band=distance_band,
            distance_bands=distance_bands,
            time_band=time_band,
            time_bands=time_bands,
            metric=metric,
            iterations=3,
        )
        expected = _brute_force(
            events, distance_band, distance_bands, time_band, time_bands, metric
        )
        np.testing.assert_array_equal(result.observed, expected)
        assert expected[:-1].sum() > 0 and expected[-1].sum() > 0


def test_fast_counts_on_a_spread_out_set_equal_brute_force() -> None:
    rng = np.random.default_rng(11)
    n = 220
    events = DatedEvents(
        x=rng.uniform(0, 3000, n) + 350_000.0,
        y=rng.uniform(0, 2000, n) + 580_000.0,
        days=rng.integers(0, 400, n),
    )
    for metric in ("manhattan", "euclidean"):
        result = knox_test(
            events,
            distance_band=200,
            distance_bands=4,
            time_band=10,
            time_bands=3,
            metric=metric,
            iterations=2,
        )
        np.testing.assert_array_equal(result.observed, _brute_force(events, 200, 4, 10, 3, metric))


def test_result_as_json() -> None:
    events = _clustered_events(5, n=60)
    result = knox_test(events, iterations=9, seed=2)
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert set(data) >= {
        "observed",
        "expected_mean",
        "knox_ratio",
        "p_value",
        "distance_edges",
        "time_edges",
        "parameters",
        "method",
    }
    assert data["observed"]["values"] == result.observed.tolist()
    assert data["observed"]["row_labels"][0] == "Same location"
    assert data["observed"]["column_labels"][-1] == "21 days or more"
    assert data["parameters"]["iterations"] == 9 and data["parameters"]["seed"] == 2
    assert data["p_value"]["values"][0][0] == pytest.approx(result.p_value[0, 0])
    assert min(min(row) for row in data["p_value"]["values"]) >= 0.1  # (0 + 1) / (9 + 1)


def test_bad_options_and_too_few_events() -> None:
    events = _clustered_events(1, n=20)
    for options, option in [
        ({"distance_band": 0}, "--distance-band"),
        ({"distance_band": 1}, "--distance-band"),
        ({"distance_bands": 0}, "--distance-bands"),
        ({"time_band": 0}, "--time-band"),
        ({"time_bands": -1}, "--time-bands"),
        ({"iterations": 0}, "--iterations"),
        ({"metric": "chebyshev"}, "--metric"),
    ]:
        with pytest.raises(AnalysisInputError) as error:
            knox_test(events, **options)  # type: ignore[arg-type]
        assert error.value.option == option
    one = DatedEvents(x=np.array([1e5]), y=np.array([2e5]), days=np.array([1]), source="one.csv")
    with pytest.raises(AnalysisInputError, match="at least 2 events"):
        knox_test(one)


# --------------------------------------------------------------------------------------------
# Reading the Calculator's CSV


def _write(tmp_path: Path, text: str, name: str = "events.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = "350353.4,578924.3,2015-12-31\n355691.3,586715.6,2016-01-01\n"


def test_reads_with_or_without_a_header(tmp_path: Path) -> None:
    plain = read_calculator_csv(_write(tmp_path, GOOD))
    header = read_calculator_csv(_write(tmp_path, "X,Y,Date\n" + GOOD + "\n", "h.csv"))
    bom = read_calculator_csv(_write(tmp_path, "\ufeffx,y,date\r\n" + GOOD, "b.csv"))
    for events in (plain, header, bom):
        np.testing.assert_array_equal(events.x, [350353.4, 355691.3])
        np.testing.assert_array_equal(
            events.days, [date(2015, 12, 31).toordinal(), date(2016, 1, 1).toordinal()]
        )
    assert header.source.endswith("h.csv")
    assert not header.x.flags.writeable


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (GOOD + "350000,578000,2016-02-30\n", 3, "does not exist"),
        (GOOD + "350000,578000,tomorrow\n", 3, "is not YYYY-MM-DD"),
        ("x,y,date\n" + GOOD + "35o000,578000,2016-01-02\n", 4, "x coordinate '35o000'"),
        (GOOD + "350000,,2016-01-02\n", 3, "y coordinate '(empty)'"),
        (GOOD + "350000,nan,2016-01-02\n", 3, "y coordinate 'nan'"),
        (GOOD + "\n350000,578000\n", 4, "expected 3 fields (x, y, date), found 2"),
        (GOOD + "350000,578000,2016-01-02,burglary\n", 3, "found 4"),
        ("id,350000,2016-01-01\n", 1, "x coordinate 'id'"),  # a number in field 2: not a header
    ],
)
def test_input_errors_name_file_and_line(tmp_path: Path, text: str, line: int, reason: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(AnalysisInputError) as error:
        read_calculator_csv(path)
    assert error.value.file == str(path)
    assert error.value.line == line
    assert reason in error.value.reason
    assert str(error.value).startswith(f"{path}, line {line}: ")


def test_empty_files(tmp_path: Path) -> None:
    for text in ("", "\n\n", "x,y,date\n"):
        with pytest.raises(AnalysisInputError, match="no events") as error:
            read_calculator_csv(_write(tmp_path, text))
        assert error.value.file is not None
    with pytest.raises(AnalysisInputError, match="cannot read"):
        read_calculator_csv(tmp_path / "missing.csv")


def test_slash_dates_only_when_the_file_settles_the_order(tmp_path: Path) -> None:
    us = read_calculator_csv(_write(tmp_path, "350000,578000,1/2/2016\n350001,578000,1/31/2016\n"))
    assert [date.fromordinal(int(d)) for d in us.days] == [date(2016, 1, 2), date(2016, 1, 31)]
    uk = read_calculator_csv(_write(tmp_path, "350000,578000,1/2/2016\n350001,578000,31/1/2016\n"))
    assert [date.fromordinal(int(d)) for d in uk.days] == [date(2016, 2, 1), date(2016, 1, 31)]
    with pytest.raises(AnalysisInputError, match="cannot tell") as error:
        read_calculator_csv(_write(tmp_path, GOOD + "350000,578000,03/04/2016\n"))
    assert error.value.line == 3
    mixed = "350000,578000,13/01/2016\n350000,578000,2016-01-05\n350000,578000,01/13/2016\n"
    with pytest.raises(AnalysisInputError, match="contradicts") as error:
        read_calculator_csv(_write(tmp_path, mixed))
    assert error.value.line == 3
    with pytest.raises(AnalysisInputError, match="does not exist") as error:
        read_calculator_csv(_write(tmp_path, "350000,578000,13/01/2016\n1,2,31/02/2016\n"))
    assert error.value.line == 2


def test_longitude_latitude_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "-0.1372,50.8225,2018-10-01\n-0.1401,50.8291,2018-10-02\n")
    with pytest.raises(AnalysisInputError, match="projected"):
        read_calculator_csv(path)


# --------------------------------------------------------------------------------------------
# Repeat locations


def test_repeat_locations_by_window_and_type() -> None:
    keys = [(1, 1), (1, 1), (1, 1), (2, 2), (2, 2), (3, 3), "Elm Road", "Elm Road"]
    days = [0, 5, 30, 10, 10, 4, 100, 107]
    types = [
        "burglary",
        "burglary",
        "burglary",
        "burglary",
        "criminal damage",
        "burglary",
        "criminal damage",
        "criminal damage",
    ]
    result = repeat_locations(keys, days, window=7)
    assert [(p.key, p.events, p.repeats) for p in result.places] == [
        ((1, 1), 3, 1),
        ((2, 2), 2, 1),
        ("Elm Road", 2, 1),
    ]
    assert result.repeat_events == 3 and result.locations == 4 and result.events == 8
    # By type: the second event at (2, 2) is of another type, so no longer a repeat there.
    typed = repeat_locations(keys, days, window=7, types=types)
    rows = {row["type"]: row for row in typed.by_type}
    assert rows["burglary"] == {
        "type": "burglary",
        "events": 5,
        "repeat_events": 1,
        "repeat_locations": 1,
    }
    assert rows["criminal damage"]["repeat_events"] == 1
    assert [(p.key, p.type) for p in typed.places] == [
        ((1, 1), "burglary"),
        ("Elm Road", "criminal damage"),
    ]
    # A longer window joins the third visit; window 0 keeps only same-day repeats.
    assert repeat_locations(keys, days, window=30).places[0].repeats == 2
    same_day = repeat_locations(keys, days, window=0)
    assert [(p.key, p.repeats) for p in same_day.places] == [((2, 2), 1)]
    data = json.loads(json.dumps(typed.to_dict()))
    assert data["places"][0]["key"] == [1, 1] and data["parameters"]["window"] == 7
    with pytest.raises(AnalysisInputError):
        repeat_locations(keys, days[:-1], window=7)
    with pytest.raises(AnalysisInputError):
        repeat_locations(keys, days, window=-1)


# --------------------------------------------------------------------------------------------
# The command


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command("other")
    def other() -> None:  # a second command keeps typer's sub-command layout
        pass

    return app


def test_cli_json_equals_the_function(shared_data: Path, chicago: DatedEvents) -> None:
    path = _calculator_csv(shared_data)
    result = CliRunner().invoke(
        _app(),
        ["near-repeat", "--input", str(path), "--iterations", "19", "--seed", "4", "--json"],
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data == json.loads(json.dumps(knox_test(chicago, iterations=19, seed=4).to_dict()))
    assert data["observed"]["values"][4] == [182194, 146149, 95237, 45879]


def test_cli_text_table(shared_data: Path) -> None:
    result = CliRunner().invoke(
        _app(),
        [
            "near-repeat",
            "--input",
            str(_calculator_csv(shared_data)),
            "--iterations",
            "9",
        ],
    )
    assert result.exit_code == 0, result.stderr
    for text in (
        "Observed pairs",
        "Knox ratio",
        "p-value",
        "Same location",
        "182,194",
        "manhattan distance, 9 permutations",
    ):
        assert text in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        ([], 2, "exactly one of --input FILE or --source"),
        (["--input", "x.csv", "--source", "intelligence"], 2, "exactly one of"),
        (["--input", "x.csv", "--lad", "E06000015"], 2, "--lad"),
        (["--input", "missing.csv"], 1, "missing.csv: cannot read the file"),
        (["--input", "{bad}", "--iterations", "0"], 1, "--iterations: must be a whole number"),
        (["--input", "{bad}"], 1, "line 2: date '2016-13-01' does not exist"),
        (["--input", "{one}"], 1, "at least 2 events, found 1"),
        (["--input", "{bad}", "--distance-band", "-5"], 1, "--distance-band: must be more than"),
        (["--source", "intelligence", "--month", "2024-13"], 1, "--month: '2024-13' is not"),
        (["--source", "intelligence", "--lad", "E06000015", "--ward", "E05000001"], 1, "one area"),
        (["--source", "intelligence", "--month", "2024-01", "--from", "2024-01"], 1, "not both"),
    ],
)
def test_cli_errors(tmp_path: Path, args: list[str], code: int, message: str) -> None:
    bad = _write(tmp_path, "350000,578000,2016-01-01\n350000,578000,2016-13-01\n", "bad.csv")
    one = _write(tmp_path, "350000,578000,2016-01-01\n", "one.csv")
    args = [a.replace("{bad}", str(bad)).replace("{one}", str(one)) for a in args]
    result = CliRunner().invoke(_app(), ["near-repeat", *args])
    assert result.exit_code == code
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1


def test_cli_source_asks_the_snapshot_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, object]] = []

    def load_dated_events(**kwargs: object) -> DatedEvents:
        calls.append(kwargs)
        return _clustered_events(4, n=40)

    module = types.ModuleType("beacon.analytics.events")
    module.load_dated_events = load_dated_events  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "beacon.analytics.events", module)
    monkeypatch.setattr("beacon.config.get_settings", lambda: "settings")
    result = CliRunner().invoke(
        _app(),
        [
            "near-repeat",
            "--source",
            "partner-feeds",
            "--lad",
            "E06000015",
            "--from",
            "2024-01",
            "--to",
            "2024-06",
            "--iterations",
            "5",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert calls == [
        {
            "source": "partner-feeds",
            "selection_options": {
                "lad": "E06000015",
                "ward": None,
                "lsoa": None,
                "force": None,
                "month": None,
                "from": "2024-01",
                "to": "2024-06",
            },
            "settings": "settings",
        }
    ]
    assert json.loads(result.stdout)["parameters"]["iterations"] == 5
