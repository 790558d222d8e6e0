"""Automatic pre-sanitisation of resident intelligence reports.

Before a report is shown to staff, Beacon finds what could identify the REPORTER (their name,
signature, staff number and contact details, identity numbers, where they live relative to
the subject, a trait or role nobody else round there has) and redacts it, and flags the
details about other people (a suspect's phone, car, postcode), which are the intelligence
itself and stay in place. Ordinary first-person mentions ("my son", "our street", "outside
my house") do not identify anyone and are not reported (issue 11).

Detection is Microsoft Presidio's ``AnalyzerEngine`` with its no-op NLP engine (no spaCy model
is loaded or downloaded) and an explicit registry: Presidio's UK recognisers (postcode, NINO,
NHS number, vehicle registration, driving licence, passport; all off by default), its e-mail
recogniser (validated against tldextract's bundled suffix list, never the network), its
``phonenumbers`` recogniser (for numbers from abroad) and its card-number recogniser, plus
Beacon's own in the ``recognisers`` package (UK phone numbers including Ofcom's drama ranges,
stricter postcodes, NINO, NHS with checksum, registrations, e-mail, handles, URLs, dates of
birth, self-references, names, signatures and staff numbers, the reporter's details).
Presidio's context enhancers need tokens the no-op engine does not make, so they are replaced
by no-ops and Beacon applies the rules below.

Rules, in order:

1. The reporter's own details (``ReporterDetails``) are found wherever they appear (phone,
   e-mail and postcode whatever the spacing or case; the first line of the address; the full
   name, and each name word when capitalised or when the whole text is lower case) and are
   always redacted.
2. ``NINO``, ``NHS_NUMBER``, ``CARD_NUMBER``, ``DRIVING_LICENCE``, ``PASSPORT``,
   ``REPORTER_NAME``, ``REPORTER_ADDRESS``, ``SELF_REFERENCE``, ``SIGNATURE`` and
   ``STAFF_ID`` are redacted, except that a recogniser unsure whose a detail is marks it to be
   flagged for the human sanitiser instead (a cue that also says where the subject lives, "the
   flat above mine", "I visit the old lady at 4 Canal Row"; a span that may name someone else;
   a name alone on the last line or after a closing at the end of a run-on text; a bare
   "Name:" field in a form that does not say whose; a sign-off in quoted material; a
   registration or licence number with no one else named before it).
3. Contact details (``PHONE``, ``EMAIL``, ``SOCIAL_HANDLE``, ``URL``): the cue word nearest the
   detail in the same sentence decides, looking first before it (up to 80 characters), then
   after it (up to 60). First-person cues ("my number", "call me on", "I'm on", "contact me",
   "(mine)") mean redact; third-party cues ("his number", "the dealer's phone", "they use",
   "gives out", "text this number to buy", "got a text from", "scam", "I rang the council
   on") mean flag. No cue: redact when the reporter's own name, signature or a
   self-reference is within 150 characters (a sign-off block), otherwise flag: a number nobody
   claims may be the reporter's or the subject's, and removing the subject's would remove the
   intelligence, so the human sanitiser decides. A detail continuing a flagged one
   just before it ("... also a second phone X") is flagged too, and so is one on an e-mail's
   To/Cc line or in quoted material (a "> " line of a forwarded message, or a message the
   reporter copies in quotes), whose owner the human sanitiser judges, and so is a machine's
   or an organisation's sender address ("noreply@...", a From: line naming a team or a
   Neighbourhood Watch). Numbers read out in
   words in voice-to-text transcripts ("oh seven seven double oh nine ...") are phone numbers.
4. ``VEHICLE_REGISTRATION``: redact after a first-person vehicle cue ("my car", "our van",
   "my reg") within 40 characters, otherwise flag.
5. ``POSTCODE``: redact when a self-reference is within 100 characters either side, or a
   first-person cue ("my postcode", "our address", "I live") comes before it in the sentence;
   otherwise flag.
6. ``DATE_OF_BIRTH``: flag after a third-party cue ("his DOB") or a person's name ("Mr Stephen
   Crabtree (DOB ..."), otherwise redact.
7. Overlaps. Findings other than self-references are chosen greedily: longest first, then one
   that matches the reporter's details, then redact before flag, then higher score; one that
   overlaps a chosen finding is dropped. Overlapping self-references are merged, then cut short
   before the first other finding inside them, so "I live at 14 Acacia Avenue, LS6 2AB" gives
   a self-reference and a postcode, each with its own type.
8. The learnt reader (``learnt.py``, a CRF trained on the self-identification sets) reads the
   sentences that say "I"/"my"/"we", short first and last lines and form fields, and flags
   (never redacts) a stretch it judges self-identifying where no finding above overlaps it.

Whose a contact detail or other owned detail is (rules 3-6) is decided in ``cues.py``.

``Sanitiser.redact`` replaces each redact finding with ``[TYPE REMOVED]`` (``[PHONE REMOVED]``,
``[SELF REFERENCE REMOVED]``) using presidio-anonymizer's ``AnonymizerEngine``; flags stay.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine, NlpEngineProvider
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig
from presidio_anonymizer.entities import RecognizerResult as AnonymizerResult

from beacon.sanitise.cues import (
    FIRST_PERSON_POSTCODE_RE,
    FIRST_PERSON_VEHICLE_RE,
    NAMED_DOB_RE,
    NO_CUE,
    PASSPORT_CONTEXT_RE,
    REPORTER_NEIGHBOURHOOD,
    THIRD_PARTY_DOB_RE,
    Action,
    contact_action,
    sentence_left,
)
from beacon.sanitise.learnt import SelfIdTagger, get_tagger
from beacon.sanitise.recognisers import (
    ACTION_KEY,
    REASON_KEY,
    REPORTER_KEY,
    BeaconEmailRecognizer,
    DateOfBirthRecognizer,
    ForeignPhoneRecognizer,
    NhsNumberRecognizer,
    OfflineEmailRecognizer,
    PresidioCreditCard,
    PresidioNhs,
    PresidioUkDrivingLicence,
    PresidioUkNino,
    PresidioUkPassport,
    PresidioUkPostcode,
    PresidioUkVehicleRegistration,
    ReporterRecognizer,
    SelfReferenceRecognizer,
    SignOffRecognizer,
    SocialHandleRecognizer,
    UkNinoStrongRecognizer,
    UkPhoneRecognizer,
    UkPostcodeStrongRecognizer,
    UkVrmRecognizer,
    UrlRecognizer,
    normalise_postcode,
    plausible_vrm,
    reporter_patterns,
)
from beacon.sanitise.recognisers.second_look import second_look

FINDING_TYPES = (
    "PHONE",
    "EMAIL",
    "POSTCODE",
    "NINO",
    "NHS_NUMBER",
    "VEHICLE_REGISTRATION",
    "SELF_REFERENCE",
    "REPORTER_NAME",
    "REPORTER_ADDRESS",
    "SOCIAL_HANDLE",
    "URL",
    "DATE_OF_BIRTH",
    "CARD_NUMBER",
    "DRIVING_LICENCE",
    "PASSPORT",
    "SIGNATURE",
    "STAFF_ID",
)


def placeholder(kind: str) -> str:
    """What replaces a redacted finding: ``[PHONE REMOVED]``, ``[NHS NUMBER REMOVED]``..."""
    return f"[{kind.replace('_', ' ')} REMOVED]"


# Presidio's entity names -> Beacon's finding types.
PRESIDIO_TYPES = {
    "PHONE_NUMBER": "PHONE",
    "EMAIL_ADDRESS": "EMAIL",
    "UK_POSTCODE": "POSTCODE",
    "UK_NINO": "NINO",
    "UK_NHS": "NHS_NUMBER",
    "UK_VEHICLE_REGISTRATION": "VEHICLE_REGISTRATION",
    "CREDIT_CARD": "CARD_NUMBER",
    "UK_DRIVING_LICENCE": "DRIVING_LICENCE",
    "UK_PASSPORT": "PASSPORT",
}

ALWAYS_REDACT = frozenset(
    {
        "NINO",
        "NHS_NUMBER",
        "CARD_NUMBER",
        "DRIVING_LICENCE",
        "PASSPORT",
        "REPORTER_NAME",
        "REPORTER_ADDRESS",
        "SELF_REFERENCE",
        "SIGNATURE",
        "STAFF_ID",
    }
)
CONTACT_TYPES = frozenset({"PHONE", "EMAIL", "SOCIAL_HANDLE", "URL"})
# Findings about the reporter whatever their action, and the types whose redaction means the
# sanitiser judged the detail to be the reporter's own (a flag means someone else's).
SELF_TYPES = frozenset(
    {"SELF_REFERENCE", "REPORTER_NAME", "REPORTER_ADDRESS", "SIGNATURE", "STAFF_ID"}
)
OWNED_TYPES = CONTACT_TYPES | {"POSTCODE", "VEHICLE_REGISTRATION", "DATE_OF_BIRTH"}


@dataclass(frozen=True)
class Finding:
    start: int  # character offsets into the text
    end: int
    type: str  # one of FINDING_TYPES
    text: str  # text[start:end]
    score: float
    action: Action
    reason: str  # short human explanation, e.g. "first-person context: 'call me on'"


def about_reporter(finding: Finding) -> bool:
    """Whether the finding says something about the reporter (rather than about others):
    its type is about the reporter, or the sanitiser redacted a contact detail, postcode,
    registration or date of birth as the reporter's own. Used by the self-identification
    evaluation (``evaluate_selfid.py``)."""
    return finding.type in SELF_TYPES or (
        finding.type in OWNED_TYPES and finding.action == "redact"
    )


@dataclass(frozen=True)
class ReporterDetails:
    """What the reporter chose to tell us about themselves (optional contact fields)."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    postcode: str | None = None

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> ReporterDetails:
        """Build from a JSON object; unknown keys are ignored, values must be strings."""
        values: dict[str, str | None] = {}
        for key in ("name", "email", "phone", "address", "postcode"):
            value = data.get(key)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"reporter field {key!r} must be a string")
            values[key] = value.strip() if value and value.strip() else None
        return cls(**values)

    def is_empty(self) -> bool:
        return not any((self.name, self.email, self.phone, self.address, self.postcode))


