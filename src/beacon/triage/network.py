"""The network of reports, entities and places, and the questions analysts ask of it.

Pure functions over a ``Resolution`` (``beacon.triage.linking``) or the networkx graph built
from one; no database.

The graph (``build_graph``) is undirected, with three kinds of node, each with the attributes
``kind``, ``label`` and ``type``:

- reports, ``report:<id>`` (label the report id, type ``report``);
- entities, under their resolved id (``phone:+447700900123``; label the entity's value, type
  its entity type);
- places, ``district:<code>`` and ``ward:<code>`` (label the code, type ``district`` or
  ``ward``), from the districts and wards given on the mentions.

Edges join a report to each entity it mentions (``kind`` ``mention``, ``mentions`` how many
times) and to its places (``kind`` ``place``). Nothing of a report's text is on the graph: only
ids, entity values and place codes, so the exports carry no free text either.

A district links every report in it, so a path through a place node says nothing about
people or phones: components, communities, centrality and ``linked_to`` leave place nodes out
of the structure by default (``include_places=True`` puts them back) and report places only as
where the reached reports are.

Betweenness is exact up to ``EXACT_BETWEENNESS_LIMIT`` nodes; above that it is estimated from
a seeded sample of ``BETWEENNESS_SAMPLE`` source nodes (networkx's ``k``), and
``Centrality.sampled`` says how many. Each sampled source is a breadth-first search of the
whole graph: on a force's 300,000-node graph that is seconds per source on this machine (and
Louvain about a minute and a half), so for a question about one network pass ``nodes`` (a
component's, or what ``linked_to`` found) and the measures run on that subgraph.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx

from beacon.triage.linking import Resolution

REPORT = "report"
ENTITY = "entity"
PLACE = "place"
NODE_ATTRIBUTES = ("kind", "label", "type")
EDGE_ATTRIBUTES = ("kind", "mentions")
EXACT_BETWEENNESS_LIMIT = 2000
BETWEENNESS_SAMPLE = 100


def report_node(report_id: str) -> str:
    return f"report:{report_id}"


def place_node(kind: str, code: str) -> str:
    return f"{kind}:{code}"


# --------------------------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------------------------


def build_graph(resolution: Resolution) -> nx.Graph:
    """Reports, resolved entities and places as one undirected graph, nodes and edges added in
    sorted order (so algorithms that depend on order give the same answer every time)."""
    mentioned: Counter[tuple[str, str]] = Counter()
    places: set[tuple[str, str]] = set()
    reports: set[str] = set()
    for entity in resolution.entities:
        for mention in entity.mentions:
            report = report_node(mention.report_id)
            reports.add(report)
            mentioned[(report, entity.id)] += 1
            if mention.district:
                places.add((report, place_node("district", mention.district)))
            if mention.ward:
                places.add((report, place_node("ward", mention.ward)))

    graph = nx.Graph()
    graph.add_nodes_from(
        (node, {"kind": REPORT, "label": node.partition(":")[2], "type": REPORT})
        for node in sorted(reports)
    )
    graph.add_nodes_from(
        (entity.id, {"kind": ENTITY, "label": entity.value, "type": entity.type})
        for entity in resolution.entities
    )
    place_nodes = sorted({place for _, place in places})
    graph.add_nodes_from(
        (node, {"kind": PLACE, "label": node.partition(":")[2], "type": node.partition(":")[0]})
        for node in place_nodes
    )
    graph.add_edges_from(
        (report, entity_id, {"kind": "mention", "mentions": count})
        for (report, entity_id), count in sorted(mentioned.items())
    )
    graph.add_edges_from(
        (report, place, {"kind": "place", "mentions": 1}) for report, place in sorted(places)
    )
    return graph


def _structure(
    graph: nx.Graph, include_places: bool, nodes: Iterable[str] | None = None
) -> nx.Graph:
    """The graph the structural measures run on: a view without place nodes unless asked,
    restricted to ``nodes`` when given (a component, or what ``linked_to`` found)."""
    if nodes is not None:
        chosen = set(nodes)
        missing = chosen.difference(graph)
        if missing:
            raise KeyError(f"not in the graph: {sorted(missing)[:5]}")
        kinds = graph.nodes(data="kind")
        kept = sorted(n for n in chosen if include_places or kinds[n] != PLACE)
        # A copy built in sorted order: a subgraph view of a small set iterates the set, whose
        # order changes between processes, and seeded algorithms depend on node order.
        sub = nx.Graph()
        sub.add_nodes_from((n, graph.nodes[n]) for n in kept)
        keep = set(kept)
        sub.add_edges_from(
            (n, other, data) for n in kept for other, data in graph.adj[n].items() if other in keep
        )
        return sub
    if include_places:
        return graph
    return graph.subgraph(n for n, kind in graph.nodes(data="kind") if kind != PLACE)


# --------------------------------------------------------------------------------------------
# Structure
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Group:
    """A connected component or a community: its nodes, sorted, and how many are reports and
    entities."""

    nodes: tuple[str, ...]
    reports: int
    entities: int


def _groups(graph: nx.Graph, node_sets: Iterable[Iterable[str]]) -> tuple[Group, ...]:
    kinds = graph.nodes(data="kind")
    groups = []
    for node_set in node_sets:
        nodes = tuple(sorted(node_set))
        count = Counter(kinds[n] for n in nodes)
        groups.append(Group(nodes, count[REPORT], count[ENTITY]))
    groups.sort(key=lambda g: (-len(g.nodes), g.nodes[0]))
    return tuple(groups)


def components(graph: nx.Graph, *, include_places: bool = False) -> tuple[Group, ...]:
    """Connected components, largest first (then by first node id)."""
    structure = _structure(graph, include_places)
    return _groups(graph, nx.connected_components(structure))


def communities(
    graph: nx.Graph,
    seed: int = 0,
    *,
    resolution: float = 1.0,
    include_places: bool = False,
    nodes: Iterable[str] | None = None,
) -> tuple[Group, ...]:
    """Louvain communities (networkx, weighted by mention counts, seeded), largest first;
    of the subgraph on ``nodes`` when given."""
    structure = _structure(graph, include_places, nodes)
    found = nx.community.louvain_communities(
        structure, weight="mentions", resolution=resolution, seed=seed
    )
    return _groups(graph, found)


@dataclass(frozen=True, slots=True)
class NodeCentrality:
    node: str
    kind: str
    type: str
    label: str
    degree: int
    degree_centrality: float
    betweenness: float


@dataclass(frozen=True, slots=True)
class Centrality:
    """Per node, highest betweenness first (then degree, then node id). ``sampled`` is None
    when betweenness is exact, else the number of sampled source nodes it was estimated from."""

    nodes: tuple[NodeCentrality, ...]
    sampled: int | None

    def top(
        self, count: int, *, by: str = "betweenness", kind: str | None = None
    ) -> tuple[NodeCentrality, ...]:
        chosen = [n for n in self.nodes if kind is None or n.kind == kind]
        chosen.sort(key=lambda n: (-getattr(n, by), n.node))
        return tuple(chosen[:count])


def centrality(
    graph: nx.Graph,
    *,
    seed: int = 0,
    sample: int | None = None,
    include_places: bool = False,
    nodes: Iterable[str] | None = None,
) -> Centrality:
    """Degree (count and normalised) and normalised betweenness of every node (of the
    subgraph on ``nodes`` when given). Betweenness is exact up to ``EXACT_BETWEENNESS_LIMIT``
    nodes, else estimated from ``sample`` (default ``BETWEENNESS_SAMPLE``) source nodes drawn
    with ``seed``."""
    structure = _structure(graph, include_places, nodes)
    size = structure.number_of_nodes()
    k: int | None = sample
    if k is None and size > EXACT_BETWEENNESS_LIMIT:
        k = BETWEENNESS_SAMPLE
    if k is not None and k >= size:
        k = None
    betweenness = nx.betweenness_centrality(structure, k=k, normalized=True, seed=seed)
    scale = 1.0 / (size - 1) if size > 1 else 0.0
    measured = [
        NodeCentrality(
            node=node,
            kind=data["kind"],
            type=data["type"],
            label=data["label"],
            degree=structure.degree(node),
            degree_centrality=structure.degree(node) * scale,
            betweenness=betweenness[node],
        )
        for node, data in structure.nodes(data=True)
    ]
    measured.sort(key=lambda n: (-n.betweenness, -n.degree, n.node))
    return Centrality(tuple(measured), k)


# --------------------------------------------------------------------------------------------
# Ready answers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SharedEntity:
    entity_id: str
    value: str
    districts: tuple[str, ...]
    report_ids: tuple[str, ...]


def shared_across_districts(
    resolution: Resolution, entity_type: str = "phone", min_districts: int = 2
) -> tuple[SharedEntity, ...]:
    """Entities of one type mentioned in reports from at least ``min_districts`` districts
    (for phones, possible deal lines), most districts first, then most reports."""
    found = []
    for entity in resolution.entities:
        if entity.type != entity_type:
            continue
        districts = entity.districts
        if len(districts) >= min_districts:
            found.append(SharedEntity(entity.id, entity.value, districts, entity.report_ids))
    found.sort(key=lambda s: (-len(s.districts), -len(s.report_ids), s.entity_id))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class AddressRepeat:
    """Reports with one theme at one address: the busiest window (``report_ids``, ``first`` to
    ``last``) and how many dated reports with the theme the address has in all."""

    entity_id: str
    value: str
    report_ids: tuple[str, ...]
    first: date
    last: date
    reports_with_theme: int


def repeated_at_address(
    resolution: Resolution,
    theme: str = "cuckooing",
    within_days: int = 90,
    min_reports: int = 2,
) -> tuple[AddressRepeat, ...]:
    """Resolved addresses with at least ``min_reports`` reports carrying ``theme`` received
    within ``within_days`` of each other (first to last, inclusive). Reports without a date
    cannot be placed in a window and are left out. Most reports in the window first."""
    found = []
    for entity in resolution.entities:
        if entity.type != "address":
            continue
        received: dict[str, date] = {}
        for mention in entity.mentions:
            when = mention.received_on
            if when is None or theme not in mention.themes:
                continue
            earlier = received.get(mention.report_id)
            if earlier is None or when < earlier:
                received[mention.report_id] = when
        if len(received) < min_reports:
            continue
        dated = sorted((when, report) for report, when in received.items())
        best = (0, 0, 0)  # (size, left, right)
        left = 0
        for right in range(len(dated)):
            while (dated[right][0] - dated[left][0]).days > within_days:
                left += 1
            if right - left + 1 > best[0]:
                best = (right - left + 1, left, right)
        size, left, right = best
        if size >= min_reports:
            window = dated[left : right + 1]
            found.append(
                AddressRepeat(
                    entity_id=entity.id,
                    value=entity.value,
                    report_ids=tuple(sorted(report for _, report in window)),
                    first=window[0][0],
                    last=window[-1][0],
                    reports_with_theme=len(dated),
                )
            )
    found.sort(key=lambda a: (-len(a.report_ids), a.first, a.entity_id))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class LinkedNode:
    node: str
    kind: str
    type: str
    label: str
    distance: int


@dataclass(frozen=True, slots=True)
class Linked:
    """Everything within ``depth`` steps of ``start``, nearest first (then by node id)."""

    start: str
    depth: int
    nodes: tuple[LinkedNode, ...]

    def of_kind(self, kind: str) -> tuple[str, ...]:
        return tuple(n.node for n in self.nodes if n.kind == kind)

    @property
    def reports(self) -> tuple[str, ...]:
        return self.of_kind(REPORT)

    @property
    def entities(self) -> tuple[str, ...]:
        return self.of_kind(ENTITY)

    @property
    def places(self) -> tuple[str, ...]:
        return self.of_kind(PLACE)


def linked_to(graph: nx.Graph, entity_id: str, depth: int = 2) -> Linked:
    """Everything linked to one node (an entity id, or a ``report:`` node) within ``depth``
    steps: with the default 2, the reports that mention it (1) and the other entities and the
    places of those reports (2). Paths do not run through places (a district links all its
    reports); places are reached but not passed."""
    if entity_id not in graph:
        raise KeyError(f"{entity_id!r} is not in the graph")
    attributes: Mapping[str, Mapping[str, Any]] = graph.nodes
    distance = {entity_id: 0}
    frontier = [entity_id]
    for step in range(1, depth + 1):
        following = []
        for node in frontier:
            if attributes[node]["kind"] == PLACE:
                continue
            for neighbour in graph.adj[node]:
                if neighbour not in distance:
                    distance[neighbour] = step
                    following.append(neighbour)
        frontier = following
    nodes = [
        LinkedNode(
            node=node,
            kind=attributes[node]["kind"],
            type=attributes[node]["type"],
            label=attributes[node]["label"],
            distance=steps,
        )
        for node, steps in distance.items()
        if node != entity_id
    ]
    nodes.sort(key=lambda n: (n.distance, n.node))
    return Linked(entity_id, depth, tuple(nodes))


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------


def _export_graph(graph: nx.Graph) -> nx.Graph:
    """A copy with only the exported attributes (ids, values, codes: never report text)."""
    export = nx.Graph()
    export.add_nodes_from(
        (node, {k: data[k] for k in NODE_ATTRIBUTES if k in data})
        for node, data in graph.nodes(data=True)
    )
    export.add_edges_from(
        (a, b, {k: data[k] for k in EDGE_ATTRIBUTES if k in data})
        for a, b, data in graph.edges(data=True)
    )
    return export


def to_graphml(graph: nx.Graph, path: str | Path) -> None:
    """Write the graph as GraphML (Gephi, yEd, Cytoscape read it)."""
    nx.write_graphml(_export_graph(graph), str(path))


def to_json(graph: nx.Graph) -> dict[str, Any]:
    """Node-link JSON (what ``networkx.node_link_graph(data, edges="links")`` and d3 read):
    nodes sorted by id, links by their two ends."""
    export = _export_graph(graph)
    nodes = [{"id": node, **data} for node, data in sorted(export.nodes(data=True))]
    links = []
    for a, b, data in export.edges(data=True):
        source, target = (a, b) if a <= b else (b, a)
        links.append({"source": source, "target": target, **data})
    links.sort(key=lambda link: (link["source"], link["target"]))
    return {"directed": False, "multigraph": False, "graph": {}, "nodes": nodes, "links": links}
