"""The network of stored mentions: a ``linking.Resolution`` for a chosen selection of reports.

``resolution_for(session, scope, may_view=...)`` loads the reports in scope (district,
received dates, theme), keeps those ``may_view`` allows, loads their mentions (of one entity
type when asked) and resolves them with the analysts' active decisions. Each mention carries
its report's district, ward, received date and themes: the triage themes, the graded theme,
and ``cuckooing`` when a cuckooing indicator is ticked (so ``network.repeated_at_address``
finds a flat whose reports only tick the checklist).

Resolving only the mentions in scope can join fewer spellings than the stored entities do (a
fuzzy partner outside the selection is not there to link through); entity ids are still the
canonical value keys of what is in scope.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.intake.models import IntelIndicator, IntelReport, IntelReportIndicator
from beacon.triage import link_store, linking
from beacon.triage.models import EntityMention, TriageResult

CUCKOOING = "cuckooing"
_CHUNK = 500


@dataclass(frozen=True)
class Scope:
    """Which reports and entities a network is drawn from (None: no limit)."""

    entity_type: str | None = None
    district: str | None = None
    theme: str | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    report_ids: Collection[str] | None = None


@dataclass(frozen=True)
class ScopedNetwork:
    """The resolution, the reports it was drawn from (id -> report, viewable only) and how
    many reports in scope the principal may not view."""

    resolution: linking.Resolution
    reports: dict[str, IntelReport]
    hidden: int
    themes: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def report_themes(session: Session, reports: Iterable[IntelReport]) -> dict[str, tuple[str, ...]]:
    """Each report's themes: triage's (best first), then the graded theme, then ``cuckooing``
    when a cuckooing indicator is ticked."""
    by_id = {r.id: r for r in reports}
    ids = sorted(by_id)
    triaged: dict[str, tuple[str, ...]] = {}
    ticked: set[str] = set()
    for chunk in _chunks(ids):
        for result in session.scalars(
            select(TriageResult).where(TriageResult.report_id.in_(chunk))
        ):
            triaged[result.report_id] = result.themes
        ticked.update(
            session.scalars(
                select(IntelReportIndicator.report_id)
                .join(IntelIndicator, IntelIndicator.id == IntelReportIndicator.indicator_id)
                .where(
                    IntelReportIndicator.report_id.in_(chunk),
                    IntelIndicator.theme == CUCKOOING,
                )
            )
        )
    themes: dict[str, tuple[str, ...]] = {}
    for report_id in ids:
        found = list(triaged.get(report_id, ()))
        graded = by_id[report_id].theme
        if graded and graded not in found:
            found.append(graded)
        if report_id in ticked and CUCKOOING not in found:
            found.append(CUCKOOING)
        themes[report_id] = tuple(found)
    return themes


def _reports_in(session: Session, scope: Scope) -> list[IntelReport]:
    query = select(IntelReport).where(IntelReport.erased.is_(False))
    if scope.district:
        query = query.where(IntelReport.district_code == scope.district)
    if scope.received_from:
        query = query.where(IntelReport.received_on >= scope.received_from)
    if scope.received_to:
        query = query.where(IntelReport.received_on <= scope.received_to)
    if scope.report_ids is None:
        return list(session.scalars(query.order_by(IntelReport.id)))
    found: list[IntelReport] = []
    for chunk in _chunks(sorted(set(scope.report_ids))):
        found.extend(session.scalars(query.where(IntelReport.id.in_(chunk))))
    return sorted(found, key=lambda r: r.id)


def resolution_for(
    session: Session, scope: Scope, *, may_view: Callable[[IntelReport], bool]
) -> ScopedNetwork:
    """Resolve the mentions of the reports in ``scope`` that ``may_view`` allows, with the
    analysts' active decisions about them."""
    candidates = _reports_in(session, scope)
    themes = report_themes(session, candidates)
    if scope.theme:
        candidates = [r for r in candidates if scope.theme in themes[r.id]]
    reports = {r.id: r for r in candidates if may_view(r)}
    hidden = len(candidates) - len(reports)
    rows: list[EntityMention] = []
    for chunk in _chunks(sorted(reports)):
        query = select(EntityMention).where(EntityMention.report_id.in_(chunk))
        if scope.entity_type:
            query = query.where(EntityMention.entity_type == scope.entity_type)
        rows.extend(session.scalars(query))
    rows.sort(key=lambda m: (m.report_id, m.id))
    decisions = link_store.decisions_about(session, {m.value_key for m in rows})
    mentions = []
    for row in rows:
        report = reports[row.report_id]
        mentions.append(
            linking.Mention(
                report_id=row.report_id,
                entity_type=row.entity_type,  # type: ignore[arg-type]
                value=row.value,
                text=row.text,
                district=report.district_code,
                ward=report.ward_code,
                themes=themes[row.report_id],
                received_on=report.received_on,
                source=row.source,  # type: ignore[arg-type]
            )
        )
    resolution = linking.resolve(
        mentions,
        decisions=[linking.Decision(d.kind, d.key_a, d.key_b) for d in decisions],  # type: ignore[arg-type]
    )
    return ScopedNetwork(resolution, reports, hidden, {k: themes[k] for k in reports})