# --------------------------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------------------------


class _NoContextEnhancer(ContextAwareEnhancer):
    """Presidio's lemma enhancer needs tokens the no-op NLP engine does not produce."""

    def __init__(self) -> None:
        super().__init__(
            context_similarity_factor=0.0,
            min_score_with_context_similarity=0.0,
            context_prefix_count=0,
            context_suffix_count=0,
        )

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        return raw_results


class _BeaconAnalyzerEngine(AnalyzerEngine):
    """Presidio's engine without its per-recogniser context pass: none of the registered
    recognisers enhances with context (that needs tokens the no-op NLP engine does not make),
    and the pass costs a scan of every result per recogniser. Beacon applies its own context
    rules after analysis."""

    def _enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        return raw_results


def build_nlp_engine() -> NlpEngine:
    """Presidio's no-op NLP engine: no spaCy model is loaded, downloaded or needed."""
    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "no_op",
            "models": [{"lang_code": "en", "model_name": "no_model"}],
        }
    )
    return provider.create_engine()


def build_recognizers() -> list[EntityRecognizer]:
    """Every recogniser the sanitiser runs, registered explicitly (none of Presidio's
    defaults are loaded)."""
    return [
        # Presidio's own (its UK recognisers are disabled by default: registered here), each
        # behind a cheap gate.
        PresidioUkPostcode(),
        PresidioUkNino(),
        PresidioNhs(),
        PresidioUkVehicleRegistration(),
        PresidioUkDrivingLicence(),
        PresidioUkPassport(),
        OfflineEmailRecognizer(),
        ForeignPhoneRecognizer(),
        PresidioCreditCard(),
        # Beacon's.
        UkPhoneRecognizer(),
        UkPostcodeStrongRecognizer(),
        UkNinoStrongRecognizer(),
        NhsNumberRecognizer(),
        UkVrmRecognizer(),
        BeaconEmailRecognizer(),
        SocialHandleRecognizer(),
        UrlRecognizer(),
        DateOfBirthRecognizer(),
        SelfReferenceRecognizer(),
        SignOffRecognizer(),
    ]


