"""Generated street-crime months, so the demo runs without gaps from July 2016 to July 2018.

The only street crime a fresh machine can install is three real data.police.uk files for West
Yorkshire (July 2016, 2017 and 2018, in ``crime-sim-toolkit``). Trend tests need 10 or more
consecutive months (the seasonal Mann–Kendall test 24), so Beacon writes the 22 months between
them itself, as data.police.uk street CSV files that the normal importer then takes like any
other. The real months are imported as published; nothing here changes them.

How one generated month is made (every step seeded by the month, so the same month always gives
the same bytes, whichever other months are generated alongside it):

1. **Volume per crime type.** The two nearest real months (before and after) are weighted by
   nearness (linear interpolation: 2017-01 is 1/2 of July 2016 and 1/2 of July 2017, 2017-10
   is 3/4 of July 2017 and 1/4 of July 2018). Each real July count is first divided by its
   type's July seasonal factor, the interpolated level multiplied by the factor of the generated
   calendar month, and the count drawn around it with Poisson-sized noise (normal, sd √n).
2. **Rows.** That many rows are drawn with replacement from the rows of the type in all the
   real months alike. (Weighting rows towards the nearer July made every LSOA's counts move in
   a straight line between two single real months, so chance differences between those months
   read as two-year trends in hundreds of small areas; drawing from all of them keeps each
   area's share steady and lets the volumes carry the change.) A drawn row keeps its LSOA
   (code and name), location text, crime type, outcome, Reported by and Falls within; Month
   becomes the generated month; coordinates move by up to :data:`JITTER_METRES` metres each way
   (kept inside the importer's UK box); a row that had a Crime ID gets a new one (SHA-256 of the
   seed, month and row number), and anti-social behaviour rows stay without one, as published.
3. **Seasonality** (:data:`SEASONALITY`): factor = 1 + amplitude × cos(2π(month − peak)/12),
   one (amplitude, peak month) per crime type. The values are illustrative, shaped on the
   commonly reported pattern of recorded crime in England and Wales (violence, anti-social
   behaviour and bicycle theft higher in summer; burglary, robbery and theft from the person in
   the dark months; shoplifting before Christmas; criminal damage around bonfire night). They
   are not fitted to any data.
4. **A planted emerging pattern.** In the five Bradford LSOAs of :data:`PLANTED_LSOAS`, drugs
   and possession-of-weapons offences rise steadily over the last :data:`PLANTED_MONTHS`
   generated months (2017-10 to 2018-06): in the k-th of them each LSOA gets ⌈k × step⌉ extra
   rows of each type (:data:`PLANTED_STEPS`), placed at locations of real rows in that LSOA,
   with outcomes of real rows of that type. It is invented, so the emerging-risk flags have
   something to find; July 2018 is real and does not carry it.

Rows are written as data.police.uk orders its files: by LSOA name, rows without a location
last. Generation is pure Python on ``random.Random.random`` (whose sequence Python guarantees
for a given seed) and float arithmetic, so the same command writes byte-identical files every
time; another machine writes the same bytes unless its maths library rounds ``cos`` or ``log``
differently in the last bit. Changing the seed or this code changes the files: load them into a
fresh database then (the old months would stay beside the new ones).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist

from beacon.demo.sources import DemoDataMissing, DemoSources
from beacon.ingest.police_formats import LAT_MAX, LAT_MIN, LON_MAX, LON_MIN, STREET
from beacon.ingest.runs import file_sha256

FIRST_MONTH = "2016-07"
LAST_MONTH = "2018-07"
SEED = "beacon-demo-street-1"
# Under Settings.data_dir. The "-generated" in every file name shows in the import runs too.
GENERATED_FOLDER = Path("demo") / "generated-street"
FILE_SUFFIX = "-west-yorkshire-street-generated.csv"
MANIFEST = "manifest.json"
JITTER_METRES = 5.0

# Crime type -> (amplitude, peak calendar month); see the module docstring.
SEASONALITY: Mapping[str, tuple[float, int]] = {
    "Anti-social behaviour": (0.15, 7),
    "Bicycle theft": (0.30, 8),
    "Burglary": (0.15, 12),
    "Criminal damage and arson": (0.08, 10),
    "Drugs": (0.05, 5),
    "Other crime": (0.00, 1),
    "Other theft": (0.05, 7),
    "Possession of weapons": (0.05, 7),
    "Public order": (0.08, 7),
    "Robbery": (0.12, 12),
    "Shoplifting": (0.08, 12),
    "Theft from the person": (0.10, 12),
    "Vehicle crime": (0.08, 11),
    "Violence and sexual offences": (0.10, 7),
}

PLANTED_DISTRICT = "E08000032"  # Bradford
# Inner-Bradford LSOAs within about 3.5 km of each other (039H, 039J, 034C, 044A, 045D).
PLANTED_LSOAS = ("E01033691", "E01033693", "E01010824", "E01010834", "E01010734")
PLANTED_MONTHS = 9
# Extra rows per planted LSOA in the k-th planted month: ceil(k * step).
PLANTED_STEPS: Mapping[str, float] = {"Drugs": 1.0, "Possession of weapons": 0.5}

_CRIME_ID, _MONTH, _LON, _LAT, _LSOA, _LSOA_NAME, _TYPE, _OUTCOME = 0, 1, 4, 5, 7, 8, 9, 10
_METRES_PER_DEGREE = 111_320.0
_NORMAL = NormalDist()
_MONTH_NAME = re.compile(r"^(\d{4}-\d{2})-")
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def month_range(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` inclusive, as ``YYYY-MM``."""
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def generated_months(real_months: Iterable[str]) -> list[str]:
    """The months from FIRST_MONTH to LAST_MONTH that no real file covers."""
    real = set(real_months)
    return [m for m in month_range(FIRST_MONTH, LAST_MONTH) if m not in real]