def reports_mentioning(session: Session, value_keys: Collection[str]) -> dict[str, set[str]]:
    """{value key: ids of the reports mentioning it}."""
    found: dict[str, set[str]] = defaultdict(set)
    for chunk in _chunks(sorted(value_keys)):
        for key, report_id in session.execute(
            select(EntityMention.value_key, EntityMention.report_id).where(
                EntityMention.value_key.in_(chunk)
            )
        ):
            found[key].add(report_id)
    return found


# ---------------------------------------------------------------------------------------------
# What the network page shows


@dataclass
class NetworkView:
    """A selection's graph, its structure (when small enough to draw) and what the page draws.

    ``start`` is the entity the view is centred on (``?entity=``), when one was asked for and
    found; ``graph`` is then only what ``network.linked_to`` reached from it."""

    graph: Any
    too_big: bool
    start: str | None = None
    components: tuple[Any, ...] = ()
    communities: tuple[Any, ...] = ()
    top_degree: tuple[Any, ...] = ()
    top_betweenness: tuple[Any, ...] = ()
    sampled: int | None = None
    island: dict[str, Any] = field(default_factory=dict)
    table: list[dict[str, Any]] = field(default_factory=list)


def graph_of(
    scoped: ScopedNetwork, *, around: str | None = None, depth: int = 2
) -> tuple[Any, str | None]:
    """The selection's graph, or only what lies within ``depth`` of the entity with value key
    ``around`` (KeyError when no viewable report in the selection mentions it)."""
    from beacon.triage import network

    graph = network.build_graph(scoped.resolution)
    if around is None:
        return graph, None
    kind, _, value = around.partition(":")
    entity_id = scoped.resolution.entity_of_key.get(linking.value_key(kind, value))
    if entity_id is None:
        raise KeyError(around)
    linked = network.linked_to(graph, entity_id, depth)
    keep = {entity_id, *(n.node for n in linked.nodes)}
    return graph.subgraph(sorted(keep)).copy(), entity_id


def network_view(
    scoped: ScopedNetwork,
    graph: Any,
    *,
    start: str | None,
    max_nodes: int,
    top: int,
    report_href: Callable[[str], str],
    entity_href: Callable[[str], str],
    place_names: dict[str, str],
) -> NetworkView:
    """Structure and drawing data for ``graph``; only counts when it has more than
    ``max_nodes`` nodes."""
    from beacon.triage import network

    if graph.number_of_nodes() > max_nodes:
        return NetworkView(graph, True, start)
    communities = network.communities(graph) if graph.number_of_nodes() else ()
    community_of = {node: i for i, group in enumerate(communities) for node in group.nodes}
    measured = network.centrality(graph) if graph.number_of_nodes() else None
    labels: dict[str, str] = {}
    hrefs: dict[str, str] = {}
    for node, data in graph.nodes(data=True):
        label = str(data["label"])
        if data["kind"] == network.REPORT:
            report = scoped.reports.get(label)
            labels[node] = report.reference if report is not None else label
            hrefs[node] = report_href(label)
        elif data["kind"] == network.ENTITY:
            labels[node] = label
            hrefs[node] = entity_href(node)
        else:
            name = place_names.get(label)
            labels[node] = f"{name} ({label})" if name else label
    nodes = [
        {
            "id": node,
            "label": labels[node],
            "kind": data["kind"],
            "type": data["type"],
            "community": community_of.get(node),
            "href": hrefs.get(node),
            "start": node == start,
        }
        for node, data in sorted(graph.nodes(data=True))
    ]
    edges = [
        {"source": a, "target": b, "kind": data["kind"]}
        for a, b, data in sorted(graph.edges(data=True))
    ]
    table = []
    for node in nodes:
        if node["kind"] == network.PLACE:
            continue
        neighbours = sorted(graph.adj[node["id"]], key=lambda n: labels[n])
        table.append(
            node | {"links": [{"label": labels[n], "href": hrefs.get(n)} for n in neighbours]}
        )

    def named(found: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple({"node": n, "label": labels[n.node], "href": hrefs.get(n.node)} for n in found)

    return NetworkView(
        graph=graph,
        too_big=False,
        start=start,
        components=network.components(graph),
        communities=communities,
        top_degree=named(measured.top(top, by="degree")) if measured else (),
        top_betweenness=named(measured.top(top, by="betweenness")) if measured else (),
        sampled=measured.sampled if measured else None,
        island={"nodes": nodes, "edges": edges},
        table=table,
    )