@dataclass
class _Candidate:
    start: int
    end: int
    type: str
    score: float
    reason: str
    reporter: bool
    action: Action = "redact"
    forced: Action | None = None  # a recogniser unsure whose the detail is asks for a flag


def _near_reporter(
    candidate: _Candidate, selves: Sequence[_Candidate], others: Sequence[_Candidate]
) -> bool:
    """Whether a redacted finding about the reporter (their name, signature, staff number or a
    self-reference) lies within ``REPORTER_NEIGHBOURHOOD`` characters of the candidate."""
    near = [
        c
        for c in (*selves, *others)
        if c is not candidate
        and c.type in SELF_TYPES
        and (c.reporter or (c.forced is None and c.action == "redact"))
    ]
    if any(
        c.start - REPORTER_NEIGHBOURHOOD <= candidate.end
        and candidate.start <= c.end + REPORTER_NEIGHBOURHOOD
        for c in near
    ):
        return True
    # A sign-off name the recogniser was unsure of, with the number straight after it
    # ("cheers Kev 07700 900577"): a sign-off gives the writer's own number.
    return any(
        c.type in {"REPORTER_NAME", "SIGNATURE"} and 0 <= candidate.start - c.end <= 40
        for c in others
    )


@lru_cache(maxsize=32)  # small: it holds reporters' contact details in memory
def _reporter_recognizer(details: ReporterDetails) -> ReporterRecognizer | None:
    patterns = reporter_patterns(
        details.name, details.email, details.phone, details.address, details.postcode
    )
    return ReporterRecognizer(patterns) if patterns else None


