"""Reference lists the theme taxonomy is built from: data.police.uk's crime categories, and the
themes Beacon ships with.

At run time the themes are rows of ``triage_theme`` (admins add, edit and retire them; see
``service.py``), never this module. ``BUILT_IN_THEMES`` is what migration 0010 seeded (the
migration keeps its own frozen copy, and a test checks the two agree); tools that work without
a database, such as the labelled-corpus checks, use it for the theme keys.
"""

from __future__ import annotations

from dataclasses import dataclass

# data.police.uk's crime categories: the API's slug (``/api/crime-categories``) and the name the
# street-level CSV files use in "Crime type" (``ingest.police_formats.CRIME_TYPES``).
POLICE_CATEGORIES: dict[str, str] = {
    "anti-social-behaviour": "Anti-social behaviour",
    "bicycle-theft": "Bicycle theft",
    "burglary": "Burglary",
    "criminal-damage-arson": "Criminal damage and arson",
    "drugs": "Drugs",
    "other-theft": "Other theft",
    "possession-of-weapons": "Possession of weapons",
    "public-order": "Public order",
    "robbery": "Robbery",
    "shoplifting": "Shoplifting",
    "theft-from-the-person": "Theft from the person",
    "vehicle-crime": "Vehicle crime",
    "violent-crime": "Violence and sexual offences",
    "other-crime": "Other crime",
}


@dataclass(frozen=True)
class BuiltInTheme:
    key: str
    label: str
    police_categories: tuple[str, ...] = ()


BUILT_IN_THEMES: tuple[BuiltInTheme, ...] = (
    BuiltInTheme("county_lines", "County lines", ("drugs",)),
    BuiltInTheme("cuckooing", "Cuckooing", ("anti-social-behaviour", "drugs")),
    BuiltInTheme("cce", "Child criminal exploitation"),
    BuiltInTheme("cse", "Child sexual exploitation"),
    BuiltInTheme("modern_slavery", "Modern slavery and human trafficking"),
    BuiltInTheme("radicalisation", "Radicalisation (Prevent)"),
    BuiltInTheme("organised_crime", "Serious and organised crime"),
    BuiltInTheme("cyber_crime", "Cyber crime and fraud"),
    BuiltInTheme("drugs", "Drugs", ("drugs",)),
    BuiltInTheme("domestic_abuse", "Domestic abuse"),
    BuiltInTheme("hate_crime", "Hate crime"),
    BuiltInTheme(
        "asb", "Anti-social behaviour", ("anti-social-behaviour", "criminal-damage-arson")
    ),
    BuiltInTheme(
        "acquisitive_crime",
        "Acquisitive crime (burglary, robbery, vehicle)",
        (
            "bicycle-theft",
            "burglary",
            "other-theft",
            "robbery",
            "shoplifting",
            "theft-from-the-person",
            "vehicle-crime",
        ),
    ),
    BuiltInTheme(
        "violence_weapons", "Violence and weapons", ("possession-of-weapons", "violent-crime")
    ),
    BuiltInTheme("youth_crime", "Youth crime"),
    BuiltInTheme("community_tension", "Community tension", ("public-order",)),
    BuiltInTheme("other", "Other", ("other-crime",)),
)
