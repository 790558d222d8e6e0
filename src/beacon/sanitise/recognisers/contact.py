"""Contact details and dates of birth: UK phone numbers (drama ranges included), e-mail
addresses (plain and written with 'at'/'dot'), social media handles, web addresses, dates of
birth."""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from beacon.sanitise.recognisers.base import Rule, RuleRecognizer, Verdict, has_public_suffix

# --------------------------------------------------------------------------------------------
# Phone numbers
# --------------------------------------------------------------------------------------------

# +44 / 0044 (optionally "(0)"), or the trunk 0 (optionally inside brackets), then 9 or 10
# digits separated by at most a few spaces, dots, dashes or brackets. Validation of the
# national number's length and leading digit is done in code, not by `phonenumbers`, so the
# Ofcom drama ranges (07700 900xxx, 020 7946 0xxx, 01632 960xxx...) are caught too.
PHONE_RE = re.compile(
    r"(?<![\w+/])"
    r"(?:(?P<intl>(?:\+|\b00)[ \t]?44[ \t]?(?:\([ \t]?0[ \t]?\)[ \t]?)?\(?)|(?P<trunk>\(?0))"
    r"(?P<rest>[ \t.\-()]{0,3}[1-9](?:[ \t.\-()/]{0,3}\d){8,9})"
    r"(?!\d)"
)
_SEP_RE = re.compile(r"[^\d]")
_DATE_INSIDE_RE = re.compile(r"(?<!\d)\d{1,2}([./\-])\d{1,2}\1\d{2,4}(?!\d)")
# National significant number: leading digit -> allowed lengths.
_NSN_LENGTHS = {
    "1": (9, 10),
    "2": (10,),
    "3": (10,),
    "5": (9, 10),
    "7": (10,),
    "8": (9, 10),
    "9": (10,),
}


def normalise_phone(value: str) -> str | None:
    """The national form ("07700900123") of a UK number written any common way."""
    digits = _SEP_RE.sub("", value)
    if digits.startswith("0044"):
        digits = "0" + digits[4:]
    elif digits.startswith("44") and value.lstrip().startswith("+"):
        digits = "0" + digits[2:]
    if digits.startswith("440") and value.lstrip().startswith("+"):
        digits = digits[2:]
    if digits.startswith("00"):
        digits = digits[1:]
    if not digits.startswith("0"):
        return None
    nsn = digits[1:]
    if nsn[:1] not in _NSN_LENGTHS or len(nsn) not in _NSN_LENGTHS[nsn[:1]]:
        return None
    return digits


def _check_phone(match: re.Match[str], text: str) -> Verdict:
    surface = match.group(0)
    rest = match.group("rest")
    nsn = _SEP_RE.sub("", rest)
    if nsn[:1] not in _NSN_LENGTHS or len(nsn) not in _NSN_LENGTHS[nsn[:1]]:
        return None
    if _DATE_INSIDE_RE.search(surface):
        return None
    if "/" in surface:
        # "07700 900/567" is a phone number; "01/123456/24" is a crime reference.
        head = surface.split("/", 1)[0]
        if surface.count("/") > 1 or len(_SEP_RE.sub("", head)) < 5:
            return None
    if surface.count("(") != surface.count(")") and not surface.startswith("("):
        return None
    # Many separators in a short number usually means a list of small numbers, not a phone.
    separators = len(re.findall(r"[ \t.\-()]+", rest.strip(" \t.-()")))
    if separators > 5:
        return None
    kind = {
        "7": "mobile",
        "1": "geographic",
        "2": "geographic",
        "3": "non-geographic",
        "8": "freephone/special",
        "9": "premium",
        "5": "corporate",
    }[nsn[0]]
    return 0.85, f"UK {kind} number"