class Sanitiser:
    """Finds what identifies a reporter in their text, and redacts it."""

    def __init__(self, *, with_learnt: bool = True) -> None:
        registry = RecognizerRegistry(recognizers=build_recognizers(), supported_languages=["en"])
        self.analyzer = _BeaconAnalyzerEngine(
            registry=registry,
            nlp_engine=build_nlp_engine(),
            supported_languages=["en"],
            context_aware_enhancer=_NoContextEnhancer(),
        )
        self.anonymizer = AnonymizerEngine()
        # Fails loudly when the model is missing: no silent fallback to the rules alone.
        # (``with_learnt=False`` only for training it.)
        self.tagger: SelfIdTagger | None = get_tagger() if with_learnt else None

    # -- analysis ---------------------------------------------------------------------------

    def analyse(
        self, text: str, reporter: ReporterDetails | None = None, *, learnt: bool = True
    ) -> list[Finding]:
        """Non-overlapping findings sorted by start. ``learnt=False`` leaves out the learnt
        second reader's flags (``learnt.py``; used to cross-validate it)."""
        if not text.strip():
            return []
        ad_hoc: list[EntityRecognizer] | None = None
        if reporter is not None and not reporter.is_empty():
            recognizer = _reporter_recognizer(reporter)
            ad_hoc = [recognizer] if recognizer is not None else None
        raw = self.analyzer.analyze(text=text, language="en", ad_hoc_recognizers=ad_hoc)
        candidates = self._candidates(text, raw)
        selves = _merge([c for c in candidates if c.type == "SELF_REFERENCE"])
        others = [c for c in candidates if c.type != "SELF_REFERENCE"]
        previous: tuple[int, Action] | None = None
        for candidate in sorted(others, key=lambda c: (c.start, -c.end)):
            self._decide(text, candidate, selves, previous, others)
            if candidate.type in CONTACT_TYPES and not candidate.reporter:
                previous = (candidate.end, candidate.action)
        chosen = _resolve(others)
        findings = [_finding(text, c) for c in chosen]
        findings.extend(_finding(text, c) for c in _cut_self_references(text, selves, chosen))
        findings.extend(_second_look_flags(text, findings))
        if learnt and self.tagger is not None:
            findings.extend(self._learnt_flags(text, findings, self.tagger))
        findings.sort(key=lambda f: (f.start, f.end))
        return findings

    @staticmethod
    def _learnt_flags(
        text: str, findings: Sequence[Finding], tagger: SelfIdTagger
    ) -> list[Finding]:
        """The learnt reader's spans where no rule found anything, as flags (never redacted:
        a guess must not remove the subject's details)."""
        out = []
        for span in tagger.spans(text):
            if any(f.start < span.end and span.start < f.end for f in findings):
                continue
            out.append(
                Finding(
                    start=span.start,
                    end=span.end,
                    type="SELF_REFERENCE",
                    text=text[span.start : span.end],
                    score=round(span.probability, 3),
                    action="flag",
                    reason=(
                        f"may identify the reporter (learnt reader, {span.probability:.2f}): "
                        "for the human sanitiser to decide"
                    ),
                )
            )
        return out

    def _candidates(self, text: str, raw: list[RecognizerResult]) -> list[_Candidate]:
        out: list[_Candidate] = []
        for result in raw:
            kind = PRESIDIO_TYPES.get(result.entity_type, result.entity_type)
            if kind not in FINDING_TYPES or result.score <= 0:
                continue
            metadata = result.recognition_metadata or {}
            start, end = result.start, result.end
            if start >= end:
                continue
            surface = text[start:end]
            reason = metadata.get(REASON_KEY)
            if reason is None:
                # One of Presidio's own recognisers: apply Beacon's checks to its weak forms.
                if kind == "POSTCODE" and normalise_postcode(surface) is None:
                    continue
                if kind == "VEHICLE_REGISTRATION" and not plausible_vrm(surface, text, start, end):
                    continue
                if kind == "PASSPORT" and not PASSPORT_CONTEXT_RE.search(
                    text[max(0, start - 40) : start]
                ):
                    continue
                reason = f"{kind.replace('_', ' ').lower()} ({metadata.get('recognizer_name')})"
            forced = metadata.get(ACTION_KEY)
            out.append(
                _Candidate(
                    start=start,
                    end=end,
                    type=kind,
                    score=float(result.score),
                    reason=str(reason),
                    reporter=bool(metadata.get(REPORTER_KEY)),
                    action="flag" if forced == "flag" else "redact",
                    forced="flag" if forced == "flag" else None,
                )
            )
        return out

    @staticmethod
    def _decide(
        text: str,
        candidate: _Candidate,
        selves: list[_Candidate],
        previous: tuple[int, Action] | None = None,
        others: Sequence[_Candidate] = (),
    ) -> None:
        """Set the candidate's action and reason from the rules in the module docstring."""
        kind, start, end = candidate.type, candidate.start, candidate.end
        if candidate.reporter:
            candidate.action = "redact"
            return
        if candidate.forced is not None:
            candidate.action = candidate.forced
            candidate.reason = f"{candidate.reason}: for the human sanitiser to decide"
            return
        if kind in ALWAYS_REDACT:
            candidate.action = "redact"
            candidate.reason = f"{candidate.reason}: always redacted"
            return
        if kind in CONTACT_TYPES:
            candidate.action, candidate.reason = contact_action(text, start, end, previous)
            if candidate.reason == NO_CUE and _near_reporter(candidate, selves, others):
                candidate.action = "redact"
                candidate.reason = "no cue, beside the reporter's own details"
            return
        if kind == "VEHICLE_REGISTRATION":
            cue = FIRST_PERSON_VEHICLE_RE.search(text[max(0, start - 40) : start])
            if cue is not None:
                candidate.action = "redact"
                candidate.reason = f"first-person context: '{_cue_words(cue.group(0))}'"
            else:
                candidate.action = "flag"
                candidate.reason = "vehicle with no first-person cue"
            return
        if kind == "POSTCODE":
            near = any(
                s.start - 100 <= end and start <= s.end + 100
                for s in selves
                if s.action == "redact"
            )
            cue = FIRST_PERSON_POSTCODE_RE.search(sentence_left(text, start, 60))
            if near or cue is not None:
                candidate.action = "redact"
                candidate.reason = (
                    "postcode near a self-reference"
                    if near
                    else f"first-person context: '{_cue_words(cue.group(0) if cue else '')}'"
                )
            else:
                candidate.action = "flag"
                candidate.reason = "postcode with no self-reference nearby"
            return
        if kind == "DATE_OF_BIRTH":
            left = text[max(0, start - 40) : start]
            third = THIRD_PARTY_DOB_RE.search(left) or NAMED_DOB_RE.search(left)
            candidate.action = "flag" if third else "redact"
            candidate.reason = (
                f"third-party date of birth: '{third.group(0).strip()}'"
                if third
                else "date of birth, no third-party cue"
            )
            return
        candidate.action = "redact"

    # -- redaction --------------------------------------------------------------------------

    def redact(self, text: str, findings: Iterable[Finding]) -> str:
        """Replace every finding with action == "redact" by a placeholder like
        "[PHONE REMOVED]"; flags are left in place."""
        results = []
        for finding in findings:
            if finding.action != "redact":
                continue
            if not (0 <= finding.start < finding.end <= len(text)) or (
                text[finding.start : finding.end] != finding.text
            ):
                raise ValueError(
                    f"finding {finding.type} at {finding.start}-{finding.end} does not match "
                    "the text"
                )
            results.append(
                AnonymizerResult(
                    entity_type=finding.type,
                    start=finding.start,
                    end=finding.end,
                    score=finding.score,
                )
            )
        if not results:
            return text
        operators = {
            kind: OperatorConfig("replace", {"new_value": placeholder(kind)})
            for kind in {r.entity_type for r in results}
        }
        engine_result = self.anonymizer.anonymize(
            text=text,
            analyzer_results=results,
            operators=operators,
            merge_entities_with_spaces=False,
        )
        return str(engine_result.text)


