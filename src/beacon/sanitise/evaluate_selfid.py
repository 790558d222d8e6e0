"""How well the sanitiser finds where reporters identify THEMSELVES (issue 11).

The evaluation files (``tests/sanitise/data/selfid_*.jsonl``) were written independently of
the rules. Each line is a report with the spans a human sanitiser would have to deal with::

    {"id": ..., "text": ...,
     "identifying": [{"text": exact substring, "kind": name|signature|staff_id|quasi|contact,
                      "occurrence"?: n}],
     "not_identifying": [{"text": ..., "kind": possessive|subject|other, "occurrence"?: n}],
     "style": ...}

Spans are located by substring; ``occurrence`` (counted from 1) picks the n-th when the text
holds it more than once. Three figures come out:

- **recall** per kind and overall: a gold identifying span counts as found when any finding
  of the sanitiser (redacted or flagged, of any type) overlaps it;
- **false-flag share**: of the sanitiser's findings about the reporter (``detect.SELF_TYPES``,
  and contact details, postcodes, registrations and dates of birth it redacted as the
  reporter's own), the share that overlaps no identifying span, i.e. points at nothing
  identifying;
- **subject redactions**: details of the person reported on (``not_identifying`` of kind
  ``subject``) that a redaction overlaps. It must be 0: removing them would remove the
  intelligence. A flag on them is acceptable (the human sanitiser decides).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from beacon.sanitise.detect import Finding, Sanitiser, about_reporter, get_sanitiser

IDENTIFYING_KINDS = ("name", "signature", "staff_id", "quasi", "contact")
NOT_IDENTIFYING_KINDS = ("possessive", "subject", "other")

# The goals of issue 11, asserted by tests on the tuning set.
RECALL_GOAL = 0.90
FALSE_FLAG_GOAL = 0.05
SUBJECT_REDACTIONS_GOAL = 0


class SelfIdSetError(ValueError):
    """The evaluation file is malformed (bad JSON, unknown kind, a span not in the text)."""


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str
    text: str


@dataclass(frozen=True)
class SelfIdItem:
    id: str
    text: str
    identifying: tuple[Span, ...]
    not_identifying: tuple[Span, ...]
    style: str = ""


@dataclass
class KindScore:
    kind: str
    support: int = 0
    found: int = 0

    @property
    def recall(self) -> float:
        return self.found / self.support if self.support else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "recall": round(self.recall, 4),
            "found": self.found,
            "support": self.support,
        }


@dataclass
class SelfIdMiss:
    id: str
    kind: str  # "missed" | "false_flag" | "subject_redacted" | "subject_flagged"
    type: str  # the gold kind, or the finding's type
    text: str
    detail: str = ""


@dataclass
class SelfIdReport:
    path: str
    texts: int
    per_kind: dict[str, KindScore]
    self_findings: int  # findings about the reporter
    false_flags: int  # ... of which overlap no identifying span
    subject_spans: int
    subject_redacted: int
    subject_flagged: int
    seconds: float
    misses: list[SelfIdMiss] = field(default_factory=list)

    @property
    def overall(self) -> KindScore:
        total = KindScore("all")
        for score in self.per_kind.values():
            total.support += score.support
            total.found += score.found
        return total

    @property
    def recall(self) -> float:
        return self.overall.recall

    @property
    def false_flag_share(self) -> float:
        return self.false_flags / self.self_findings if self.self_findings else 0.0

    def meets_goals(self) -> bool:
        return (
            self.recall >= RECALL_GOAL
            and self.false_flag_share <= FALSE_FLAG_GOAL
            and self.subject_redacted <= SUBJECT_REDACTIONS_GOAL
        )

    def to_dict(self, *, with_misses: bool = False) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "path": self.path,
            "texts": self.texts,
            "seconds": round(self.seconds, 3),
            "recall": round(self.recall, 4),
            "per_kind": [self.per_kind[k].to_dict() for k in self._kinds()],
            "overall": self.overall.to_dict(),
            "self_findings": self.self_findings,
            "false_flags": self.false_flags,
            "false_flag_share": round(self.false_flag_share, 4),
            "subject_spans": self.subject_spans,
            "subject_redacted": self.subject_redacted,
            "subject_flagged": self.subject_flagged,
            "goals": {
                "recall": RECALL_GOAL,
                "false_flag_share": FALSE_FLAG_GOAL,
                "subject_redacted": SUBJECT_REDACTIONS_GOAL,
            },
            "meets_goals": self.meets_goals(),
        }
        if with_misses:
            payload["misses"] = [asdict(m) for m in self.misses]
        return payload

    def _kinds(self) -> list[str]:
        known = [k for k in IDENTIFYING_KINDS if k in self.per_kind]
        return known + sorted(k for k in self.per_kind if k not in IDENTIFYING_KINDS)

    def table(self) -> str:
        lines = [f"{'kind':12} {'recall':>7} {'found':>6} {'support':>8}"]
        for score in [*(self.per_kind[k] for k in self._kinds()), self.overall]:
            lines.append(f"{score.kind:12} {score.recall:7.3f} {score.found:6d} {score.support:8d}")
        verdict = "ok" if self.recall >= RECALL_GOAL else "BELOW GOAL"
        lines.append(f"recall {self.recall:.3f} (goal >= {RECALL_GOAL:.2f}): {verdict}")
        verdict = "ok" if self.false_flag_share <= FALSE_FLAG_GOAL else "ABOVE GOAL"
        lines.append(
            f"false flags {self.false_flags} of {self.self_findings} findings about the reporter"
            f" = {self.false_flag_share:.3f} (goal <= {FALSE_FLAG_GOAL:.2f}): {verdict}"
        )
        verdict = "ok" if self.subject_redacted <= SUBJECT_REDACTIONS_GOAL else "NOT ZERO"
        lines.append(
            f"subject details redacted {self.subject_redacted} of {self.subject_spans} "
            f"(flagged {self.subject_flagged}; goal 0): {verdict}"
        )
        lines.append(f"{self.texts} texts in {self.seconds:.2f} s ({self.path})")
        return "\n".join(lines)


def locate(text: str, surface: str, occurrence: int = 1) -> tuple[int, int]:
    """Offsets of the ``occurrence``-th (from 1) appearance of ``surface`` in ``text``."""
    if not surface or occurrence < 1:
        raise ValueError(f"bad span {surface!r} (occurrence {occurrence})")
    position = -1
    for _ in range(occurrence):
        position = text.find(surface, position + 1)
        if position < 0:
            raise ValueError(f"{surface!r} (occurrence {occurrence}) is not in the text")
    return position, position + len(surface)


def _spans(text: str, raw: Any, kinds: Sequence[str], what: str) -> tuple[Span, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValueError(f'"{what}" must be a list')
    out: list[Span] = []
    for entry in raw:
        if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
            raise ValueError(f'each "{what}" entry needs a "text" string')
        kind = entry.get("kind")
        if not isinstance(kind, str) or kind not in kinds:
            raise ValueError(f'"{what}" kind {kind!r} is not one of {", ".join(kinds)}')
        occurrence = entry.get("occurrence", 1)
        if not isinstance(occurrence, int) or isinstance(occurrence, bool):
            raise ValueError('"occurrence" must be a whole number')
        start, end = locate(text, entry["text"], occurrence)
        out.append(Span(start, end, kind, entry["text"]))
    return tuple(out)


def load_selfid_items(path: Path | str) -> list[SelfIdItem]:
    resolved = Path(path)
    items: list[SelfIdItem] = []
    with resolved.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                    raise ValueError('each line must be a JSON object with a "text" string')
                text = row["text"]
                items.append(
                    SelfIdItem(
                        id=str(row.get("id", number)),
                        text=text,
                        identifying=_spans(
                            text, row.get("identifying"), IDENTIFYING_KINDS, "identifying"
                        ),
                        not_identifying=_spans(
                            text,
                            row.get("not_identifying"),
                            NOT_IDENTIFYING_KINDS,
                            "not_identifying",
                        ),
                        style=str(row.get("style", "")),
                    )
                )
            except (ValueError, TypeError) as exc:
                raise SelfIdSetError(f"{resolved}:{number}: {exc}") from exc
    return items


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


@dataclass
class _Tally:
    per_kind: dict[str, KindScore] = field(default_factory=dict)
    self_findings: int = 0
    false_flags: int = 0
    subject_spans: int = 0
    subject_redacted: int = 0
    subject_flagged: int = 0
    misses: list[SelfIdMiss] = field(default_factory=list)


def score_selfid_item(item: SelfIdItem, findings: Sequence[Finding], tally: _Tally) -> None:
    """Add one report's recall, false flags and subject redactions to ``tally``."""
    for gold in item.identifying:
        score = tally.per_kind.setdefault(gold.kind, KindScore(gold.kind))
        score.support += 1
        if any(_overlaps(f.start, f.end, gold.start, gold.end) for f in findings):
            score.found += 1
        else:
            tally.misses.append(SelfIdMiss(item.id, "missed", gold.kind, gold.text))
    for finding in findings:
        if not about_reporter(finding):
            continue
        tally.self_findings += 1
        if not any(_overlaps(finding.start, finding.end, g.start, g.end) for g in item.identifying):
            tally.false_flags += 1
            tally.misses.append(
                SelfIdMiss(item.id, "false_flag", finding.type, finding.text, finding.reason)
            )
    for gold in item.not_identifying:
        if gold.kind != "subject":
            continue
        tally.subject_spans += 1
        touching = [f for f in findings if _overlaps(f.start, f.end, gold.start, gold.end)]
        redacted = [f for f in touching if f.action == "redact"]
        if redacted:
            tally.subject_redacted += 1
            tally.misses.append(
                SelfIdMiss(
                    item.id,
                    "subject_redacted",
                    redacted[0].type,
                    gold.text,
                    f"redacted {redacted[0].text!r}: {redacted[0].reason}",
                )
            )
        elif touching:
            tally.subject_flagged += 1


def evaluate_selfid(path: Path | str, sanitiser: Sanitiser | None = None) -> SelfIdReport:
    """Run the sanitiser over a self-identification file and score it."""
    items = load_selfid_items(path)
    engine = sanitiser or get_sanitiser()
    tally = _Tally()
    for kind in IDENTIFYING_KINDS:
        tally.per_kind[kind] = KindScore(kind)
    started = time.perf_counter()
    for item in items:
        score_selfid_item(item, engine.analyse(item.text), tally)
    elapsed = time.perf_counter() - started
    return SelfIdReport(
        path=str(path),
        texts=len(items),
        per_kind={k: s for k, s in tally.per_kind.items() if s.support},
        self_findings=tally.self_findings,
        false_flags=tally.false_flags,
        subject_spans=tally.subject_spans,
        subject_redacted=tally.subject_redacted,
        subject_flagged=tally.subject_flagged,
        seconds=elapsed,
        misses=tally.misses,
    )