def planted_months(real_months: Iterable[str]) -> list[str]:
    """The generated months carrying the planted rise: the last PLANTED_MONTHS of them."""
    return generated_months(real_months)[-PLANTED_MONTHS:]


def seasonal_factor(crime_type: str, month_number: int) -> float:
    amplitude, peak = SEASONALITY.get(crime_type, (0.0, 1))
    return 1.0 + amplitude * math.cos(2.0 * math.pi * (month_number - peak) / 12.0)


def generated_file_name(month: str) -> str:
    return f"{month}{FILE_SUFFIX}"


# One real row as the generator uses it: (sort key, its 12 fields, longitude, latitude, degrees
# of longitude per JITTER_METRES); longitude is None for rows without a location.
_Source = tuple[str, tuple[str, ...], float | None, float, float]


@dataclass(frozen=True)
class RealMonths:
    """The real street rows, by month and crime type (file order) and by month and LSOA."""

    header: list[str]
    by_type: dict[str, dict[str, list[_Source]]]
    by_lsoa: dict[str, dict[str, list[_Source]]]
    plain: bool  # no field holds a comma, quote or line break

    @property
    def months(self) -> list[str]:
        return sorted(self.by_type)


def read_real_months(paths: Sequence[Path]) -> RealMonths:
    """Read the real street files, checking they are what the generator expects."""
    header: list[str] = []
    by_type: dict[str, dict[str, list[_Source]]] = {}
    by_lsoa: dict[str, dict[str, list[_Source]]] = {}
    plain = True
    for file_index, path in enumerate(sorted(paths)):
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [h.strip() for h in next(reader, [])]
            if tuple(header) != STREET.header:
                raise DemoDataMissing(
                    f"{path}: line 1: not the data.police.uk street header in its usual order"
                )
            month = _real_month_names([path])[0]
            for line, row in enumerate(reader, start=2):
                if len(row) != len(header):
                    raise DemoDataMissing(f"{path}: line {line}: expected {len(header)} fields")
                if row[_MONTH] != month:
                    raise DemoDataMissing(
                        f"{path}: line {line}: Month {row[_MONTH]!r}, the file name says {month}"
                    )
                if plain and _NEEDS_QUOTES.search("".join(row)):
                    plain = False
                source = _source(row, file_index, line, path)
                by_type.setdefault(month, {}).setdefault(row[_TYPE], []).append(source)
                if row[_LSOA] and source[2] is not None:
                    by_lsoa.setdefault(month, {}).setdefault(row[_LSOA], []).append(source)
    return RealMonths(header, by_type, by_lsoa, plain)