def _cue_words(value: str) -> str:
    return " ".join(value.split()[:4])


def _merge(selves: list[_Candidate]) -> list[_Candidate]:
    merged: list[_Candidate] = []
    for candidate in sorted(selves, key=lambda c: (c.start, -c.end)):
        if merged and candidate.start < merged[-1].end:
            last = merged[-1]
            last.end = max(last.end, candidate.end)
            last.score = max(last.score, candidate.score)
            if candidate.action == "redact" and last.action != "redact":
                # Part of it certainly identifies the reporter: the whole is redacted.
                last.action, last.reason = "redact", candidate.reason
            continue
        merged.append(
            _Candidate(
                candidate.start,
                candidate.end,
                candidate.type,
                candidate.score,
                candidate.reason,
                candidate.reporter,
                candidate.action,
                candidate.forced,
            )
        )
    return merged


def _resolve(candidates: list[_Candidate]) -> list[_Candidate]:
    ordered = sorted(
        candidates,
        key=lambda c: (
            -(c.end - c.start),
            not c.reporter,
            c.action != "redact",
            -c.score,
            c.start,
        ),
    )
    chosen: list[_Candidate] = []
    for candidate in ordered:
        if any(candidate.start < c.end and c.start < candidate.end for c in chosen):
            continue
        chosen.append(candidate)
    return chosen


