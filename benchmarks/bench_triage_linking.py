"""Figure: linking 100,000 reports with 300,000 entity mentions (``resolve`` + graph + components).

Goal (issue 11): at most 60 s and at most 2 GB on this machine.

Set-up (not timed): 100,000 synthetic reports over 22 districts (10 wards each) and two
years, with 300,000 mentions (every report one, the rest spread at random: 1 to about 10 per
report). Types: phones 25 %, people 22 %, addresses 20 %, vehicles 10 %, postcodes 8 %,
nicknames 7 %, handles 5 %, e-mails 3 %. Skew as in real intelligence: for each type, 10 % of
mentions come from 40 "hot" values with weights 1/rank (the top phone is in about 1,700
reports, the 40th in about 40), 25 % from a pool of recurring values (a handful of reports
each) and 65 % are new values. People, nicknames and addresses are misspelt in 15 % of
mentions (a letter dropped, doubled or two swapped, in the surname, the street name or the
nickname), a third of addresses have no town, a tenth are flats; 8 % of reports carry the
cuckooing theme. Seeded: the same data every run.

Timed, in this process, once: ``resolve(mentions)``, ``build_graph(resolution)``,
``components(graph)``, and the two ready answers that read the resolution. Memory: the
process's peak resident size (``ru_maxrss``), which includes the generated mentions; the
peak before the timed part is printed beside it.

    python benchmarks/bench_triage_linking.py [--json] [--structure]

``--structure`` also times Louvain communities and sampled betweenness on the same graph
(not part of the goal).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from beacon.triage.entities_names import GIVEN_NAMES
from beacon.triage.linking import Mention, resolve
from beacon.triage.network import (
    build_graph,
    centrality,
    communities,
    components,
    repeated_at_address,
    shared_across_districts,
)

HERE = Path(__file__).resolve().parent

REPORTS = 100_000
MENTIONS = 300_000
SEED = 20261211
TYPES = {
    "phone": 0.25,
    "person": 0.22,
    "address": 0.20,
    "vehicle": 0.10,
    "postcode": 0.08,
    "nickname": 0.07,
    "handle": 0.05,
    "email": 0.03,
}
HOT_VALUES = 40
HOT_SHARE = 0.10
POOL_SHARE = 0.25
TYPO_SHARE = 0.15
THEMES = ("drugs", "asb", "county_lines", "violence_weapons", "youth_crime", "cce")
CUCKOOING_SHARE = 0.08
START = date(2024, 1, 1)


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_ONSETS = words("b br ch cl d dr f g gr h j k l m n p r s sh st t th tr w wh y")
_VOWELS = words("a e i o u ai ea ee oo ou ay")
_CODAS = words("ck ll n nd ng nt r rd rn rt s sh ss t th tt x ld lm")
_ENDINGS = words("ton ley field worth ham by wood wick son man ridge brook shaw well")
STREET_TYPES = words("Road Street Lane Avenue Crescent Terrace Close Drive Grove Court")
TOWNS = words("Leeds Bradford Wakefield Halifax Huddersfield Keighley Dewsbury Pudsey")


def word(rng: random.Random, ending: bool) -> str:
    stem = rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
    return (stem + (rng.choice(_ENDINGS) if ending else "")).capitalize()


def typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return text[:i] + text[i + 1 :]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]


class Values:
    """Fresh values of every type, and typos where the type links fuzzily."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.counter = 0
        self.given = sorted(n.title() for n in GIVEN_NAMES)
        self.surnames = sorted({word(rng, True) for _ in range(3000)})
        self.streets = sorted({word(rng, rng.random() < 0.5) for _ in range(1500)})

    def fresh(self, kind: str) -> str:
        rng = self.rng
        self.counter += 1
        n = self.counter
        if kind == "phone":
            return f"+447{(n * 7_919_113) % 1_000_000_000:09d}"
        if kind == "vehicle":
            letters = "ABCDEFGHJKLMNPRSTUVWXY"
            tag = "".join(letters[(n // 22**i) % 22] for i in range(5))
            return f"{tag[:2]}{10 + n % 60:02d}{tag[2:]}"
        if kind == "postcode":
            return (
                f"LS{1 + n % 29} {n % 10}{'ABDEFGHJLNPQRSTUWXYZ'[n % 20]}{'ABDEFGHJ'[n // 20 % 8]}"
            )
        if kind == "email":
            return f"user{n}@gmail.com"
        if kind == "handle":
            return f"instagram:@name_{n}"
        if kind == "person":
            return f"{rng.choice(self.given)} {rng.choice(self.surnames)}"
        if kind == "nickname":
            prefix = rng.choice(("", "", "Big ", "Lil ", "Young "))
            return prefix + word(rng, rng.random() < 0.3)
        number = int(rng.paretovariate(1.2)) if rng.random() < 0.7 else rng.randint(1, 400)
        street = f"{min(number, 400)} {rng.choice(self.streets)} {rng.choice(STREET_TYPES)}"
        if rng.random() < 0.1:
            street = f"Flat {rng.randint(1, 12)}, {street}"
        if rng.random() < 2 / 3:
            street += f", {rng.choice(TOWNS)}"
        return street

    def variant(self, kind: str, value: str) -> str:
        if kind == "person":
            given, _, surname = value.partition(" ")
            return f"{given} {typo(self.rng, surname)}"
        if kind == "nickname":
            return typo(self.rng, value)
        if kind == "address":
            parts = value.split(" ")
            # Misspell the street name (the word before the street type).
            for i in range(len(parts) - 1, 0, -1):
                if parts[i].rstrip(",") in STREET_TYPES:
                    parts[i - 1] = typo(self.rng, parts[i - 1])
                    return " ".join(parts)
        return value


def generate() -> list[Mention]:
    rng = random.Random(SEED)
    values = Values(rng)
    kinds = list(TYPES)
    weights = list(TYPES.values())
    hot = {k: [values.fresh(k) for _ in range(HOT_VALUES)] for k in kinds}
    hot_weights = [1 / rank for rank in range(1, HOT_VALUES + 1)]
    pool = {k: [values.fresh(k) for _ in range(int(MENTIONS * TYPES[k] / 10))] for k in kinds}

    districts = [f"E080000{d:02d}" for d in range(10, 32)]
    counts = [1] * REPORTS
    for _ in range(MENTIONS - REPORTS):
        counts[rng.randrange(REPORTS)] += 1
    mentions: list[Mention] = []
    for number, count in enumerate(counts):
        rid = f"R{number:06d}"
        district = rng.randrange(len(districts))
        ward = f"E05{district:03d}{rng.randrange(10):03d}"
        themes = [rng.choice(THEMES)]
        if rng.random() < CUCKOOING_SHARE:
            themes.append("cuckooing")
        received = START + timedelta(days=rng.randrange(730))
        for kind in rng.choices(kinds, weights, k=count):
            draw = rng.random()
            if draw < HOT_SHARE:
                value = rng.choices(hot[kind], hot_weights)[0]
            elif draw < HOT_SHARE + POOL_SHARE:
                value = rng.choice(pool[kind])
            else:
                value = values.fresh(kind)
            if kind in ("person", "nickname", "address") and rng.random() < TYPO_SHARE:
                value = values.variant(kind, value)
            mentions.append(
                Mention(
                    report_id=rid,
                    entity_type=kind,  # type: ignore[arg-type]
                    value=value,
                    text=value,
                    district=districts[district],
                    ward=ward,
                    themes=tuple(themes),
                    received_on=received,
                )
            )
    return mentions


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(structure: bool) -> dict[str, object]:
    mentions = generate()
    gc.collect()
    before = peak_mb()

    started = time.perf_counter()
    resolution = resolve(mentions)
    resolved = time.perf_counter()
    graph = build_graph(resolution)
    built = time.perf_counter()
    groups = components(graph)
    done = time.perf_counter()
    lines = shared_across_districts(resolution)
    repeats = repeated_at_address(resolution)
    answered = time.perf_counter()
    peak = peak_mb()

    merged_keys = sum(len(e.keys) - 1 for e in resolution.entities)
    figures: dict[str, object] = {
        "linking_reports": len({m.report_id for m in mentions}),
        "linking_mentions": len(mentions),
        "linking_distinct_value_keys": sum(len(e.keys) for e in resolution.entities),
        "linking_entities": len(resolution.entities),
        "linking_fuzzy_merges": merged_keys,
        "linking_graph_nodes": graph.number_of_nodes(),
        "linking_graph_edges": graph.number_of_edges(),
        "linking_components": len(groups),
        "linking_largest_component_nodes": len(groups[0].nodes),
        "linking_resolve_s": round(resolved - started, 2),
        "linking_graph_build_s": round(built - resolved, 2),
        "linking_components_s": round(done - built, 2),
        "linking_total_s": round(done - started, 2),
        "linking_ready_answers_s": round(answered - done, 2),
        "linking_phones_across_districts": len(lines),
        "linking_cuckooing_addresses_90d": len(repeats),
        "linking_peak_rss_before_mb": round(before),
        "linking_peak_rss_mb": round(peak),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    if structure:
        started = time.perf_counter()
        found = communities(graph, 0)
        figures["linking_communities"] = len(found)
        figures["linking_communities_s"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        central = centrality(graph, sample=64)
        figures["linking_betweenness_sample"] = central.sampled
        figures["linking_centrality_s"] = round(time.perf_counter() - started, 2)
        figures["linking_peak_rss_mb"] = round(peak_mb())
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--structure", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from run import report

    report(
        measure(args.structure),
        as_json=args.json,
        goal="goal: resolve + graph + components of 100,000 reports <= 60 s, <= 2 GB",
    )


if __name__ == "__main__":
    main()
