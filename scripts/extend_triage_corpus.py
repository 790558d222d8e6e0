"""Add labelled reports to the triage corpus (``src/beacon/triage/data/corpus/``).

    python scripts/extend_triage_corpus.py NEW.jsonl [--part NAME] [--dry-run]

NEW.jsonl holds one object per line: ``{"text": "...", "themes": ["drugs", ...]}`` with
optional ``writer`` (resident or professional) and ``channel`` (web or partner). Every line is
checked first (theme keys from the built-in taxonomy, text length, no text already in the
corpus after folding case and spaces); on any error nothing is written and each bad line is
named. Accepted lines get ids ``<prefix>-<n>`` and are appended to ``<part>.jsonl`` (default
part: ``extra``); the prefix is the part's name without a leading ``part_``, as in the shipped
files (``part_a.jsonl`` holds ``a-0001``...). Then the number of examples per theme is printed,
with a warning for themes under 100: the classifier learns a theme from at least 10 and does
well from about 100. Labels follow ``docs/TRIAGE_LABELLING.md``; ``relabelled.jsonl`` in the
corpus folder logs label changes and is not part of the corpus.

Analysts' corrections in the database are used by ``beacon triage retrain`` directly; this
script is for new writing (a new theme, a new slang term, a style the model misses).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "src" / "beacon" / "triage" / "data" / "corpus"
MAX_CHARS = 20_000
WRITERS = {"resident", "professional"}
CHANNELS = {"web", "partner"}
WELL_COVERED = 100
RELABEL_LOG = "relabelled.jsonl"  # the audit log of label changes: no texts, not corpus


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text.casefold()).strip()


def known_themes() -> set[str]:
    sys.path.insert(0, str(ROOT / "src"))
    from beacon.triage.taxonomy import BUILT_IN_THEMES

    return {theme.key for theme in BUILT_IN_THEMES}


def read_corpus() -> tuple[list[dict[str, object]], set[str]]:
    records = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        if path.name == RELABEL_LOG:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                records.append(json.loads(line))
    return records, {fold(str(r["text"])) for r in records}


def check(path: Path, themes: set[str], existing: set[str]) -> tuple[list[dict], list[str]]:
    accepted: list[dict] = []
    errors: list[str] = []
    seen = set(existing)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as error:
        return [], [f"{path}: not UTF-8 (byte {error.start + 1})"]
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path.name}, line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            errors.append(f"{where}: not JSON ({error.msg})")
            continue
        if not isinstance(record, dict):
            errors.append(f"{where}: not a JSON object")
            continue
        text = record.get("text")
        labels = record.get("themes")
        if not isinstance(text, str) or not text.strip():
            errors.append(f'{where}: no "text" string')
        elif len(text) > MAX_CHARS:
            errors.append(f"{where}: text longer than {MAX_CHARS:,} characters")
        elif not isinstance(labels, list) or not labels:
            errors.append(f'{where}: "themes" must be a non-empty list')
        elif unknown := sorted(set(map(str, labels)) - themes):
            errors.append(f"{where}: unknown theme key(s) {', '.join(unknown)}")
        elif record.get("writer", "resident") not in WRITERS:
            errors.append(f'{where}: "writer" must be one of {", ".join(sorted(WRITERS))}')
        elif record.get("channel", "web") not in CHANNELS:
            errors.append(f'{where}: "channel" must be one of {", ".join(sorted(CHANNELS))}')
        elif fold(text) in seen:
            errors.append(f"{where}: the same text is already in the corpus or this file")
        else:
            seen.add(fold(text))
            accepted.append(
                {
                    "text": text.strip(),
                    "themes": list(dict.fromkeys(labels)),
                    "writer": record.get("writer", "resident"),
                    "channel": record.get("channel", "web"),
                }
            )
    return accepted, errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--part", default="extra", help="corpus file to append to (no suffix)")
    parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
    args = parser.parse_args()
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", args.part) or args.part == RELABEL_LOG[:-6]:
        print("error: --part: lower-case letters, digits and _ (not relabelled)", file=sys.stderr)
        return 2
    if not args.file.is_file():
        print(f"error: {args.file}: no such file", file=sys.stderr)
        return 1
    records, existing = read_corpus()
    accepted, errors = check(args.file, known_themes(), existing)
    if errors:
        for error in errors[:50]:
            print(f"error: {error}", file=sys.stderr)
        print(f"nothing written ({len(errors)} bad line(s))", file=sys.stderr)
        return 1
    target = CORPUS / f"{args.part}.jsonl"
    used = {str(r["id"]) for r in records}
    prefix = args.part.removeprefix("part_") or args.part
    number = 1
    lines = []
    for record in accepted:
        while f"{prefix}-{number:04d}" in used:
            number += 1
        ident = f"{prefix}-{number:04d}"
        used.add(ident)
        lines.append(json.dumps({"id": ident, **record}, ensure_ascii=False))
    if not args.dry_run and lines:
        with target.open("a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
    verb = "would add" if args.dry_run else "added"
    print(f"{verb} {len(lines)} example(s) to {target.relative_to(ROOT)}")
    counts: Counter[str] = Counter()
    for record in records + accepted:
        counts.update(str(t) for t in record["themes"])  # type: ignore[attr-defined]
    for theme, count in sorted(counts.items(), key=lambda kv: (kv[1], kv[0])):
        note = "  (few: the classifier may miss it)" if count < WELL_COVERED else ""
        print(f"{theme:22} {count:5d}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
