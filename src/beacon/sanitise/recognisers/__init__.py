"""Beacon's own Presidio recognisers for UK resident reports, one module per family.

Each recogniser is a Presidio ``EntityRecognizer`` whose rules are precompiled regular
expressions plus a check that sees the whole text (checksums, context words), so a rule can
accept a weak form only when the words around it say what it is (a 3-3-4 number that fails the
NHS checksum next to "NHS", a dateless registration after "reg"). Results carry Beacon's type
names (``PHONE``, ``POSTCODE``...) and a short human reason in their recognition metadata.

- ``base``: result metadata, digit windows, ``Rule`` and ``RuleRecognizer``;
- ``presidio``: Presidio's own recognisers behind cheap gates;
- ``contact``: phone numbers, e-mail, handles, web addresses, dates of birth; ``ownership``:
  why a contact detail nobody claims may be someone else's (flagged, not redacted);
- ``identity``: postcodes, NINO, NHS numbers, vehicle registrations;
- ``self_reference``: where reporters identify themselves in running text (their address,
  exact position next to the subject, a role or trait nobody else round there has), with
  ``traits`` (traits said in passing: "as the lady with the scooter ...", ", only one round
  here"), ``neighbours`` (the subject placed from the reporter's home: "the lad next door"),
  ``clauses`` (where such a statement stops), ``situations`` (a reporter saying their
  description gives them away, dialect "am the ...", a former office, where to write to them;
  with ``duties``: a duty at a named place, a role after an introduction, a home nobody else
  has) and ``vocabulary`` (the word lists);
- ``signature``: the names reporters give (introductions, sign-offs, form fields),
  professional signature blocks and, with ``staff_id``, staff or officer numbers; ``names``
  (what a name looks like), ``forms`` (form fields and sections), ``attribution`` (by-lines
  and sign-offs at the end of run-on texts) and ``openings`` (names opening a text after any
  interjection, in lower case, or before who the reporter is) serve it;
- ``reporter``: the details the reporter typed into the form's optional contact fields;
- ``second_look`` (with ``second_look_base`` and ``second_look_staff``): broad patterns that
  only flag, which ``detect.Sanitiser`` adds where no recogniser found anything.

Only the standard library ``re`` is used: the patterns are simple and it is faster than
``regex`` for them. Everything public is re-exported here, so ``from
beacon.sanitise.recognisers import X`` works whichever module defines ``X``.
"""

from __future__ import annotations

from beacon.sanitise.recognisers.base import (
    ACTION_KEY,
    OFFLINE_TLD,
    REASON_KEY,
    REPORTER_KEY,
    Rule,
    RuleRecognizer,
    Verdict,
    after,
    before,
    digit_windows,
    has_public_suffix,
    make_result,
    quoted,
)
from beacon.sanitise.recognisers.clauses import clause_end, statement_end
from beacon.sanitise.recognisers.contact import (
    DOB_RE,
    EMAIL_OBFUSCATED_RE,
    EMAIL_RE,
    HANDLE_RE,
    PHONE_RE,
    URL_RE,
    BeaconEmailRecognizer,
    DateOfBirthRecognizer,
    SocialHandleRecognizer,
    UkPhoneRecognizer,
    UrlRecognizer,
    normalise_phone,
    organisation_address,
)
from beacon.sanitise.recognisers.identity import (
    NHS_RE,
    NINO_RE,
    POSTCODE_RE,
    NhsNumberRecognizer,
    UkNinoStrongRecognizer,
    UkPostcodeStrongRecognizer,
    UkVrmRecognizer,
    nhs_checksum_ok,
    normalise_postcode,
    plausible_vrm,
    valid_outward,
)
from beacon.sanitise.recognisers.ownership import subject_contact
from beacon.sanitise.recognisers.presidio import (
    ForeignPhoneRecognizer,
    OfflineEmailRecognizer,
    PresidioCreditCard,
    PresidioNhs,
    PresidioUkDrivingLicence,
    PresidioUkNino,
    PresidioUkPassport,
    PresidioUkPostcode,
    PresidioUkVehicleRegistration,
)
from beacon.sanitise.recognisers.reporter import ReporterRecognizer, reporter_patterns
from beacon.sanitise.recognisers.self_reference import SelfReferenceRecognizer
from beacon.sanitise.recognisers.signature import SignOffRecognizer, name_ok, section_owner

__all__ = [
    "ACTION_KEY",
    "DOB_RE",
    "EMAIL_OBFUSCATED_RE",
    "EMAIL_RE",
    "HANDLE_RE",
    "NHS_RE",
    "NINO_RE",
    "OFFLINE_TLD",
    "PHONE_RE",
    "POSTCODE_RE",
    "REASON_KEY",
    "REPORTER_KEY",
    "URL_RE",
    "BeaconEmailRecognizer",
    "DateOfBirthRecognizer",
    "ForeignPhoneRecognizer",
    "NhsNumberRecognizer",
    "OfflineEmailRecognizer",
    "PresidioCreditCard",
    "PresidioNhs",
    "PresidioUkDrivingLicence",
    "PresidioUkNino",
    "PresidioUkPassport",
    "PresidioUkPostcode",
    "PresidioUkVehicleRegistration",
    "ReporterRecognizer",
    "Rule",
    "RuleRecognizer",
    "SelfReferenceRecognizer",
    "SignOffRecognizer",
    "SocialHandleRecognizer",
    "UkNinoStrongRecognizer",
    "UkPhoneRecognizer",
    "UkPostcodeStrongRecognizer",
    "UkVrmRecognizer",
    "UrlRecognizer",
    "Verdict",
    "after",
    "before",
    "clause_end",
    "digit_windows",
    "has_public_suffix",
    "make_result",
    "name_ok",
    "nhs_checksum_ok",
    "normalise_phone",
    "normalise_postcode",
    "organisation_address",
    "plausible_vrm",
    "quoted",
    "reporter_patterns",
    "section_owner",
    "statement_end",
    "subject_contact",
    "valid_outward",
]
