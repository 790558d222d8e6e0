"""E-mail addresses, social media handles and street addresses. See ``entities`` for the values
each gives.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from beacon.triage.entities_base import (
    Entity,
    Scan,
    make_entity,
    span_len,
    starts_word,
    title_case,
    title_word,
)
from beacon.triage.entities_names import (
    DAYS_MONTHS,
    GIVEN_NAMES,
    NOT_NAMES,
    NOT_SURNAMES,
    STOP_WORDS,
    STREET_ABBREVIATIONS,
    STREET_NAME_STOP_WORDS,
    STREET_TYPES_AMBIGUOUS,
    STREET_TYPES_PLAIN,
    TOWNS,
    word_set,
)

# --------------------------------------------------------------------------------------------
# E-mail addresses
# --------------------------------------------------------------------------------------------

_PROVIDERS = (
    "gmail",
    "googlemail",
    "hotmail",
    "yahoo",
    "outlook",
    "btinternet",
    "icloud",
    "live",
    "aol",
    "protonmail",
    "virginmedia",
    "talktalk",
    "sky",
    "ymail",
    "msn",
)
_DOT = r"\s*(?:\[dot\]|\(dot\)|\s+dot\s+|\.)\s*"
# Run on the lower-cased text: "jo at gmail dot com", "kev.oneill[at]gmail.com".
EMAIL_SPELT_RE = re.compile(
    r"(?<![\w.])(?P<local>[a-z0-9][a-z0-9._\-]{0,40}[a-z0-9_])\s*"
    r"(?:\[at\]|\(at\)|\s+at\s+)\s*(?P<domain>" + "|".join(_PROVIDERS) + r")"
    r"(?P<tld>" + _DOT + r"(?:com|net|co" + _DOT + r"uk|org))\b"
)
_DOT_RE = re.compile(_DOT)


_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-_")
EMAIL_DOMAIN_RE = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w\-@])"
)


def _email_at(text: str, at: int) -> tuple[int, int] | None:
    """The e-mail address around the "@" at ``at``: its local part is read backwards from the
    "@" (cheaper than a search with a lookbehind), its domain forwards."""
    start = at
    while start > 0 and text[start - 1] in _LOCAL_CHARS and at - start < 64:
        start -= 1
    if start > 0 and (text[start - 1] in _LOCAL_CHARS or text[start - 1] == "@"):
        return None  # too long, or glued to something else
    while start < at and not text[start].isalnum():
        start += 1
    if start == at or text[at - 1] == ".":
        return None
    domain = EMAIL_DOMAIN_RE.match(text, at + 1)
    return (start, domain.end()) if domain is not None else None


def emails(scan: Scan) -> Iterator[Entity]:
    text, lowered = scan.text, scan.lowered
    at = text.find("@")
    while at != -1:
        span = _email_at(text, at)
        if span is not None:
            yield make_entity("email", text[span[0] : span[1]].lower(), text, *span)
        at = text.find("@", at + 1)
    if "[at]" not in lowered and "(at)" not in lowered and " at " not in lowered:
        return
    if not any(provider in lowered for provider in _PROVIDERS):
        return
    for match in EMAIL_SPELT_RE.finditer(lowered):
        local = match["local"]
        if local in STOP_WORDS:
            continue  # "he was at hotmail.com" is not an address
        value = f"{local}@{match['domain']}{_DOT_RE.sub('.', match['tld'])}"
        yield make_entity("email", value, text, match.start(), match.end())


# --------------------------------------------------------------------------------------------
# Social media handles
# --------------------------------------------------------------------------------------------

_PLATFORMS = {
    "instagram": "instagram",
    "insta": "instagram",
    "ig": "instagram",
    "gram": "instagram",
    "snapchat": "snapchat",
    "snap": "snapchat",
    "sc": "snapchat",
    "tiktok": "tiktok",
    "tik tok": "tiktok",
    "tt": "tiktok",
    "twitter": "x",
    "x": "x",
    "telegram": "telegram",
}
# Abbreviations that are ordinary words or letters too: only with ":" or "=" after them.
_WEAK_PLATFORMS = frozenset({"ig", "sc", "tt", "x", "gram"})
_PLATFORM_ALT = r"instagram|insta|ig|gram|snapchat|snap|sc|tik\s?tok|tt|twitter|x|telegram"
_HANDLE_NAME = r"@?[a-z0-9_][a-z0-9_.]{0,28}[a-z0-9_]"
HANDLE_AT_RE = re.compile(
    r"(?<![\w@.])@(?P<name>[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)(?![\w@]|\.\w)"
)
# These run on the lower-cased text; the platform word's start is checked in code.
HANDLE_CUE_RE = re.compile(
    r"(?P<platform>" + _PLATFORM_ALT + r")"
    r"(?:\s+(?:name|handle|user\s?name|account|acc|id|is\s+called))?"
    r"(?P<sep>\s*[:=]\s*|\s+-\s+|\s+(?:is|was|its|it's)\s+|\.com/|\s*(?=@)|\s+)"
    r"(?P<name>" + _HANDLE_NAME + r")(?![\w@]|\.\w)"
)
HANDLE_ON_RE = re.compile(
    r"on\s+(?P<platform>" + _PLATFORM_ALT + r")\s+(?:as|called|under)\s+"
    r"(?P<name>" + _HANDLE_NAME + r")(?![\w@]|\.\w)"
)
_PLATFORM_BEFORE_RE = re.compile(
    r"\b(?P<platform>" + _PLATFORM_ALT + r")\b(?:\s+(?:name|handle|user\s?name|account|acc|id))?"
    r"(?:\s*[:=\-]\s*|\s+(?:is|was)\s+|\s+|\.com/)$"
)
# The full platform words; the weak abbreviations count only before ":", "=" or ".com/".
_PLATFORM_GATES = ("insta", "snap", "tik", "twitter", "telegram", ":", "=", ".com/")
# "@" used for "at": "meet @ the park", "@home", "@5pm".
_AT_WORDS = word_set(
    "the home school park shop shops station night work mine his hers ours theirs yours my "
    "corner bus church pub maccies mcdonalds college uni gym club party private public "
    "blocked deleted down gone hacked fake dead new broken locked open banned suspended active "
    "full dodgy"
)
_TIME_LIKE_RE = re.compile(r"[0-9]+(?:[.:][0-9]+)?(?:am|pm|ish|th|st|nd|rd)?")
_HANDLE_LIKE_RE = re.compile(r"[0-9_.]")


def _platform(word: str) -> str:
    return _PLATFORMS[" ".join(word.split())]


def _handle_name_ok(name: str) -> bool:
    bare = name.lstrip("@").lower()
    return (
        len(bare) >= 2
        and any(c.isalpha() for c in bare)
        and bare not in _AT_WORDS
        and bare not in STOP_WORDS
        and not _TIME_LIKE_RE.fullmatch(bare)
    )


def _handle_value(platform: str | None, name: str) -> str:
    bare = "@" + name.lstrip("@").lower()
    return f"{platform}:{bare}" if platform else bare


def handles(scan: Scan) -> Iterator[Entity]:
    text, lowered = scan.text, scan.lowered
    at = text.find("@")
    while at != -1:
        match = HANDLE_AT_RE.match(text, at)
        if match is not None and _handle_name_ok(match["name"]):
            cue = _PLATFORM_BEFORE_RE.search(scan.before(at, 30))
            platform = _platform(cue["platform"]) if cue else None
            value = _handle_value(platform, match["name"])
            yield make_entity("handle", value, text, match.start(), match.end())
        at = text.find("@", at + 1)
    if not any(p in lowered for p in _PLATFORM_GATES):
        return
    for match in HANDLE_CUE_RE.finditer(lowered):
        name, sep = match["name"], match["sep"].strip()
        platform_word = match["platform"]
        if not starts_word(lowered, match.start()) or name.startswith("@"):
            continue  # "night" is not "ig"; an "@name" was found above with its platform
        if not _handle_name_ok(name):
            continue
        strong_sep = sep in (":", "=", "-", ".com/", "is", "was", "its", "it's")
        if platform_word in _WEAK_PLATFORMS and sep not in (":", "=", ".com/"):
            continue
        # With only a space after the platform, only a name that looks like a handle.
        if not strong_sep and not _HANDLE_LIKE_RE.search(name):
            continue
        value = _handle_value(_platform(platform_word), name)
        yield make_entity("handle", value, text, match.start("name"), match.end("name"))
    if "on " not in lowered:
        return
    for match in HANDLE_ON_RE.finditer(lowered):
        name = match["name"]
        if not starts_word(lowered, match.start()) or name.startswith("@"):
            continue
        if _handle_name_ok(name):
            value = _handle_value(_platform(match["platform"]), name)
            yield make_entity("handle", value, text, match.start("name"), match.end("name"))


# --------------------------------------------------------------------------------------------
# Street addresses
# --------------------------------------------------------------------------------------------

_STREET_TYPE_ALT = "|".join(
    sorted(
        STREET_TYPES_PLAIN | STREET_TYPES_AMBIGUOUS | STREET_ABBREVIATIONS.keys(),
        key=len,
        reverse=True,
    )
)
_NAME_WORD = r"[A-Za-z][A-Za-z'’\-]*"
# Matched at the start of each digit run: house number, one to three name words, street type.
ADDRESS_RE = re.compile(
    r"(?<![\w£$€:.,/\-])"
    r"(?P<number>[0-9]{1,4}[A-Za-z]?(?:\s?[-\u2013]\s?[0-9]{1,4}[A-Za-z]?)?)\s+"
    r"(?P<name>" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r"){0,2})\s+"
    r"(?P<type>" + _STREET_TYPE_ALT + r")(?![\w'’\-])",
    re.IGNORECASE,
)
_TOWN_AFTER_RE = re.compile(
    r"(?P<comma>\s*,\s*|[ \t]+)(?P<town>[A-Za-z][a-z'\-]+"
    r"(?:\s+(?:upon|on|under|in|le)\s+[A-Z][a-z]+|(?:[ \t]+[A-Z][a-z]+){1,2})?)(?![\w'’\-])"
)
_TOWN_CONNECTOR_RE = re.compile(r"\s(?:upon|on|under|in|le)\s")
# On the lower-cased text before the house number.
_FLAT_BEFORE_RE = re.compile(
    r"\b(?P<kind>flat|apartment|apt|unit)\.?[ \t]*(?:(?P<flatno>[0-9]{1,4}[a-z]?)"
    r"(?:[ \t]*,[ \t]*|[ \t]+))?$"
)
_ADDRESS_CUE_RE = re.compile(
    r"\b(?:lives?|living|lived|stays?|staying|stayed|address|addy|flat|house|home|property|"
    r"moved|number|no|at|to|from|outside|opposite|next\s+door\s+to)\b\W{0,3}$"
)
_DASH_RE = re.compile(r"\s*[-\u2013]\s*")


def _street_type(word: str) -> str:
    lowered = word.lower()
    return STREET_ABBREVIATIONS.get(lowered) or title_word(lowered)


def _flat_kind(word: str) -> str:
    return "Apartment" if word == "apt" else word.title()


def addresses(scan: Scan) -> Iterator[Entity]:
    text = scan.text
    for run_start, run_end in scan.digit_runs:
        if run_end - run_start > 4:
            continue
        match = ADDRESS_RE.match(text, run_start)
        if match is None:
            continue
        words = match["name"].split()
        lowered_words = [w.lower() for w in words]
        if any(w in STREET_NAME_STOP_WORDS for w in lowered_words[1:]):
            continue
        if lowered_words[0] in STREET_NAME_STOP_WORDS and words[0] != "The":
            continue
        if any(w in DAYS_MONTHS for w in lowered_words):
            continue
        street_type = match["type"]
        type_lower = street_type.lower()
        capitalised = all(w[0].isupper() for w in words) and street_type[0].isupper()
        if street_type[0].isupper() and not capitalised:
            continue  # "14 properties along Albert Road": the number is not Albert Road's
        start, end = match.span()
        if (
            type_lower not in STREET_TYPES_PLAIN
            and type_lower not in STREET_ABBREVIATIONS
            and not (capitalised and not scan.shouting)
            and not _ADDRESS_CUE_RE.search(scan.before(start, 25))
        ):
            continue  # Close, Drive, Way, Walk, Hill ... in lower case: ordinary words too
        number = _DASH_RE.sub("-", match["number"].upper())
        street = f"{title_case(match['name'])} {_street_type(street_type)}"
        value = f"{number} {street}"
        flat = _FLAT_BEFORE_RE.search(scan.before(start, 20))
        if flat is not None:
            kind = _flat_kind(flat["kind"])
            start -= len(flat.group(0))
            if flat["flatno"]:
                value = f"{kind} {flat['flatno'].upper()}, {value}"  # "Flat 3, 14 Mill Lane"
            else:
                value = f"{kind} {number}, {street}"  # "flat 14 Elm Court": flat 14 of a block
        town_match = _TOWN_AFTER_RE.match(text, end)
        if town_match is not None:
            town = _town(town_match["town"], comma="," in town_match["comma"])
            if town is not None:
                value += f", {title_case(town)}"
                end = town_match.start("town") + len(town)
        yield make_entity("address", value, text, start, end)


def _town(candidate: str, *, comma: bool) -> str | None:
    """The town in the words after a street, if they name one: a known town, or after a comma
    a capitalised word that is not a common word, a day, a premises word or a given name."""
    words = candidate.split()
    first = words[0].lower()
    if first not in TOWNS:
        if not comma or not words[0][0].isupper():
            return None
        if first in NOT_NAMES or first in NOT_SURNAMES or first in GIVEN_NAMES:
            return None
    if _TOWN_CONNECTOR_RE.search(candidate):
        return candidate  # "Newcastle upon Tyne", "Stoke on Trent"
    kept = 1
    for word in words[1:]:
        if word.lower() in NOT_NAMES or word.lower() in NOT_SURNAMES:
            break  # "Leeds City Centre", "Walsall Police"
        kept += 1
    return candidate[: span_len(candidate, kept)]