def _cut_self_references(
    text: str, selves: list[_Candidate], chosen: list[_Candidate]
) -> list[_Candidate]:
    """Keep each self-reference's part before the first other finding inside it (or after
    the last one, when the self-reference starts with it)."""
    out: list[_Candidate] = []
    for self_ref in selves:
        inside = sorted(
            (c for c in chosen if c.start < self_ref.end and self_ref.start < c.end),
            key=lambda c: c.start,
        )
        start, end = self_ref.start, self_ref.end
        if inside:
            first = inside[0]
            if first.start > start and _meaningful(text[start : first.start]):
                end = first.start
            else:
                start = max(c.end for c in inside)
                following = [c for c in chosen if c.start >= start and c.start < end]
                if following:
                    end = min(c.start for c in following)
        start, end = _strip(text, start, end)
        if end - start >= 2 and _meaningful(text[start:end]):
            out.append(
                _Candidate(
                    start,
                    end,
                    "SELF_REFERENCE",
                    self_ref.score,
                    self_ref.reason,
                    False,
                    self_ref.action,
                )
            )
    return out


def _meaningful(fragment: str) -> bool:
    return sum(ch.isalnum() for ch in fragment) >= 2


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:-–(/"):
        end -= 1
    while start < end and (text[start].isspace() or text[start] in ",;:-–)/."):
        start += 1
    return start, end


def _second_look_flags(text: str, findings: Sequence[Finding]) -> list[Finding]:
    """The broad patterns of ``recognisers.second_look``, flagged where no finding (nor an
    earlier second look) overlaps them."""
    name_ends = [f.end for f in findings if f.type == "REPORTER_NAME"]
    taken = [(f.start, f.end) for f in findings]
    out: list[Finding] = []
    for look in sorted(second_look(text, name_ends), key=lambda k: (k.start, -k.end)):
        if any(s < look.end and look.start < e for s, e in taken):
            continue
        taken.append((look.start, look.end))
        out.append(
            Finding(
                start=look.start,
                end=look.end,
                type=look.type,
                text=text[look.start : look.end],
                score=0.5,
                action="flag",
                reason=f"{look.reason} (second look): for the human sanitiser to decide",
            )
        )
    return out


def _finding(text: str, candidate: _Candidate) -> Finding:
    return Finding(
        start=candidate.start,
        end=candidate.end,
        type=candidate.type,
        text=text[candidate.start : candidate.end],
        score=round(candidate.score, 3),
        action=candidate.action,
        reason=candidate.reason,
    )


_LOCK = threading.Lock()
_INSTANCE: Sanitiser | None = None


def get_sanitiser() -> Sanitiser:
    """The process-wide sanitiser (building the engine takes a moment)."""
    global _INSTANCE
    if _INSTANCE is None:
        with _LOCK:
            if _INSTANCE is None:
                _INSTANCE = Sanitiser()
    return _INSTANCE
