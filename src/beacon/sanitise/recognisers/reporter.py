"""The reporter's own details (the form's optional contact fields) wherever they appear."""

from __future__ import annotations

import re
from collections.abc import Sequence

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from beacon.sanitise.recognisers.base import REPORTER_KEY, make_result
from beacon.sanitise.recognisers.contact import _SEP_RE, normalise_phone

# --------------------------------------------------------------------------------------------
# The reporter's own details
# --------------------------------------------------------------------------------------------

_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "sir"})
_STREET_ABBREVIATIONS = {
    "road": "rd",
    "street": "st",
    "avenue": "ave|av",
    "close": "cl",
    "drive": "dr",
    "lane": "ln",
    "court": "ct",
    "crescent": "cres|cresc",
    "gardens": "gdns",
    "terrace": "tce|terr",
    "place": "pl",
    "grove": "gr|gro",
    "square": "sq",
    "mount": "mt",
    "approach": "app",
}


def _flexible_digits(digits: str) -> str:
    return r"[\s.\-()]*".join(digits)


def reporter_patterns(
    name: str | None,
    email: str | None,
    phone: str | None,
    address: str | None,
    postcode: str | None,
) -> list[tuple[str, re.Pattern[str], str]]:
    """(entity, compiled pattern, what it matches) for each detail the reporter gave."""
    patterns: list[tuple[str, re.Pattern[str], str]] = []
    if phone:
        national = normalise_phone(phone)
        if national is None:
            digits = _SEP_RE.sub("", phone)
            if len(digits) >= 6:
                patterns.append(
                    (
                        "PHONE",
                        re.compile(r"(?<!\d)" + _flexible_digits(digits) + r"(?!\d)"),
                        "phone",
                    )
                )
        else:
            nsn = national[1:]
            patterns.append(
                (
                    "PHONE",
                    re.compile(
                        r"(?<![\d+])(?:(?:\+|00)[\s]*44[\s]*(?:\(\s*0\s*\)\s*)?\(?"
                        + _flexible_digits(nsn)
                        + r"|\(?0"
                        + r"[\s.\-()]*"
                        + _flexible_digits(nsn)
                        + r")(?!\d)"
                    ),
                    "phone",
                )
            )
    if email and "@" in email:
        patterns.append(
            (
                "EMAIL",
                re.compile(r"(?<![\w.+\-])" + re.escape(email.strip()) + r"(?![\w\-])", re.I),
                "e-mail",
            )
        )
    if postcode:
        compact = re.sub(r"\s+", "", postcode).upper()
        if len(compact) >= 5:
            outward, inward = compact[:-3], compact[-3:]
            patterns.append(
                (
                    "POSTCODE",
                    re.compile(
                        r"(?<![A-Za-z0-9])"
                        + re.escape(outward)
                        + r"[ \t]{0,2}"
                        + re.escape(inward)
                        + r"(?![A-Za-z0-9])",
                        re.I,
                    ),
                    "postcode",
                )
            )
    if address:
        first_line = address.split(",")[0].strip()
        words = re.findall(r"[\w'’]+", first_line)
        if len(words) >= 2 or (words and any(c.isdigit() for c in words[0])):
            parts = []
            for word in words:
                alternatives = [re.escape(word)]
                abbreviation = _STREET_ABBREVIATIONS.get(word.lower())
                if abbreviation:
                    alternatives.extend(abbreviation.split("|"))
                parts.append("(?:" + "|".join(alternatives) + r")\.?")
            patterns.append(
                (
                    "REPORTER_ADDRESS",
                    re.compile(r"\b" + r"[\s,]+".join(parts) + r"(?!\w)", re.I),
                    "address",
                )
            )
    if name:
        tokens = [t for t in re.findall(r"[\w'’\-]+", name) if t.lower() not in _TITLES]
        if len(tokens) >= 2:
            patterns.append(
                (
                    "REPORTER_NAME",
                    re.compile(r"\b" + r"\s+".join(map(re.escape, tokens)) + r"\b", re.I),
                    "name",
                )
            )
        for token in tokens:
            if len(token) < 2:
                continue
            # Single name words must look like a name: capitalised (or all capitals).
            head, tail = token[0], token[1:]
            patterns.append(
                (
                    "REPORTER_NAME",
                    re.compile(
                        r"(?<![\w'’\-])(?:"
                        + re.escape(head.upper())
                        + "(?i:"
                        + re.escape(tail)
                        + r"))(?![\w'’\-])"
                    ),
                    "name",
                )
            )
            patterns.append(
                (
                    "REPORTER_NAME_LOWER",
                    re.compile(r"(?<![\w'’\-])" + re.escape(token) + r"(?![\w'’\-])", re.I),
                    "name",
                )
            )
    return patterns


class ReporterRecognizer(EntityRecognizer):
    """The reporter's own details (the form's optional contact fields) wherever they appear:
    phone, e-mail and postcode whatever the spacing or case, the first line of the address,
    the full name and each name word."""

    def __init__(self, patterns: Sequence[tuple[str, re.Pattern[str], str]]) -> None:
        self.patterns = tuple(patterns)
        entities = sorted({e.replace("_LOWER", "") for e, _, _ in self.patterns}) or ["PHONE"]
        super().__init__(supported_entities=entities, name="BeaconReporter")

    def load(self) -> None:
        """Nothing to load."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        lower_text = text == text.lower()
        for entity, pattern, what in self.patterns:
            if entity == "REPORTER_NAME_LOWER":
                if not lower_text:
                    continue
                entity = "REPORTER_NAME"
            for match in pattern.finditer(text):
                results.append(
                    make_result(
                        self,
                        entity,
                        match.start(),
                        match.end(),
                        1.0,
                        f"matches the reporter's {what}",
                        **{REPORTER_KEY: True},
                    )
                )
        return results
