"""Presidio's own recognisers, each behind a cheap gate (and, for the digit-based ones, run
only over the text's digit windows)."""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import cast

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    NhsRecognizer,
    PhoneRecognizer,
    UkDrivingLicenceRecognizer,
    UkNinoRecognizer,
    UkPassportRecognizer,
    UkPostcodeRecognizer,
    UkVehicleRegistrationRecognizer,
)

from beacon.sanitise.recognisers.base import OFFLINE_TLD, digit_windows

# --------------------------------------------------------------------------------------------
# Presidio's own recognisers, each behind a cheap gate
# --------------------------------------------------------------------------------------------


class _Gated:
    """Runs a Presidio recogniser only when a cheap test says its entity could be in the text
    (a substring of the lower-cased text, or a pattern starting with a digit, which the regex
    engine scans for quickly). The recogniser itself is unchanged."""

    gate: str | re.Pattern[str]

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        gate = self.gate
        if isinstance(gate, str):
            if gate not in text.lower():
                return []
        elif gate.search(text) is None:
            return []
        results: list[RecognizerResult] = super().analyze(  # type: ignore[misc]
            text, entities, nlp_artifacts
        )
        return results


class _DigitWindowed:
    """Runs a Presidio pattern recogniser once over the text's digit windows joined by NUL
    (no pattern matches NUL or crosses it: ``\\s``, ``[- ]`` and ``\\w`` exclude it), then maps
    the offsets back. The recogniser sees every identifier that contains a digit, in well
    under half of a typical text."""

    SEPARATOR = "\x00"

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        windows = digit_windows(text)
        if not windows:
            return []
        starts: list[int] = []  # where each window starts in the joined text
        position = 0
        for lo, hi in windows:
            starts.append(position)
            position += hi - lo + 1
        joined = self.SEPARATOR.join(text[lo:hi] for lo, hi in windows)
        results: list[RecognizerResult] = super().analyze(  # type: ignore[misc]
            joined, entities, nlp_artifacts
        )
        mapped: list[RecognizerResult] = []
        for result in results:
            index = bisect_right(starts, result.start) - 1
            lo, hi = windows[index]
            start = lo + result.start - starts[index]
            end = lo + result.end - starts[index]
            if end <= hi:
                result.start, result.end = start, end
                mapped.append(result)
        return mapped


class OfflineEmailRecognizer(_Gated, EmailRecognizer):  # type: ignore[misc]
    """Presidio's e-mail recogniser, validated against tldextract's bundled suffix list."""

    gate = "@"

    def validate_result(self, pattern_text: str) -> bool:
        return bool(OFFLINE_TLD(pattern_text).fqdn)


class PresidioUkPostcode(_DigitWindowed, _Gated, UkPostcodeRecognizer):  # type: ignore[misc]
    gate = re.compile(r"\d[ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2}(?![A-Za-z0-9])")


class PresidioUkNino(_DigitWindowed, _Gated, UkNinoRecognizer):  # type: ignore[misc]
    gate = re.compile(r"\d\d[ \t]?\d\d[ \t]?\d\d")


class PresidioNhs(_DigitWindowed, _Gated, NhsRecognizer):  # type: ignore[misc]
    gate = re.compile(r"\d{3}[ \-]?\d{3}[ \-]?\d{4}")


class PresidioUkVehicleRegistration(_DigitWindowed, _Gated, UkVehicleRegistrationRecognizer):  # type: ignore[misc]
    gate = re.compile(r"\d[ \-]?[A-Z]")

    def __init__(self) -> None:
        super().__init__()
        self.global_regex_flags = re.DOTALL | re.MULTILINE  # case-sensitive: not "M62 and"


class PresidioUkDrivingLicence(_DigitWindowed, _Gated, UkDrivingLicenceRecognizer):  # type: ignore[misc]
    gate = re.compile(r"\d[A-Z9]{2}[A-Z0-9][A-Z]{2}")

    def __init__(self) -> None:
        super().__init__()
        self.global_regex_flags = re.DOTALL | re.MULTILINE


class PresidioUkPassport(_Gated, UkPassportRecognizer):  # type: ignore[misc]
    gate = "passport"

    def __init__(self) -> None:
        super().__init__()
        self.global_regex_flags = re.DOTALL | re.MULTILINE


class PresidioCreditCard(_DigitWindowed, _Gated, CreditCardRecognizer):  # type: ignore[misc]
    gate = re.compile(r"\d{4}[ \-]?\d{3,4}[ \-]?\d{3,4}")


# A number in international format that is not +44: only then is `phonenumbers` needed.
_FOREIGN_PREFIX_RE = re.compile(r"(?:\+|\b00)[ \t]?(?!44)[1-9]\d{0,2}[ \t\-.]?\(?\d{2}")


class ForeignPhoneRecognizer(PhoneRecognizer):
    """Presidio's ``phonenumbers`` recogniser, run only on texts with a non-UK international
    number (+48 ..., 0033 ...): Beacon's own recogniser covers every UK form, including the
    drama ranges ``phonenumbers`` rejects, and ``phonenumbers`` is the slowest recogniser."""

    def __init__(self) -> None:
        super().__init__(supported_regions=("GB",), name="PresidioPhoneForeign")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if _FOREIGN_PREFIX_RE.search(text) is None:
            return []
        results: list[RecognizerResult] = super().analyze(
            text, entities, cast(NlpArtifacts, nlp_artifacts)
        )
        return results
