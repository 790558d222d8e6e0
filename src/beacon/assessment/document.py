"""An assessment as data: sections of text, key figures, charts, maps and the tables behind them.

Every product (strategic assessment, tactical assessment, problem profile, community impact
assessment, neighbourhood profile) is built as a ``Document`` by ``build.py`` and only then
rendered: to the staff page (interactive maps and charts drawn by ``workspace.js``), to a
standalone HTML file and a PDF (maps and charts drawn server-side by ``drawing.py``), and to the
data annex (``annex.py``). Renderers never compute: every number they print is in the document.

``Document.figures`` is the flat register of every figure the text quotes, keyed by a stable
name (``total.count``, ``theme.drugs.rate``...). Tests compare it with the analytics engine, and
``manifest.py`` compares two runs with it ("what changed, and why").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from beacon.workspace.tables import Column, Table

KINDS = {
    "strategic": "Strategic Intelligence Assessment",
    "tactical": "Tactical assessment",
    "problem": "Problem profile",
    "community_impact": "Community impact assessment",
    "neighbourhood": "Neighbourhood profile",
}


@dataclass
class Fact:
    """One headline figure: shown as a value with its label, registered in ``figures``."""

    key: str
    label: str
    value: Any
    format: str = "integer"  # as ``workspace.tables.show``: integer, decimal, percent, p, text
    note: str | None = None


@dataclass
class Figure:
    """A chart or a map. ``spec`` is the workspace's figure description (``workspace.figures``):
    a chart ``{"kind": "line"|"bar", "x", "y", "labels", "series"}``, or a map ``{"areas":
    {lsoa_code: {"fill", "label", "value"}}, "legend": {"title", "items"}}``. ``table`` names
    the table in the same section that holds its numbers; ``alt`` is its text alternative."""

    id: str
    kind: str  # "chart" or "map"
    caption: str
    alt: str
    spec: dict[str, Any]
    table: str | None = None


@dataclass
class Section:
    id: str  # the anchor: "summary", "method", "theme-drugs"...
    number: str  # "1", "3.2"
    title: str
    paragraphs: list[str] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    # What could not be computed, and why: said in the document, never silently left out.
    missing: list[str] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)

    def walk(self) -> list[Section]:
        found = [self]
        for sub in self.subsections:
            found.extend(sub.walk())
        return found


@dataclass
class Document:
    kind: str
    title: str
    scope: dict[str, Any]  # level, codes, names, label
    period: dict[str, Any]  # from, to, months
    comparison: dict[str, Any] | None  # the period compared with, if loaded
    generated_at: str  # ISO timestamp (UTC)
    snapshot: dict[str, Any]
    audience: str = "analysts"  # "analysts" (small numbers shown) or "shared" (suppressed)
    status: str = "draft"
    sections: list[Section] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    # Boundaries of the LSOAs any map draws (codes only; drawn from the database's boundaries).
    map_lsoas: list[str] = field(default_factory=list)
    run_id: str | None = None

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    def all_sections(self) -> list[Section]:
        found: list[Section] = []
        for section in self.sections:
            found.extend(section.walk())
        return found

    def all_tables(self) -> list[tuple[Section, Table]]:
        return [(s, t) for s in self.all_sections() for t in s.tables]

    def all_figures(self) -> list[tuple[Section, Figure]]:
        return [(s, f) for s in self.all_sections() for f in s.figures]

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.all_sections() if s.id == section_id), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        fields = dict(data)
        fields["sections"] = [_section(s) for s in data.get("sections", [])]
        return cls(**fields)


def _section(data: dict[str, Any]) -> Section:
    return Section(
        id=data["id"],
        number=data["number"],
        title=data["title"],
        paragraphs=list(data.get("paragraphs", [])),
        facts=[Fact(**f) for f in data.get("facts", [])],
        figures=[Figure(**f) for f in data.get("figures", [])],
        tables=[_table(t) for t in data.get("tables", [])],
        missing=list(data.get("missing", [])),
        subsections=[_section(s) for s in data.get("subsections", [])],
    )


def _table(data: dict[str, Any]) -> Table:
    return Table(
        id=data["id"],
        title=data["title"],
        columns=[Column(**c) for c in data["columns"]],
        rows=[dict(r) for r in data["rows"]],
        note=data.get("note"),
        shown=data.get("shown"),
        extra=dict(data.get("extra") or {}),
    )
