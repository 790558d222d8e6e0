"""Computing an assessment: checks, the analytics, the document and its manifest; storing runs.

``compute`` is the one entry point the command line, the web job and the tests call. It checks
first that the scope and period have what the product needs (police data, boundaries, IMD,
population) and says exactly what is missing and the command that loads it; only then does it
build, so nothing half-made is ever produced.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from beacon.analytics.errors import AnalysisInputError
from beacon.assessment.config import AssessmentConfig, load_config
from beacon.assessment.document import KINDS, Document
from beacon.assessment.spec import AssessmentSpec, Judgement

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from beacon.assessment.evidence import Evidence
    from beacon.assessment.models import AssessmentRun
    from beacon.config import Settings

Progress = Callable[[int, int, str], None]


@dataclass
class Outcome:
    spec: AssessmentSpec
    document: Document
    manifest: dict[str, Any]


def config_for(settings: Settings) -> AssessmentConfig:
    return load_config(getattr(settings, "assessment_config_file", None))


def compute(
    settings: Settings,
    spec: AssessmentSpec,
    judgement: Judgement | None = None,
    *,
    progress: Progress | None = None,
    say: Callable[[str], None] | None = None,
    snapshot_id: str | None = None,
    config: AssessmentConfig | None = None,
    previous_run_key: str | None = "latest",
    generated_at: str | None = None,
) -> Outcome:
    """Build the document ``spec`` asks for. ``previous_run_key``: "latest" finds the previous
    assessment of the same scope in the database; a run key names one (a reproduction); None
    means none. Raises AnalysisInputError naming what is missing."""
    from beacon.analytics.service import analysis
    from beacon.assessment import manifest as manifests
    from beacon.assessment.method import method_section
    from beacon.assessment.parts import Writer
    from beacon.runtime import open_runtime

    judgement = judgement or Judgement()
    config = config or config_for(settings)
    if spec.kind not in KINDS:
        raise AnalysisInputError(
            f"unknown kind {spec.kind!r} (choose {', '.join(KINDS)})", option="--kind"
        )
    from beacon.analytics.selection import period_choice

    period_choice(start=spec.period_from, end=spec.period_to)  # months, in order (named errors)
    step = _Steps(progress, total=6 + len(spec.themes or config.themes))
    step("opening the analysis snapshot")
    runtime = open_runtime(settings, migrate=False)
    try:
        with analysis(settings, snapshot_id=snapshot_id, engine="duckdb", say=say) as context:
            step("checking the scope and period")
            evidence = _evidence(context, spec, config)
            _preflight(evidence, spec)
            with runtime.sessions() as session:
                vintages = geography_vintages(session, evidence)
                previous = _previous(session, spec, previous_run_key)
            document = Document(
                kind=spec.kind,
                title=_title(spec, evidence),
                scope=_scope(spec, evidence),
                period=evidence.period.to_dict(),
                comparison=evidence.previous_period.to_dict() if evidence.previous_period else None,
                generated_at=generated_at or dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                snapshot=dict(context.snapshot.describe()),
                audience="analysts",
            )
            writer = Writer(document, evidence)
            step("data and method")
            method = method_section(writer, vintages)
            linked, linked_label = None, None
            if spec.link_force and spec.kind == "strategic":
                step("scoring the force's assessment for the strategic link")
                linked, linked_label = _linked_scores(context, spec, config, evidence)
            step("building the sections")
            scores = _build(writer, spec, judgement, previous, linked, linked_label, method, step)
            step("writing the manifest")
            manifest = manifests.build_manifest(
                spec=spec,
                judgement=judgement,
                config=config,
                snapshot=context.snapshot,
                document=document,
                previous=previous,
                scores=scores,
            )
            document.run_id = manifest["run_key"]
            return Outcome(spec, document, manifest)
    finally:
        runtime.close()


class _Steps:
    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def __call__(self, message: str) -> None:
        self.done = min(self.done + 1, self.total)
        if self.progress is not None:
            self.progress(self.done, self.total, message)


def _evidence(context: Any, spec: AssessmentSpec, config: AssessmentConfig) -> Evidence:
    from beacon.assessment.evidence import Evidence

    try:
        return Evidence(context, spec, config)
    except AnalysisInputError as error:
        raise _with_hint(error) from None


def _with_hint(error: AnalysisInputError) -> AnalysisInputError:
    text = error.reason
    if "no street crime" in text and "beacon import" not in text:
        text += (
            "; load the missing months with beacon import police FILES (data.police.uk street "
            "files), then beacon analyse snapshot"
        )
    elif "no area" in text.lower() or "not found" in text.lower():
        text += "; load the ONS lookup with beacon import lookup FILE"
    return AnalysisInputError(text, option=error.option, file=error.file)


def _preflight(evidence: Evidence, spec: AssessmentSpec) -> None:
    """What every product needs before anything is built."""
    scope = spec.scope
    if evidence.total_count == 0:
        raise AnalysisInputError(
            f"no street crime is loaded for {scope} in {evidence.period.first} to "
            f"{evidence.period.last}: import the data.police.uk street files of the force "
            "covering it (beacon import police FILES), then beacon analyse snapshot",
            option="--scope",
        )
    areas = evidence.area_rows
    if spec.kind in ("strategic", "problem", "tactical"):
        missing = [a["lsoa_code"] for a in areas if not a.get("has_boundary")]
        if missing:
            raise AnalysisInputError(
                f"{len(missing)} of the {len(areas)} LSOAs of {scope} have no boundary (e.g. "
                f"{missing[0]}), so maps and hot spots cannot be drawn: import the LSOA "
                "boundaries (beacon import boundaries --level lsoa FILE.geojson), then beacon "
                "analyse snapshot",
                option="--scope",
            )
    if spec.kind == "strategic" and not evidence.imd:
        raise AnalysisInputError(
            f"no IMD 2019 deprivation ranks are loaded for the LSOAs of {scope}: the "
            "communities of focus and the appendix rank neighbourhoods by them. Import them "
            "(beacon import imd FILE.csv, the File 7 CSV of the English Indices of "
            "Deprivation 2019), then beacon analyse snapshot",
            option="--scope",
        )
    if evidence.population is None or evidence.population == 0:
        raise AnalysisInputError(
            f"no population is loaded for the LSOAs of {scope}, so rates per 1,000 residents "
            "cannot be computed: import it (beacon import population FILE), then beacon "
            "analyse snapshot",
            option="--scope",
        )


def geography_vintages(session: Session, evidence: Evidence) -> dict[str, Any]:
    from sqlalchemy import func, select

    from beacon.analytics.models import ReferenceEdition
    from beacon.geography.models import Area, AreaBoundary

    found: dict[str, Any] = {}
    rows = session.execute(
        select(Area.level, Area.vintage, func.count(AreaBoundary.area_id))
        .outerjoin(AreaBoundary, AreaBoundary.area_id == Area.id)
        .group_by(Area.level, Area.vintage)
        .order_by(Area.level, Area.vintage)
    )
    for level, vintage, boundaries in rows:
        found[f"{level} codes, {vintage} vintage"] = f"{vintage} ({boundaries} boundaries)"
    imd_editions = {str(r.get("edition")) for r in evidence.imd.values()}
    found["Index of Multiple Deprivation"] = ", ".join(sorted(imd_editions)) or "not loaded"
    editions = session.execute(
        select(ReferenceEdition.kind, ReferenceEdition.edition, ReferenceEdition.source_name)
        .where(ReferenceEdition.active.is_(True))
        .order_by(ReferenceEdition.kind)
    )
    for kind, edition, source in editions:
        found[f"{kind} edition"] = f"{edition} ({source})"
    return found


def _scope(spec: AssessmentSpec, evidence: Evidence) -> dict[str, Any]:
    selection = evidence.selection
    names = [selection.names.get(code) or code for code in selection.codes]
    return {
        "key": spec.scope,
        "level": selection.level,
        "codes": list(selection.codes),
        "names": dict(selection.names),
        "label": ", ".join(names),
        "lsoas": len(selection.lsoas),
        "population": evidence.population,
    }


def _title(spec: AssessmentSpec, evidence: Evidence) -> str:
    names = [evidence.selection.names.get(c) or c for c in evidence.selection.codes]
    area = ", ".join(names)
    period = f"{evidence.period.first} to {evidence.period.last}"
    if spec.kind == "problem" and spec.theme:
        return f"{KINDS['problem']}: {evidence.config.theme(spec.theme).label}, {area}, {period}"
    return f"{KINDS[spec.kind]}: {area}, {period}"


def _linked_scores(
    context: Any, spec: AssessmentSpec, config: AssessmentConfig, evidence: Evidence
) -> tuple[Any, str]:
    from dataclasses import replace

    from beacon.assessment.evidence import Evidence
    from beacon.assessment.scoring import score_themes
    from beacon.ingest.forces import FORCES

    forces = sorted({str(a["police_force"]) for a in evidence.area_rows if a.get("police_force")})
    if len(forces) != 1:
        raise AnalysisInputError(
            "a strategic link needs the scope to lie in one police force area with police "
            f"data loaded (it lies in {len(forces)})",
            option="--link-force",
        )
    ids = {name: key for key, name in FORCES.items()}
    force_spec = replace(spec, scope=f"force:{ids.get(forces[0], forces[0])}", link_force=False)
    force_evidence = Evidence(context, force_spec, config)
    scores = score_themes(force_evidence, config, Judgement())
    # The force's evidence left the reader on the force's areas: put the scope's back.
    context.use(evidence.selection, evidence.period)
    return scores, forces[0]


def _build(
    writer: Any,
    spec: AssessmentSpec,
    judgement: Judgement,
    previous: dict[str, Any] | None,
    linked: Any,
    linked_label: str | None,
    method: Any,
    step: _Steps,
) -> Any:
    from beacon.assessment.strategic import build_strategic

    if spec.kind == "strategic":
        return build_strategic(
            writer,
            judgement,
            previous=previous,
            linked=linked,
            linked_label=linked_label,
            method_section=method,
        )
    from beacon.assessment import products

    return products.build(writer, spec, judgement, method, previous=previous, step=step)


# --- runs in the database --------------------------------------------------------------------


def _previous(session: Session, spec: AssessmentSpec, run_key: str | None) -> dict[str, Any] | None:
    """The previous assessment of the same scope and kind: its period, status and figures."""
    from sqlalchemy import select

    from beacon.assessment.models import Assessment, AssessmentRun

    if run_key is None:
        return None
    query = select(AssessmentRun, Assessment.status).outerjoin(
        Assessment, Assessment.id == AssessmentRun.assessment_id
    )
    if run_key == "latest":
        query = (
            query.where(
                AssessmentRun.scope == spec.scope,
                AssessmentRun.kind == spec.kind,
                AssessmentRun.period_to < spec.period_to,
            )
            .order_by(AssessmentRun.period_to.desc(), AssessmentRun.id.desc())
            .limit(1)
        )
    else:
        query = query.where(AssessmentRun.run_key == run_key)
    found = session.execute(query).first()
    if found is None:
        if run_key != "latest":
            raise AnalysisInputError(
                f"the manifest compares with run {run_key}, which this database does not hold",
                option="--manifest",
            )
        return None
    run, status = found
    manifest = json.loads(run.manifest)
    return {
        "run_key": run.run_key,
        "period_from": run.period_from,
        "period_to": run.period_to,
        "status": status or "command-line run",
        "figures": manifest.get("figures", {}),
    }


def store_run(
    session: Session,
    outcome: Outcome,
    *,
    assessment_id: int | None,
    user_id: int | None,
    created_by: str,
) -> AssessmentRun:
    from beacon.assessment.models import AssessmentRun

    run = AssessmentRun(
        run_key=outcome.manifest["run_key"],
        assessment_id=assessment_id,
        kind=outcome.spec.kind,
        scope=outcome.spec.scope,
        period_from=outcome.document.period["from"],
        period_to=outcome.document.period["to"],
        snapshot_id=outcome.document.snapshot["id"],
        manifest=json.dumps(outcome.manifest, sort_keys=True),
        document=json.dumps(outcome.document.to_dict()),
        figures_sha256=outcome.manifest["figures_sha256"],
        created_by_user_id=user_id,
        created_by=created_by,
    )
    session.add(run)
    session.flush()
    return run


def latest_run(session: Session, assessment_id: int) -> AssessmentRun | None:
    from sqlalchemy import select

    from beacon.assessment.models import AssessmentRun

    return session.scalars(
        select(AssessmentRun)
        .where(AssessmentRun.assessment_id == assessment_id)
        .order_by(AssessmentRun.id.desc())
        .limit(1)
    ).first()


def run_by_key(session: Session, run_key: str) -> AssessmentRun | None:
    from sqlalchemy import select

    from beacon.assessment.models import AssessmentRun

    return session.scalars(select(AssessmentRun).where(AssessmentRun.run_key == run_key)).first()


def document_of(run: AssessmentRun) -> Document:
    return Document.from_dict(json.loads(run.document))


def boundaries_for(session: Session, document: Document) -> dict[str, bytes]:
    """The WKB boundaries of every LSOA the document's maps draw (newest vintage per code)."""
    from beacon.workspace.geometry import newest_lsoa_boundaries

    found = newest_lsoa_boundaries(session, document.map_lsoas)
    return {code: wkb for code, (_name, wkb) in found.items()}


def new_run_key() -> str:
    return secrets.token_hex(8)