def generate_month(real: RealMonths, month: str) -> list[list[str]]:
    """The rows of one generated month (12 data.police.uk fields each), in file order."""
    months = real.months
    before = max((m for m in months if m < month), default=None)
    after = min((m for m in months if m > month), default=None)
    if before is None or after is None or month in months:
        raise ValueError(f"{month} is not between two real months ({', '.join(months)})")
    span = _month_index(after) - _month_index(before)
    w_after = (_month_index(month) - _month_index(before)) / span
    w_before = 1.0 - w_after
    rng = random.Random(f"{SEED}/{month}")
    calendar_month = int(month[5:7])

    drawn: list[tuple[str, list[str]]] = []
    for crime_type in sorted(set(real.by_type[before]) | set(real.by_type[after])):
        pool_b = real.by_type[before].get(crime_type, [])
        pool_a = real.by_type[after].get(crime_type, [])
        level = w_before * len(pool_b) / seasonal_factor(crime_type, int(before[5:7]))
        level += w_after * len(pool_a) / seasonal_factor(crime_type, int(after[5:7]))
        expected = level * seasonal_factor(crime_type, calendar_month)
        count = max(0, round(expected + math.sqrt(expected) * _normal(rng)))
        # Rows come from every real month alike (see the module docstring, step 2).
        pool = [row for m in months for row in real.by_type[m].get(crime_type, [])]
        drawn.extend(_draw_moved(rng, pool, 1.0, [], 0.0, count))

    planted = planted_months(months)
    if month in planted:
        step_number = planted.index(month) + 1
        drawn.extend(_planted_rows(real, rng, before, after, w_before, w_after, step_number))

    # Keys order like data.police.uk (by LSOA name, rows without a location last). The sort is
    # stable, so a row drawn twice keeps its draw order.
    drawn.sort(key=_first)
    rows = []
    sha256 = hashlib.sha256
    for number, (_key, row) in enumerate(drawn, start=1):
        row[_MONTH] = month
        if row[_CRIME_ID]:
            row[_CRIME_ID] = sha256(f"{SEED}/{month}/{number}".encode()).hexdigest()
        rows.append(row)
    return rows


def month_csv(real: RealMonths, month: str) -> bytes:
    """One generated month as a data.police.uk street CSV file (CRLF, like the real ones)."""
    rows = [real.header, *generate_month(real, month)]
    if real.plain:  # nothing to quote: joining is what csv.writer would write, 3x faster
        return ("\r\n".join(",".join(row) for row in rows) + "\r\n").encode("utf-8")
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def write_generated_months(
    sources: DemoSources, folder: Path, months: Sequence[str] | None = None
) -> list[Path]:
    """Write the generated months (all of them unless ``months`` names some) into ``folder``.

    ``folder/manifest.json`` records the SHA-256 of each file written and a fingerprint of what
    made it (this module's code and the real files): a file whose bytes still match is not
    generated again, which saves most of the generation time of a second ``beacon demo load``.
    Anything else is generated and written (whole, then renamed into place).
    """
    if months is not None and not months:
        return []
    wanted = generated_months(_real_month_names(sources.street_csvs))
    if months is not None:
        unknown = [m for m in months if m not in wanted]
        if unknown:
            raise ValueError(
                f"{unknown[0]} is not a generated demo month ({wanted[0]}..{wanted[-1]}, "
                "without the real ones)"
            )
        wanted = [m for m in wanted if m in set(months)]
    folder.mkdir(parents=True, exist_ok=True)
    manifest_path = folder / MANIFEST
    fingerprint = _fingerprint(sources.street_csvs)
    recorded: dict[str, str] = {}
    if manifest_path.is_file():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except ValueError:
            manifest = {}
        files = manifest.get("files") if isinstance(manifest, dict) else None
        if isinstance(files, dict) and manifest.get("fingerprint") == fingerprint:
            recorded = {str(name): str(sha) for name, sha in files.items()}
    real: RealMonths | None = None
    paths = []
    for month in wanted:
        path = folder / generated_file_name(month)
        paths.append(path)
        if path.is_file() and recorded.get(path.name) == file_sha256(path):
            continue
        if real is None:
            real = read_real_months(sources.street_csvs)
            _check_planted_lsoas(sources.force_lsoa_csv, real)
        content = month_csv(real, month)
        _replace(path, content)
        recorded[path.name] = hashlib.sha256(content).hexdigest()
    manifest_text = json.dumps({"fingerprint": fingerprint, "files": recorded}, indent=1)
    _replace(manifest_path, manifest_text.encode("utf-8"))
    return paths


# --- helpers -----------------------------------------------------------------------------------


