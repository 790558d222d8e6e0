"""The report-entity-place network: structure with known answers, the analysts' ready answers,
and the exports (names, numbers and places are fictional)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import networkx as nx
import pytest

from beacon.triage.linking import Mention, Resolution, resolve
from beacon.triage.network import (
    build_graph,
    centrality,
    communities,
    components,
    linked_to,
    repeated_at_address,
    shared_across_districts,
    to_graphml,
    to_json,
)

P1, P2, P3 = "+447700900001", "+447700900002", "+447700900003"
VEHICLE = "vehicle:BD19XKF"
MILL = "address:14 Mill Lane, Leeds"
HIGH = "address:2 High Street, Leeds"
PERSON = "person:jordan reilly"


def report(
    rid: str,
    district: str | None,
    ward: str | None,
    when: date | None,
    themes: tuple[str, ...],
    *entities: tuple[str, str, str],
) -> list[Mention]:
    return [
        Mention(
            rid,
            kind,  # type: ignore[arg-type]
            value,
            text=text,
            district=district,
            ward=ward,
            themes=themes,
            received_on=when,
        )
        for kind, value, text in entities
    ]


def scenario() -> Resolution:
    """Eight reports in three districts. Phone P1 is in D1 and D2; the address in Mill Lane
    is written three ways and has cuckooing reports 73 days apart; the car is in r2 and r6."""
    mill = ("address", "14 Mill Lane, Leeds", "14 mill lane leeds")
    high = ("address", "2 High Street, Leeds", "2 high st")
    car = ("vehicle", "BD19XKF", "bd19 xkf")
    cuckooing = ("cuckooing",)
    mentions = [
        *report("r1", "D1", "W1", date(2025, 1, 1), cuckooing, ("phone", P1, "07700 900001"), mill),
        *report("r2", "D1", "W1", date(2025, 2, 1), ("drugs",), ("phone", P1, "07700900001"), car),
        *report(
            "r3", "D1", "W2", date(2025, 3, 15), cuckooing,
            ("phone", P2, "07700 900002"), ("address", "14 Mill Lane", "14 mill ln"),
        ),
        *report("r4", "D1", "W2", date(2025, 9, 1), cuckooing, ("phone", P2, "07700 900002"), mill),
        *report("r5", "D2", None, date(2025, 1, 1), cuckooing, ("phone", P1, "07700-900001"), high),
        *report(
            "r6", "D2", None, date(2025, 6, 1), ("cuckooing", "drugs"),
            car, high, ("person", "Jordan Reilly", "Jordan Reilly"),
        ),
        *report(
            "r7", "D2", None, date(2025, 1, 10), ("drugs",),
            ("address", "14 Mil Lane, Leeds", "14 Mil Lane Leeds"),
        ),
        *report(
            "r8", "D3", None, None, cuckooing,
            ("person", "Jordan Reily", "jordan reily"), ("phone", P3, "07700 900003"),
        ),
    ]  # fmt: skip
    return resolve(mentions)


# --------------------------------------------------------------------------------------------
# The graph
# --------------------------------------------------------------------------------------------


def test_graph_nodes_and_edges() -> None:
    graph = build_graph(scenario())
    kinds = dict(graph.nodes(data="kind"))
    assert sum(k == "report" for k in kinds.values()) == 8
    assert sorted(n for n, k in kinds.items() if k == "entity") == sorted(
        [f"phone:{P1}", f"phone:{P2}", f"phone:{P3}", VEHICLE, MILL, HIGH, PERSON]
    )
    assert sorted(n for n, k in kinds.items() if k == "place") == [
        "district:D1",
        "district:D2",
        "district:D3",
        "ward:W1",
        "ward:W2",
    ]
    assert graph.nodes[MILL] == {
        "kind": "entity",
        "label": "14 Mill Lane, Leeds",
        "type": "address",
    }
    assert graph.nodes["report:r3"] == {"kind": "report", "label": "r3", "type": "report"}
    assert graph.nodes["ward:W2"] == {"kind": "place", "label": "W2", "type": "ward"}
    assert graph.number_of_edges() == 16 + 12  # mentions + report-place
    assert graph.edges["report:r3", MILL] == {"kind": "mention", "mentions": 1}
    assert graph.edges["report:r5", "district:D2"]["kind"] == "place"


def test_mentions_of_one_entity_in_one_report_are_one_weighted_edge() -> None:
    mentions = [
        Mention("r1", "phone", P1, source="subject"),
        Mention("r1", "phone", P1),
        Mention("r2", "phone", P1),
    ]
    graph = build_graph(resolve(mentions))
    assert graph.edges["report:r1", f"phone:{P1}"]["mentions"] == 2
    assert graph.edges["report:r2", f"phone:{P1}"]["mentions"] == 1


# --------------------------------------------------------------------------------------------
# Structure with known answers
# --------------------------------------------------------------------------------------------


def test_components_with_and_without_places() -> None:
    mentions = [
        Mention("r1", "phone", P1, district="D1"),
        Mention("r2", "phone", P1, district="D1"),
        Mention("r3", "phone", P2, district="D1"),
        Mention("r4", "phone", P2, district="D1"),
        Mention("r4", "nickname", "Big Dee", district="D1"),
        Mention("r5", "email", "jo@gmail.com"),  # no district
    ]
    graph = build_graph(resolve(mentions))
    found = components(graph)
    assert [g.nodes for g in found] == [
        ("nickname:big dee", f"phone:{P2}", "report:r3", "report:r4"),
        (f"phone:{P1}", "report:r1", "report:r2"),
        ("email:jo@gmail.com", "report:r5"),
    ]
    assert [(g.reports, g.entities) for g in found] == [(2, 2), (2, 1), (1, 1)]
    with_places = components(graph, include_places=True)
    assert [len(g.nodes) for g in with_places] == [8, 2]
    assert "district:D1" in with_places[0].nodes


def two_groups() -> Resolution:
    """Reports r1-r4 share phone P1 and a person; r5-r8 share phone P2 and another person;
    r4 also mentions P2 (one bridge)."""
    mentions = []
    for i in range(1, 5):
        mentions += [Mention(f"r{i}", "phone", P1), Mention(f"r{i}", "person", "Dean Smith")]
    for i in range(5, 9):
        mentions += [Mention(f"r{i}", "phone", P2), Mention(f"r{i}", "person", "Kyle Okafor")]
    mentions.append(Mention("r4", "phone", P2))
    return resolve(mentions)


def test_communities_split_at_the_bridge() -> None:
    graph = build_graph(two_groups())
    expected = [
        ("person:dean smith", f"phone:{P1}", "report:r1", "report:r2", "report:r3", "report:r4"),
        ("person:kyle okafor", f"phone:{P2}", "report:r5", "report:r6", "report:r7", "report:r8"),
    ]
    for seed in (0, 1, 42):
        assert [g.nodes for g in communities(graph, seed)] == expected
    assert len(components(graph)) == 1


def test_centrality_of_a_star_and_a_path() -> None:
    star = build_graph(resolve([Mention(f"r{i}", "phone", P1) for i in (1, 2, 3)]))
    result = centrality(star)
    assert result.sampled is None
    top = result.nodes[0]
    assert (top.node, top.degree, top.degree_centrality, top.betweenness) == (
        f"phone:{P1}",
        3,
        1.0,
        1.0,
    )
    assert all(n.betweenness == 0.0 and n.degree == 1 for n in result.nodes[1:])

    # r1 - P1 - r2 - V - r3: the middle report lies on 4 of the 6 shortest paths not
    # ending at it (normalised 4/6), each phone and car on 3 (3/6).
    path = build_graph(
        resolve(
            [
                Mention("r1", "phone", P1),
                Mention("r2", "phone", P1),
                Mention("r2", "vehicle", "BD19XKF"),
                Mention("r3", "vehicle", "BD19XKF"),
            ]
        )
    )
    values = {n.node: round(n.betweenness, 6) for n in centrality(path).nodes}
    assert values == {
        "report:r2": round(4 / 6, 6),
        f"phone:{P1}": 0.5,
        VEHICLE: 0.5,
        "report:r1": 0.0,
        "report:r3": 0.0,
    }
    assert centrality(path).top(1, by="degree", kind="report")[0].node == "report:r2"


def test_centrality_samples_on_request_and_says_so() -> None:
    graph = build_graph(two_groups())
    sampled = centrality(graph, sample=4, seed=3)
    assert sampled.sampled == 4
    assert sampled == centrality(graph, sample=4, seed=3)  # seeded
    assert centrality(graph, sample=10_000).sampled is None  # more than the nodes: exact


def test_structure_of_chosen_nodes() -> None:
    graph = build_graph(two_groups())
    first = [n for n in graph if n.endswith(("r1", "r2", "r3", "r4", "dean smith", P1))]
    result = centrality(graph, nodes=first)
    assert {n.node for n in result.nodes} == set(first)
    # Inside the first group alone, P1 and the person each join four reports: a tie.
    assert {n.node for n in result.nodes[:2]} == {f"phone:{P1}", "person:dean smith"}
    found = communities(graph, 0, nodes=first)
    assert sorted(n for g in found for n in g.nodes) == sorted(first)
    with pytest.raises(KeyError):
        centrality(graph, nodes=["report:r99"])


def test_places_are_left_out_of_structure_by_default() -> None:
    graph = build_graph(scenario())
    nodes = {n.node for n in centrality(graph).nodes}
    assert not any(n.startswith(("district:", "ward:")) for n in nodes)
    with_places = {n.node for n in centrality(graph, include_places=True).nodes}
    assert "district:D1" in with_places


# --------------------------------------------------------------------------------------------
# Ready answers
# --------------------------------------------------------------------------------------------


def test_phones_in_reports_from_different_districts() -> None:
    resolution = scenario()
    (line,) = shared_across_districts(resolution)
    assert (line.entity_id, line.districts, line.report_ids) == (
        f"phone:{P1}",
        ("D1", "D2"),
        ("r1", "r2", "r5"),
    )
    assert shared_across_districts(resolution, min_districts=3) == ()
    cars = shared_across_districts(resolution, entity_type="vehicle")
    assert [(c.entity_id, c.districts) for c in cars] == [(VEHICLE, ("D1", "D2"))]
    # "Jordan Reilly" (D2) and "jordan reily" (D3) are one person once resolved.
    people = shared_across_districts(resolution, entity_type="person")
    assert [(p.entity_id, p.districts) for p in people] == [(PERSON, ("D2", "D3"))]


def test_addresses_with_repeated_cuckooing_reports() -> None:
    resolution = scenario()
    (hit,) = repeated_at_address(resolution)
    # r1 (1 January) and r3 (15 March, written "14 mill ln") are 73 days apart; r4
    # (1 September) is outside the window; r7 is about drugs.
    assert hit.entity_id == MILL
    assert hit.report_ids == ("r1", "r3")
    assert (hit.first, hit.last) == (date(2025, 1, 1), date(2025, 3, 15))
    assert hit.reports_with_theme == 3
    assert [h.entity_id for h in repeated_at_address(resolution, within_days=73)] == [MILL]
    assert repeated_at_address(resolution, within_days=72) == ()
    assert repeated_at_address(resolution, min_reports=3) == ()
    # High Street: 1 January and 1 June, 151 days apart.
    wider = repeated_at_address(resolution, within_days=151)
    assert [(h.entity_id, h.report_ids) for h in wider] == [
        (MILL, ("r1", "r3")),
        (HIGH, ("r5", "r6")),
    ]
    assert repeated_at_address(resolution, within_days=365, min_reports=3)[0].report_ids == (
        "r1",
        "r3",
        "r4",
    )
    # Drugs reports at addresses: r7 (Mill Lane) and r6 (High Street), one each.
    assert repeated_at_address(resolution, theme="drugs", within_days=365) == ()
    singles = repeated_at_address(resolution, theme="drugs", min_reports=1)
    assert [(h.entity_id, h.report_ids) for h in singles] == [(MILL, ("r7",)), (HIGH, ("r6",))]


def test_everything_linked_to_a_vehicle() -> None:
    graph = build_graph(scenario())
    linked = linked_to(graph, VEHICLE)
    assert linked.reports == ("report:r2", "report:r6")
    assert linked.entities == (HIGH, PERSON, f"phone:{P1}")
    assert linked.places == ("district:D1", "district:D2", "ward:W1")
    assert {n.distance for n in linked.nodes if n.kind == "report"} == {1}
    assert linked_to(graph, VEHICLE, depth=1).entities == ()
    further = linked_to(graph, VEHICLE, depth=3)
    # Through the phone to r1 and r5, through the person to r8; never through a district to
    # r3, r4 or r7.
    assert further.reports == ("report:r2", "report:r6", "report:r1", "report:r5", "report:r8")
    with pytest.raises(KeyError):
        linked_to(graph, "vehicle:XX99XXX")


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------

# Spans as written in the reports: free text, never exported.
WRITTEN = ("07700 900001", "bd19 xkf", "14 mill ln", "2 high st", "jordan reily")


def test_graphml_round_trip(tmp_path: Path) -> None:
    graph = build_graph(scenario())
    path = tmp_path / "network.graphml"
    to_graphml(graph, path)
    back = nx.read_graphml(path)
    assert set(back.nodes) == set(graph.nodes)
    assert dict(back.nodes(data=True)) == dict(graph.nodes(data=True))
    assert {frozenset(e) for e in back.edges} == {frozenset(e) for e in graph.edges}
    assert back.edges["report:r1", f"phone:{P1}"] == {"kind": "mention", "mentions": 1}
    content = path.read_text(encoding="utf-8")
    for written in WRITTEN:
        assert written not in content


def test_json_shape() -> None:
    graph = build_graph(scenario())
    data = to_json(graph)
    assert set(data) == {"directed", "multigraph", "graph", "nodes", "links"}
    assert data["directed"] is False
    assert len(data["nodes"]) == 20
    assert len(data["links"]) == 28
    assert all(set(node) == {"id", "kind", "label", "type"} for node in data["nodes"])
    assert all(set(link) == {"source", "target", "kind", "mentions"} for link in data["links"])
    assert [n["id"] for n in data["nodes"]] == sorted(n["id"] for n in data["nodes"])
    assert {"id": PERSON, "kind": "entity", "label": "Jordan Reilly", "type": "person"} in data[
        "nodes"
    ]
    text = json.dumps(data)
    for written in WRITTEN:
        assert written not in text
    back = nx.node_link_graph(data, edges="links")
    assert set(back.nodes) == set(graph.nodes)
    assert back.number_of_edges() == graph.number_of_edges()


def test_same_input_same_graph() -> None:
    first, second = build_graph(scenario()), build_graph(scenario())
    assert to_json(first) == to_json(second)
    assert list(first.nodes) == list(second.nodes)
    assert communities(first, 5) == communities(second, 5)