# A number read out in a voice-to-text transcript: "oh seven seven double oh nine ...".
_DIGIT_WORDS = {
    "oh": "0",
    "o": "0",
    "zero": "0",
    "nought": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_SPOKEN_DIGIT = r"(?:oh|o|zero|nought|one|two|three|four|five|six|seven|eight|nine)"
SPOKEN_PHONE_RE = re.compile(
    r"\b(?:oh|o|zero|nought)(?:[ \t,\-]+(?:(?:double|treble|triple)[ \t]+)?"
    + _SPOKEN_DIGIT
    + r"){8,11}\b",
    re.IGNORECASE,
)


def spoken_digits(words: str) -> str:
    """The digits of a number read out ("double oh nine" -> "009")."""
    digits: list[str] = []
    repeat = 1
    for word in re.findall(r"[a-z]+", words.lower()):
        if word in ("double", "treble", "triple"):
            repeat = 2 if word == "double" else 3
            continue
        digits.append(_DIGIT_WORDS[word] * repeat)
        repeat = 1
    return "".join(digits)


def _check_spoken_phone(match: re.Match[str], text: str) -> Verdict:
    digits = spoken_digits(match.group(0))
    nsn = digits[1:]
    if nsn[:1] not in _NSN_LENGTHS or len(nsn) not in _NSN_LENGTHS[nsn[:1]]:
        return None
    return 0.8, "UK number read out in words"


class UkPhoneRecognizer(RuleRecognizer):
    """UK phone numbers in every common written form, drama ranges included, and read out in
    words in voice-to-text transcripts."""

    def __init__(self) -> None:
        super().__init__(
            "PHONE",
            [
                Rule("uk phone", PHONE_RE, _check_phone, near_digits=True),
                Rule(
                    "uk phone in words",
                    SPOKEN_PHONE_RE,
                    _check_spoken_phone,
                    hint=("oh ", "zero ", "nought "),
                ),
            ],
            "BeaconUkPhone",
        )

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts)
        # A match may start with "(" or end in ")" / separators that belong to the sentence.
        for result in results:
            while result.start < result.end and text[result.start] in " \t.-":
                result.start += 1
            while result.end > result.start and text[result.end - 1] in " \t.-(":
                result.end -= 1
            if text[result.end - 1] == ")" and text.count("(", result.start, result.end) < (
                text.count(")", result.start, result.end)
            ):
                result.end -= 1
        return results


# --------------------------------------------------------------------------------------------
# E-mail, social media handles, URLs, dates of birth
# --------------------------------------------------------------------------------------------

EMAIL_RE = re.compile(
    r"(?<![\w.+\-])[A-Za-z0-9][A-Za-z0-9._%+'\-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
    r"\.)+[A-Za-z]{2,24}(?![\w\-])"
)
_OBFUSCATED_DOMAINS = (
    r"gmail|googlemail|hotmail|yahoo|outlook|btinternet|icloud|sky|live|aol|protonmail|"
    r"virginmedia|talktalk|mail"
)
EMAIL_OBFUSCATED_RE = re.compile(
    r"(?<![\w.])[A-Za-z0-9][A-Za-z0-9._\-]{0,40}\s*(?:\[at\]|\(at\)|\{at\}|\s+at\s+)\s*"
    r"(?:" + _OBFUSCATED_DOMAINS + r"|[a-z0-9\-]+(?=\s*(?:\[dot\]|\(dot\))))"
    r"\s*(?:\[dot\]|\(dot\)|\{dot\}|\s+dot\s+|\.)\s*(?:com|co\s*(?:\[dot\]|\(dot\)|\s+dot\s+|\.)"
    r"\s*uk|org|net|uk)\b",
    re.IGNORECASE,
)

# Read out in a voice-to-text transcript: "jackie dot barnes 62 at example dot com".
EMAIL_SPOKEN_RE = re.compile(
    r"(?<![\w.])[a-z0-9]+(?:\s+(?:dot|underscore|dash|hyphen)\s+[a-z0-9]+|\s+\d+)*\s+at\s+"
    r"[a-z0-9\-]+(?:\s+dot\s+[a-z0-9\-]+)*?\s+dot\s+(?:com|co\s+dot\s+uk|org\s+dot\s+uk|org|"
    r"net|uk|gov\s+dot\s+uk)\b",
    re.IGNORECASE,
)


def _check_email(match: re.Match[str], text: str) -> Verdict:
    surface = match.group(0)
    if not has_public_suffix(surface.rsplit("@", 1)[1]):
        return None
    return 0.9, "e-mail address"


def _check_obfuscated_email(match: re.Match[str], text: str) -> Verdict:
    return 0.7, "e-mail address written with 'at'/'dot'"


