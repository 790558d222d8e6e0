"""Section 2, "Data and method": sources, periods, row counts, data quality, geography
vintages, and every method with its parameters and the snapshot id. Every product has it."""

from __future__ import annotations

from typing import Any

from beacon.assessment.document import Section
from beacon.assessment.parts import Writer
from beacon.workspace.tables import Column, Table


def method_section(writer: Writer, vintages: dict[str, Any], number: str = "2") -> Section:
    evidence = writer.evidence
    config = evidence.config
    snapshot = evidence.context.snapshot
    section = Section("method", number, "Data and method")
    period = evidence.period
    before = evidence.previous_period
    section.paragraphs.append(
        f"Every figure comes from Beacon's analytics engine reading analysis snapshot "
        f"{snapshot.id} (written {snapshot.manifest.get('created_at', '')[:19]}), an immutable "
        "copy of the database; nothing is typed in. The period is "
        f"{period.first} to {period.last}"
        + (
            f", compared with {before.first} to {before.last}."
            if before
            else "; the months before it are not all loaded, so there is no comparison period."
        )
    )
    sources = [
        {
            "source": "Street crime and anti-social behaviour (data.police.uk)",
            "period": f"{period.first} to {period.last}",
            "rows": evidence.total_count,
            "snapshot_rows": snapshot.table_rows("street_crime")
            if "street_crime" in snapshot.manifest.get("tables", {})
            else None,
        }
    ]
    if before is not None and evidence.total_previous is not None:
        sources.append(
            {
                "source": "Street crime, comparison period",
                "period": f"{before.first} to {before.last}",
                "rows": evidence.total_previous[0],
                "snapshot_rows": None,
            }
        )
    for name, label, found in (
        ("intelligence", "Intelligence (graded reports)", evidence.intelligence),
        ("partner_incident", "Partner feeds (SI 2007/1831)", evidence.partner),
    ):
        sources.append(
            {
                "source": label,
                "period": f"{period.first} to {period.last}",
                "rows": sum(found.values()),
                "snapshot_rows": snapshot.table_rows(name)
                if name in snapshot.manifest.get("tables", {})
                else None,
            }
        )
    writer.register("method.rows.street_crime", evidence.total_count)
    section.tables.append(
        Table(
            "method-sources",
            "Sources",
            [
                Column("source", "Source"),
                Column("period", "Period"),
                Column("rows", "Rows in scope", "integer"),
                Column("snapshot_rows", "Rows in the snapshot", "integer"),
            ],
            sources,
        )
    )
    quality = evidence.quality
    lsoas = len(evidence.selection.lsoas)
    no_boundary = sum(1 for a in evidence.area_rows if not a.get("has_boundary"))
    no_imd = lsoas - len(evidence.imd)
    quality_rows = [
        ("no_location", "Crimes in the period without a location (no LSOA)",
         quality.get("period_rows_without_lsoa")),
        ("lsoa_not_in_lookup", "Crimes whose LSOA is not in the loaded lookup",
         quality.get("period_rows_lsoa_not_in_lookup")),
        ("no_harm_weight", "Crimes of a type without a harm weight",
         quality.get("period_rows_without_harm_weight")),
        ("lsoas", "LSOAs in scope", lsoas),
        ("lsoas_no_population", "LSOAs in scope without a population",
         quality.get("selected_lsoas_without_population")),
        ("lsoas_no_boundary", "LSOAs in scope without a boundary", no_boundary),
        ("lsoas_no_imd", "LSOAs in scope without IMD 2019", no_imd),
    ]  # fmt: skip
    for key, _label, value in quality_rows:
        if value is not None:
            writer.register(f"quality.{key}", value)
    section.tables.append(
        Table(
            "method-quality",
            "Data quality",
            [Column("what", "What"), Column("value", "Count", "integer")],
            [{"what": label, "value": value} for _key, label, value in quality_rows],
            note="Crimes without a location count in totals but not on maps or in area rankings.",
        )
    )
    section.tables.append(
        Table(
            "method-vintages",
            "Geography and reference editions",
            [Column("what", "What"), Column("edition", "Edition")],
            [{"what": k, "edition": v} for k, v in vintages.items()],
        )
    )
    section.tables.append(_methods(evidence, config, snapshot))
    return section


def _methods(evidence: Any, config: Any, snapshot: Any) -> Table:
    rules = evidence.type_trends.parameters.get("rules", {})
    near = config.get("near_repeat", {})
    rows = [
        ("Snapshot", f"{snapshot.id}; content SHA-256 {snapshot.manifest.get('content_sha256')}"),
        ("Configuration", f"{config.source}; SHA-256 {config.digest}"),
        ("Counts and rates", "crimes per LSOA, ward and type; rates per 1,000 residents "
         "(population per LSOA as loaded)"),
        ("Harm", "Crime Severity Score weights per data.police.uk category (harm_weights table "
         "of the snapshot)"),
        ("Change on the previous period", "exact conditional binomial test of the two counts, "
         "allowing for the days in each period; significant at p < 0.05 (two-sided)"),
        ("Trend", f"Mann–Kendall (seasonal, period 12, with two full years; else original, "
         f"10+ months) with Sen's slope, over {len(evidence.series_months)} months "
         f"{evidence.series_months[0]} to {evidence.series_months[-1]}"),
        ("Emerging risks", "; ".join(rules.get("descriptions", {}).values())),
        ("Hot spots", "Getis-Ord Gi* per LSOA (esda.G_Local, star), queen contiguity from the "
         f"stored boundaries, binary weights, {config.get('hotspot_significance', 'normal')} "
         "significance, Benjamini–Hochberg false discovery rate, 90/95/99% classes; seed "
         f"{config.get('seed')}"),
        ("Repeat locations", "map points with another crime of the same type in the same or "
         "the next month"),
        ("Near repeat", f"Knox test on dated intelligence points: {near.get('distance_bands', 3)} "
         f"distance bands of {near.get('distance_m', 100)} m (Manhattan) x "
         f"{near.get('time_bands', 3)} time bands of {near.get('days', 7)} days, "
         f"{near.get('permutations', 99)} permutations, seed {config.get('seed')}"),
        ("Prioritisation", "MoRiLE-style components (harm, likelihood, confidence, "
         "organisational position), weights " + ", ".join(
             f"{k} {v:g}" for k, v in config.weights.items())),
        ("Communities of focus", "wards ranked by harm per 1,000, change and mean IMD decile; "
         "the mean of the three ranks"),
        ("Small numbers", f"counts below {config.get('small_number_threshold', 5)} are shown "
         "as 'fewer than 5' in versions shared beyond analysts"),
    ]  # fmt: skip
    return Table(
        "method-methods",
        "Methods and parameters",
        [Column("method", "Method"), Column("parameters", "Parameters")],
        [{"method": m, "parameters": p} for m, p in rows],
    )
