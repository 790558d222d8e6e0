"""What a theme may be, checked field by field, and the read-only view of the taxonomy that
intake uses (``ThemeCatalogue``: labels, what is offered, why a key is refused).

Every check returns or raises one message per field, naming the field, so the admin pages can
show each next to its input and the service can be called from anywhere with the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from beacon.triage.taxonomy import POLICE_CATEGORIES

MAX_KEY = 40
MAX_LABEL = 120
MAX_DESCRIPTION = 2000
MAX_POSITION = 100_000
NOT_THEMED = "Not yet themed"
RESERVED_KEYS = frozenset({"new"})  # /admin/themes/new is the add page
# lower_snake: a letter first, then letters and digits, words joined by single underscores.
_KEY = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ThemeErrors(ValueError):
    """One message per field (``key``, ``label``, ``description``, ``police_categories``,
    ``position``), in form order."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)


class ThemeNotFound(LookupError):
    """No theme has that key."""


def key_problem(key: str) -> str | None:
    """Why ``key`` cannot be a new theme's key (its format only), or None."""
    if not key:
        return "Enter a key"
    if len(key) > MAX_KEY:
        return f"Key must be {MAX_KEY} characters or fewer"
    if not _KEY.fullmatch(key):
        return (
            "Key must be lower-case letters, digits and single underscores, starting with a "
            "letter (for example county_lines)"
        )
    if key in RESERVED_KEYS:
        return f"Key “{key}” is reserved (it names a page); choose another"
    return None


def clean_label(label: str, errors: dict[str, str]) -> str:
    text = " ".join(_CONTROL.sub("", label).split())
    if not text:
        errors["label"] = "Enter a label"
    elif len(text) > MAX_LABEL:
        errors["label"] = f"Label must be {MAX_LABEL} characters or fewer"
    return text


def clean_description(description: str, errors: dict[str, str]) -> str:
    text = _CONTROL.sub("", description.replace("\r\n", "\n")).strip()
    if len(text) > MAX_DESCRIPTION:
        errors["description"] = f"Description must be {MAX_DESCRIPTION:,} characters or fewer"
    return text


def clean_categories(slugs: Iterable[str], errors: dict[str, str]) -> tuple[str, ...]:
    """Known slugs in ``POLICE_CATEGORIES`` order, each once; an unknown one is an error."""
    chosen = {slug.strip() for slug in slugs if slug.strip()}
    unknown = sorted(chosen - set(POLICE_CATEGORIES))
    if unknown:
        names = ", ".join(f"“{slug[:60]}”" for slug in unknown[:3])
        errors["police_categories"] = (
            f"Police.uk categories must be data.police.uk crime categories: {names} is not one"
            if len(unknown) == 1
            else f"Police.uk categories must be data.police.uk crime categories: {names} are not"
        )
    return tuple(slug for slug in POLICE_CATEGORIES if slug in chosen)


def check_position(position: int | None, errors: dict[str, str]) -> None:
    if position is not None and not 0 <= position <= MAX_POSITION:
        errors["position"] = f"Position must be a whole number from 0 to {MAX_POSITION:,}"


def parse_position(text: str, errors: dict[str, str]) -> int | None:
    """A form's position field: empty means "at the end" (None)."""
    text = text.strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        errors["position"] = f"Position must be a whole number from 0 to {MAX_POSITION:,}"
        return None
    value = int(text)
    check_position(value, errors)
    return value


@dataclass(frozen=True)
class ThemeCatalogue:
    """The taxonomy as intake reads it: cheap to consult, built once per cache period.

    ``labels`` holds every theme in display order, retired ones included (old records keep
    their theme); ``active`` the keys offered for new input, in the same order."""

    labels: Mapping[str, str]
    active: tuple[str, ...]

    def label(self, key: str | None) -> str:
        """The theme's label; a key no theme has shows as itself."""
        if key is None:
            return NOT_THEMED
        return self.labels.get(key, key)

    def offered(self) -> list[tuple[str, str]]:
        """(key, label) of the active themes, for choice lists."""
        return [(key, self.labels[key]) for key in self.active]

    def is_active(self, key: str) -> bool:
        return key in self.active

    def refusal(self, key: str) -> str | None:
        """Why ``key`` may not be given to new input (a submission, a grading), or None."""
        if key in self.active:
            return None
        if key in self.labels:
            return f"“{self.labels[key]}” is no longer used: choose a current theme"
        return "choose a theme from the list"

    def ordered(self, keys: Iterable[str]) -> list[str]:
        """``keys`` in display order; keys no theme has come last, sorted."""
        present = set(keys)
        known = [key for key in self.labels if key in present]
        return known + sorted(present - set(self.labels))
