"""The manifest of an assessment run: everything needed to compute it again, and to explain
how two runs differ.

It names the snapshot (id, content hash, every table's rows and SHA-256), the request (kind,
scope, period, themes), the judgement entered (capacity, horizon, overrides, narratives, each
with who and when), the whole configuration and its hash, the code (Beacon's version, the git
commit where known, the versions of the numerical libraries), the seed, and the figures with
their hash. ``beacon assess --manifest FILE`` reopens the same snapshot with the same inputs;
identical figures give the identical ``figures_sha256``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from beacon.analytics.errors import AnalysisInputError
from beacon.assessment.config import AssessmentConfig
from beacon.assessment.document import Document
from beacon.assessment.spec import AssessmentSpec, Judgement

MANIFEST_FORMAT = 1
_LIBRARIES = ("numpy", "scipy", "esda", "libpysal", "pymannkendall", "duckdb", "pyproj")


def figures_sha256(figures: dict[str, Any]) -> str:
    canonical = json.dumps(figures, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def code_version() -> dict[str, Any]:
    from importlib import metadata
    from pathlib import Path

    import beacon

    versions: dict[str, str | None] = {}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "beacon": beacon.__version__,
        "git_commit": _git_commit(Path(beacon.__file__).resolve().parents[2]),
        "libraries": versions,
    }


def _git_commit(root: Any) -> str | None:
    """HEAD of the checkout Beacon runs from, read from .git without running git."""
    head = root / ".git" / "HEAD"
    try:
        text = head.read_text().strip()
        if text.startswith("ref: "):
            ref = root / ".git" / text[5:]
            if ref.exists():
                return str(ref.read_text().strip())
            packed = root / ".git" / "packed-refs"
            for line in packed.read_text().splitlines():
                if line.endswith(text[5:]):
                    return line.split()[0]
            return None
        return text
    except OSError:
        return None


def build_manifest(
    *,
    spec: AssessmentSpec,
    judgement: Judgement,
    config: AssessmentConfig,
    snapshot: Any,
    document: Document,
    previous: dict[str, Any] | None,
    scores: Any,
) -> dict[str, Any]:
    from beacon.assessment.service import new_run_key

    tables = snapshot.manifest.get("tables", {})
    return {
        "format": MANIFEST_FORMAT,
        "run_key": new_run_key(),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "generated_at": document.generated_at,
        "spec": spec.to_dict(),
        "judgement": judgement.to_dict(),
        "snapshot": {
            "id": snapshot.id,
            "created_at": snapshot.manifest.get("created_at"),
            "content_sha256": snapshot.manifest.get("content_sha256"),
            "boundary_digest": snapshot.manifest.get("boundary_digest"),
            "tables": {
                name: {"rows": entry.get("rows"), "sha256": entry.get("sha256")}
                for name, entry in sorted(tables.items())
            },
        },
        "configuration": config.raw,
        "configuration_sha256": config.digest,
        "configuration_source": config.source,
        "code": code_version(),
        "seed": config.get("seed"),
        "previous_run_key": previous["run_key"] if previous else None,
        "priorities": [s.theme for s in scores if s.recommended] if scores else [],
        "figures": document.figures,
        "figures_sha256": figures_sha256(document.figures),
    }


def read_manifest(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as error:
        raise AnalysisInputError(f"cannot read it: {error.strerror}", file=path) from None
    except json.JSONDecodeError as error:
        raise AnalysisInputError(
            f"not JSON (line {error.lineno}: {error.msg})", file=path
        ) from None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise AnalysisInputError(
            f"not a Beacon assessment manifest (format {MANIFEST_FORMAT})", file=path
        )
    for key in ("spec", "snapshot", "configuration", "figures_sha256"):
        if key not in data:
            raise AnalysisInputError(f"the manifest has no {key!r}", file=path)
    return data


def check_snapshot(manifest: dict[str, Any], snapshot: Any, *, file: str | None = None) -> None:
    """The snapshot a reproduction opened must be byte for byte the one the manifest names."""
    wanted = manifest["snapshot"]
    if snapshot.id != wanted["id"]:
        raise AnalysisInputError(
            f"opened snapshot {snapshot.id}, the manifest names {wanted['id']}", file=file
        )
    if wanted.get("content_sha256") and (
        snapshot.manifest.get("content_sha256") != wanted["content_sha256"]
    ):
        raise AnalysisInputError(
            f"snapshot {snapshot.id} has changed since the run (content hash differs)", file=file
        )
    held = snapshot.manifest.get("tables", {})
    for name, entry in wanted.get("tables", {}).items():
        if held.get(name, {}).get("sha256") != entry.get("sha256"):
            raise AnalysisInputError(
                f"table {name} of snapshot {snapshot.id} differs from the run's", file=file
            )


def compare(old: dict[str, Any], new: dict[str, Any], *, limit: int = 200) -> list[dict[str, Any]]:
    """What changed between two runs, and why: inputs first (each a possible reason), then
    every figure that differs. Rows: {"what", "before", "after", "why"}."""
    rows: list[dict[str, Any]] = []
    reasons: list[str] = []

    def note(what: str, before: Any, after: Any, why: str) -> None:
        rows.append({"what": what, "before": _text(before), "after": _text(after), "why": why})

    old_spec, new_spec = old.get("spec", {}), new.get("spec", {})
    for key in sorted(set(old_spec) | set(new_spec)):
        if old_spec.get(key) != new_spec.get(key):
            note(f"request: {key}", old_spec.get(key), new_spec.get(key), "a different request")
            reasons.append(f"the request's {key}")
    old_snap, new_snap = old.get("snapshot", {}), new.get("snapshot", {})
    if old_snap.get("id") != new_snap.get("id"):
        note("snapshot", old_snap.get("id"), new_snap.get("id"), "data loaded in between")
        for name in sorted(set(old_snap.get("tables", {})) | set(new_snap.get("tables", {}))):
            a = old_snap.get("tables", {}).get(name, {})
            b = new_snap.get("tables", {}).get(name, {})
            if a.get("sha256") != b.get("sha256"):
                note(f"data: {name} rows", a.get("rows"), b.get("rows"), "the data changed")
                reasons.append(f"the {name} data")
    if old.get("configuration_sha256") != new.get("configuration_sha256"):
        a_conf, b_conf = old.get("configuration", {}), new.get("configuration", {})
        for key in sorted(set(a_conf) | set(b_conf)):
            if a_conf.get(key) != b_conf.get(key):
                note(f"configuration: {key}", a_conf.get(key), b_conf.get(key), "configuration")
        reasons.append("the configuration")
    a_judge, b_judge = old.get("judgement", {}), new.get("judgement", {})
    for key in ("capacity", "horizon", "overrides", "narratives"):
        if a_judge.get(key) != b_judge.get(key):
            note(
                f"judgement: {key}",
                f"{len(a_judge.get(key) or [])} entries",
                f"{len(b_judge.get(key) or [])} entries",
                "entries added, changed or withdrawn",
            )
            reasons.append(f"the {key} entered")
    if (old.get("code") or {}).get("beacon") != (new.get("code") or {}).get("beacon") or (
        (old.get("code") or {}).get("git_commit") != (new.get("code") or {}).get("git_commit")
    ):
        note("code", old.get("code"), new.get("code"), "a different version of Beacon")
        reasons.append("the code")
    why = (
        ("because of " + ", ".join(dict.fromkeys(reasons)))
        if reasons
        else ("no input differs: investigate (a change in a library's numbers?)")
    )
    a_fig, b_fig = old.get("figures", {}), new.get("figures", {})
    changed = 0
    for key in sorted(set(a_fig) | set(b_fig)):
        if a_fig.get(key) != b_fig.get(key):
            changed += 1
            if changed <= limit:
                note(f"figure: {key}", a_fig.get(key), b_fig.get(key), why)
    if changed > limit:
        note("figures", "", f"{changed - limit} more changed", why)
    return rows


def _text(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True)[:200]
    return str(value)
