"""``beacon triage``: classify texts into themes with their entities, retrain the model, and
link the stored entity mentions again.

``beacon triage classify FILE`` reads one text per line, or JSON Lines with a ``text`` field
(the same input rules as ``beacon sanitise``: the whole file is checked before anything is
printed), and prints one JSON object per input, in input order. scikit-learn is imported inside
the commands so that ``beacon --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from beacon.triage.classifier import Evaluation, Example, ThemeModel

app = typer.Typer(
    help="Triage: themes and entities of reports; the theme classifier.",
    no_args_is_help=True,
)


def register(root: typer.Typer) -> None:
    """Add ``beacon triage`` (the registry in ``beacon.cli`` calls this lazily)."""
    root.add_typer(app, name="triage")


def _settings() -> Any:
    from beacon.config import get_settings

    return get_settings()


def _active_themes() -> list[str]:
    """The active theme keys, from the database (admins edit them)."""
    from beacon.runtime import open_runtime
    from beacon.triage.service import catalogue

    runtime = open_runtime()
    try:
        with runtime.sessions() as session:
            return list(catalogue(session).active)
    finally:
        runtime.close()


def _model() -> ThemeModel:
    from beacon.triage.classifier import ModelUnavailable, load, model_path

    try:
        return load(model_path(_settings().data_dir))
    except ModelUnavailable as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


# Help texts without line breaks inside paragraphs: the terminal wraps them.
CLASSIFY_HELP = (
    "Themes, scores and entities of each text, as one JSON object per input.\n\n"
    "The chosen themes come best first, then every theme's score, then the entities (phone, "
    "vehicle, postcode, email, handle, address, nickname, person) with normalised values and "
    "their place in the text; with linking (the default), each entity's id across the inputs "
    "and each input's linked lines. Exits with 1, naming the file and line, on bad input, and when "
    "the model is missing or outdated (`beacon triage retrain` builds it)."
)
RETRAIN_HELP = (
    "Train the theme classifier and print its scores before and after.\n\n"
    "Trains on the shipped corpus and analysts' corrections, then prints macro-F1 and "
    "per-theme precision and recall on the held-out split, before (the model it replaces, if "
    "any) and after. The new model replaces the old one only when training succeeds."
)
LINK_HELP = (
    "Resolve every stored entity mention again and print the counts.\n\n"
    "Links the phones, vehicles, addresses, people and other entities of every triaged report "
    "into entities, with analysts' confirm and split decisions honoured. Run it after a "
    "matching rule changes or a backup is restored; reports are linked as they are triaged "
    "otherwise."
)


@app.command("classify", help=CLASSIFY_HELP)
def classify(
    file: Annotated[
        str,
        typer.Argument(
            help='Text file (one report per line) or JSON Lines with a "text" field; - for '
            "standard input."
        ),
    ],
    link: Annotated[
        bool,
        typer.Option(
            "--link/--no-link",
            help="Link the entities across the inputs (each entity gets its entity id, each "
            "input the lines it shares an entity with).",
        ),
    ] = True,
) -> None:
    """Themes, scores and entities of each text (see CLASSIFY_HELP)."""
    from beacon.sanitise.cli import read_texts

    items = read_texts(file)
    model = _model()
    active = _active_themes()
    from beacon.triage.entities import extract_entities

    results = model.classify([item.text for item in items], active=active)
    found = [extract_entities(item.text) for item in items]
    entity_of: dict[str, str] = {}
    lines_of: dict[str, set[int]] = {}
    if link:
        from beacon.triage.linking import Mention, resolve, value_key

        resolution = resolve(
            Mention(str(i), e.type, e.value) for i, entities in enumerate(found) for e in entities
        )
        entity_of = dict(resolution.entity_of_key)
        for resolved in resolution.entities:
            lines_of[resolved.id] = {items[int(m.report_id)].line for m in resolved.mentions}
    out = sys.stdout
    for item, result, entities in zip(items, results, found, strict=True):
        payload: dict[str, Any] = {"line": item.line}
        if item.has_id:
            payload["id"] = item.id
        payload["themes"] = result.themes
        payload["scores"] = dict(sorted(result.scores.items(), key=lambda kv: (-kv[1], kv[0])))
        listed = [e.to_dict() for e in entities]
        if link:
            shared: set[int] = set()
            for entity, row in zip(entities, listed, strict=True):
                entity_id = entity_of[value_key(entity.type, entity.value)]
                row["entity"] = entity_id
                shared |= lines_of[entity_id]
            payload["linked_lines"] = sorted(shared - {item.line})
        payload["entities"] = listed
        out.write(json.dumps(payload, ensure_ascii=False) + "\n")
    out.flush()


@app.command("retrain", help=RETRAIN_HELP)
def retrain(
    others: Annotated[
        Path | None,
        typer.Option(
            "--others",
            help="Also score before and after on this labelled JSON Lines file (texts written "
            "apart from the corpus).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Train the theme classifier and print its scores (see RETRAIN_HELP)."""
    from beacon.triage import classifier

    settings = _settings()
    themes = _active_themes()
    examples = _examples(themes)
    train_set, held_out = classifier.split(examples)
    extra = _others(others, themes) if others is not None else None
    path = classifier.model_path(settings.data_dir)
    before: ThemeModel | None
    try:
        before = classifier.load(path)
    except classifier.ModelUnavailable:
        before = None
    corrections = sum(e.origin == "correction" for e in train_set)
    typer.echo(
        f"training on {len(train_set):,} examples ({corrections:,} corrections); "
        f"{len(held_out):,} held out",
        err=True,
    )
    try:
        after = classifier.train(train_set, themes)
    except classifier.CorpusError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    classifier.save(after, path)
    scores: dict[str, Any] = {"model": str(path), "untrained": after.meta.get("untrained", [])}
    for label, model in (("before", before), ("after", after)):
        if model is None:
            scores[label] = None
            continue
        scores[label] = {"held_out": classifier.evaluate(model, held_out, active=themes)}
        if extra is not None:
            scores[label]["others"] = classifier.evaluate(model, extra, active=themes)
    if as_json:
        out = {
            k: (
                {s: e.to_dict() for s, e in v.items()} if isinstance(v, dict) and k != "model"
                else v
            )
            for k, v in scores.items()
        }  # fmt: skip
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
        return
    _print_scores(scores)