def _replace(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` without ever leaving a half-written file under its name."""
    if path.is_file() and path.read_bytes() == content:
        return
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(content)
    os.replace(partial, path)


def _fingerprint(real_files: Sequence[Path]) -> str:
    """What the generated files depend on: this module's code and the real files' bytes."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for path in sorted(real_files):
        digest.update(file_sha256(path).encode())
    return digest.hexdigest()


def _real_month_names(paths: Sequence[Path]) -> list[str]:
    """The real files' months, from their data.police.uk names (read_real_months checks the
    rows agree)."""
    months = []
    for path in paths:
        match = _MONTH_NAME.match(path.name)
        if not match:
            raise DemoDataMissing(f"{path}: not a data.police.uk file name (YYYY-MM-...)")
        months.append(match[1])
    return sorted(months)


def _month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def _normal(rng: random.Random) -> float:
    # inv_cdf is plain arithmetic, so the draw is the same on every machine.
    return _NORMAL.inv_cdf(min(max(rng.random(), 1e-12), 1.0 - 1e-12))


def _first(item: tuple[str, list[str]]) -> str:
    return item[0]


def _source(row: list[str], file_index: int, line: int, path: Path) -> _Source:
    lsoa_name = row[_LSOA_NAME]
    key = f"{0 if lsoa_name else 1}{lsoa_name}\x00{file_index:02d}{line:09d}"
    if not (row[_LON] and row[_LAT]):
        return key, tuple(row), None, 0.0, 0.0
    try:
        lon, lat = float(row[_LON]), float(row[_LAT])
    except ValueError:
        raise DemoDataMissing(f"{path}: line {line}: coordinates are not numbers") from None
    d_lon = JITTER_METRES / (_METRES_PER_DEGREE * math.cos(math.radians(lat)))
    return key, tuple(row), lon, lat, d_lon


def _draw_moved(
    rng: random.Random,
    pool_b: list[_Source],
    w_b: float,
    pool_a: list[_Source],
    w_a: float,
    count: int,
) -> list[tuple[str, list[str]]]:
    """``count`` rows drawn from the two pools with replacement, every row of a pool weighted
    by its month's weight, each point moved by up to JITTER_METRES each way."""
    uniform = rng.random
    n_b, n_a = len(pool_b), len(pool_a)
    mass_b = w_b * n_b
    total = mass_b + w_a * n_a
    d_lat = JITTER_METRES / _METRES_PER_DEGREE
    drawn = []
    for _ in range(count):
        x = uniform() * total
        if x < mass_b:
            key, fields, lon, lat, d_lon = pool_b[min(int(x / w_b), n_b - 1)]
        else:
            key, fields, lon, lat, d_lon = pool_a[min(int((x - mass_b) / w_a), n_a - 1)]
        # Both drawn for every row, so the stream never depends on which rows have a point.
        dx, dy = uniform(), uniform()
        row = list(fields)
        if lon is not None:
            row[_LON] = f"{min(max(lon + (2 * dx - 1) * d_lon, LON_MIN), LON_MAX):.6f}"
            row[_LAT] = f"{min(max(lat + (2 * dy - 1) * d_lat, LAT_MIN), LAT_MAX):.6f}"
        drawn.append((key, row))
    return drawn


def _planted_rows(
    real: RealMonths,
    rng: random.Random,
    before: str,
    after: str,
    w_before: float,
    w_after: float,
    step_number: int,
) -> list[tuple[str, list[str]]]:
    rows = []
    for lsoa in PLANTED_LSOAS:
        places_b = real.by_lsoa[before].get(lsoa, [])
        places_a = real.by_lsoa[after].get(lsoa, [])
        for crime_type, step in PLANTED_STEPS.items():
            outcomes_b = real.by_type[before].get(crime_type, [])
            outcomes_a = real.by_type[after].get(crime_type, [])
            for _ in range(math.ceil(step_number * step)):
                [(key, row)] = _draw_moved(rng, places_b, w_before, places_a, w_after, 1)
                [(_, outcome)] = _draw_moved(rng, outcomes_b, w_before, outcomes_a, w_after, 1)
                row[_CRIME_ID] = "planted"  # any non-empty value: replaced by a new Crime ID
                row[_TYPE] = crime_type
                row[_OUTCOME] = outcome[_OUTCOME]
                rows.append((key, row))
    return rows


def _check_planted_lsoas(lookup: Path, real: RealMonths) -> None:
    """The planted LSOAs must be in the planted district and have located rows to borrow."""
    districts: dict[str, str] = {}
    with open(lookup, newline="", encoding="utf-8-sig") as handle:
        for record in csv.DictReader(handle):
            if record["LSOA Code"] in PLANTED_LSOAS:
                districts[record["LSOA Code"]] = record["Local authority code"]
    for lsoa in PLANTED_LSOAS:
        if districts.get(lsoa) != PLANTED_DISTRICT:
            raise DemoDataMissing(
                f"{lookup}: LSOA {lsoa} is not in district {PLANTED_DISTRICT} "
                f"(found {districts.get(lsoa) or 'no row'}): the package's table has changed"
            )
        for month in real.months:
            if not real.by_lsoa.get(month, {}).get(lsoa):
                raise DemoDataMissing(f"no located {month} street rows in LSOA {lsoa}")