class BeaconEmailRecognizer(RuleRecognizer):
    def __init__(self) -> None:
        super().__init__(
            "EMAIL",
            [
                Rule("email", EMAIL_RE, _check_email, hint=("@",)),
                Rule(
                    "email obfuscated",
                    EMAIL_OBFUSCATED_RE,
                    _check_obfuscated_email,
                    hint=("[at]", "(at)", "{at}", " dot "),
                ),
                Rule("email spoken", EMAIL_SPOKEN_RE, _check_obfuscated_email, hint=(" dot ",)),
            ],
            "BeaconEmail",
        )


HANDLE_RE = re.compile(
    r"(?<![\w@.])@(?=[A-Za-z0-9_.]*[A-Za-z])[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}"
    r"[A-Za-z0-9_])?(?![\w@])"
)


def _check_handle(match: re.Match[str], text: str) -> Verdict:
    if len(match.group(0)) < 4:
        return None
    return 0.7, "social media handle"


URL_RE = re.compile(
    r"(?:\bhttps?://|\bwww\.)[^\s<>\"']+"
    r"|(?<![@\w.\-])(?:[a-z0-9\-]+\.)+(?:com|co\.uk|org|org\.uk|net|uk|io|me|tv|gg|app|info|ly)"
    r"/[^\s<>\"']*",
    re.IGNORECASE,
)


def _check_url(match: re.Match[str], text: str) -> Verdict:
    return 0.8, "web address"


class UrlRecognizer(RuleRecognizer):
    def __init__(self) -> None:
        super().__init__(
            "URL", [Rule("url", URL_RE, _check_url, hint=("://", "www.", "/"))], "BeaconUrl"
        )

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts)
        for result in results:
            while result.end > result.start and text[result.end - 1] in ".,;:!?)'\"":
                result.end -= 1
        return results


class SocialHandleRecognizer(RuleRecognizer):
    def __init__(self) -> None:
        super().__init__(
            "SOCIAL_HANDLE",
            [Rule("handle", HANDLE_RE, _check_handle, hint=("@",))],
            "BeaconSocialHandle",
        )


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
DOB_RE = re.compile(
    r"\b(?:d\.?o\.?b\.?|date\s+of\s+birth|born(?:\s+on)?|birthday\s+is)\s*(?:is\s*)?[:\-]?\s*"
    r"(?P<date>\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?"
    + _MONTH
    + r"\.?,?\s+\d{4})(?!\d)",
    re.IGNORECASE,
)


def _check_dob(match: re.Match[str], text: str) -> Verdict:
    return 0.85, "date of birth"


class DateOfBirthRecognizer(RuleRecognizer):
    def __init__(self) -> None:
        super().__init__(
            "DATE_OF_BIRTH",
            [Rule("dob", DOB_RE, _check_dob, group="date", hint=("dob", "d.o.b", "birth", "born"))],
            "BeaconDateOfBirth",
        )


# A machine's address ("noreply@..."), or a sender line naming an organisation rather than a
# person ('From: "Neighbourhood Watch - Lowfield" <...>'): not the reporter's own.
AUTOMATED_ADDRESS_RE = re.compile(
    r"(?:no-?reply|do-?not-?reply|donotreply|mailer-daemon|notifications?|alerts?|bounce)"
    r"[\w.+-]*@",
    re.IGNORECASE,
)
ORGANISATION_SENDER_RE = re.compile(
    r"[ \t>]*(?:from|sender)[ \t]*:[^\n@]*\b(?:watch|team|council|office|service|services|"
    r"association|partnership|parish|trust|police|housing|ltd|limited|plc|portal|group|"
    r"committee|society|charity|school|surgery|centre|center)\b[^\n@]*<?[ \t]*$",
    re.IGNORECASE,
)


def organisation_address(text: str, line_start: int, start: int) -> bool:
    """Whether the e-mail address at ``start`` is a machine's or an organisation's sender
    address (``line_start``: where its line starts), so not the reporter's own."""
    return bool(
        AUTOMATED_ADDRESS_RE.match(text, start)
        or ORGANISATION_SENDER_RE.match(text, line_start, start)
    )