@app.command("link", help=LINK_HELP)
def link(
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Resolve every stored mention again (see LINK_HELP)."""
    from sqlalchemy import func, select

    from beacon.runtime import open_runtime
    from beacon.triage import link_store
    from beacon.triage.models import EntityMatch, EntityMention, LinkDecision

    runtime = open_runtime()
    try:
        with runtime.sessions() as session:
            mentions = link_store.relink_all(session)
            session.commit()
            counts = {
                "mentions": mentions,
                "reports": session.scalar(
                    select(func.count(func.distinct(EntityMention.report_id)))
                )
                or 0,
                "values": session.scalar(select(func.count(func.distinct(EntityMention.value_key))))
                or 0,
                "entities": session.scalar(
                    select(func.count(func.distinct(EntityMention.entity_key)))
                )
                or 0,
                "fuzzy_matches": session.scalar(select(func.count(EntityMatch.id))) or 0,
                "decisions": session.scalar(
                    select(func.count(LinkDecision.id)).where(LinkDecision.withdrawn_at.is_(None))
                )
                or 0,
            }
    finally:
        runtime.close()
    if as_json:
        sys.stdout.write(json.dumps(counts) + "\n")
        return
    typer.echo(
        f"linked {counts['mentions']:,} mentions in {counts['reports']:,} reports: "
        f"{counts['values']:,} distinct values in {counts['entities']:,} entities"
    )
    typer.echo(
        f"{counts['fuzzy_matches']:,} fuzzy matches; {counts['decisions']:,} analysts' "
        "decisions in force"
    )


def _examples(themes: list[str]) -> list[Example]:
    from beacon.runtime import open_runtime
    from beacon.triage import classifier
    from beacon.triage.corrections import correction_examples

    try:
        corpus = classifier.load_corpus(themes=themes)
    except classifier.CorpusError as error:
        typer.echo(f"error: corpus: {error}", err=True)
        raise typer.Exit(1) from None
    runtime = open_runtime()
    try:
        with runtime.sessions() as session:
            corrections = correction_examples(session)
    finally:
        runtime.close()
    return corpus + corrections


def _others(path: Path, themes: list[str]) -> list[Example]:
    from beacon.triage import classifier

    if not path.is_file():
        typer.echo(f"error: {path}: no such file", err=True)
        raise typer.Exit(1)
    try:
        return classifier.load_corpus([path], themes=themes)
    except classifier.CorpusError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


def _print_scores(scores: dict[str, Any]) -> None:
    typer.echo(f"model written: {scores['model']}")
    if scores["untrained"]:
        typer.echo("not learnt (too few labelled examples): " + ", ".join(scores["untrained"]))
    sets = [s for s in ("held_out", "others") if scores["after"].get(s) is not None]
    for name in sets:
        after: Evaluation = scores["after"][name]
        before: Evaluation | None = (scores["before"] or {}).get(name)
        title = "held-out split" if name == "held_out" else "texts written apart"
        was = f"{before.macro_f1:.3f}" if before else "–"
        typer.echo(
            f"\n{title} ({after.examples:,} texts): macro-F1 before {was}, after "
            f"{after.macro_f1:.3f}"
        )
        old = {s.theme: s for s in before.per_theme} if before else {}
        typer.echo(f"{'theme':22} {'P':>6} {'R':>6} {'F1':>6} {'F1 before':>10} {'n':>5}")
        for s in after.per_theme:
            prior = f"{old[s.theme].f1:.3f}" if s.theme in old else "–"
            typer.echo(
                f"{s.theme:22} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {prior:>10} "
                f"{s.support:5d}"
            )
