"""The sanitiser never touches the network (tldextract's public suffix list) and never loads a
spaCy model; each check builds the engine from scratch in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from presidio_analyzer.nlp_engine import NoOpNlpEngine
from presidio_analyzer.predefined_recognizers import (
    EmailRecognizer,
    NhsRecognizer,
    SpacyRecognizer,
    UkNinoRecognizer,
    UkPostcodeRecognizer,
    UkVehicleRegistrationRecognizer,
)

from beacon.sanitise.detect import get_sanitiser

FRESH = textwrap.dedent(
    """
    import json, socket, sys

    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(repr(args[:2]))
        raise OSError("network access attempted")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse

    import spacy

    def no_model(*args, **kwargs):
        raise AssertionError(f"spaCy model load attempted: {args!r}")

    spacy.load = no_model
    import spacy.cli
    spacy.cli.download = no_model

    from beacon.sanitise.detect import Sanitiser
    import tldextract.tldextract as tx

    sanitiser = Sanitiser()
    text = "email me at jo.bloggs@example.co.uk or the dealer on dazza@protonmail.com"
    found = [(f.type, f.text) for f in sanitiser.analyse(text)]
    print(json.dumps({
        "found": found,
        "attempts": attempts,
        "default_extractor_loaded": tx.TLD_EXTRACTOR._extractor is not None,
        "models": sorted(m for m in sys.modules if m.startswith(("en_core", "en-core"))),
    }))
    """
)


def test_no_network_and_no_spacy_model_in_a_fresh_process() -> None:
    result = subprocess.run(
        [sys.executable, "-c", FRESH], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["found"] == [
        ["EMAIL", "jo.bloggs@example.co.uk"],
        ["EMAIL", "dazza@protonmail.com"],
    ]
    assert report["attempts"] == []
    assert report["default_extractor_loaded"] is False  # tldextract's network-fetching one
    assert report["models"] == []


def test_engine_uses_the_no_op_nlp_engine_and_no_spacy_recogniser() -> None:
    analyzer = get_sanitiser().analyzer
    assert isinstance(analyzer.nlp_engine, NoOpNlpEngine)
    assert not any(isinstance(r, SpacyRecognizer) for r in analyzer.registry.recognizers)
    # Presidio's UK recognisers are off by default: they must be registered explicitly.
    for presidio_class in (
        UkPostcodeRecognizer,
        UkNinoRecognizer,
        NhsRecognizer,
        UkVehicleRegistrationRecognizer,
        EmailRecognizer,
    ):
        assert any(isinstance(r, presidio_class) for r in analyzer.registry.recognizers)
