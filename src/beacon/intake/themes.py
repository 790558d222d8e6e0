"""Threat themes known at intake, and the plain-language hints residents choose from.

Theme keys are the ones retention rules use (``cse``, ``modern_slavery``...). The full taxonomy
with crime-category mappings and a classifier comes with triage (roadmap); at intake a theme is
what a partner chose or what a supervisor set while grading.
"""

from __future__ import annotations

THEMES: dict[str, str] = {
    "county_lines": "County lines and child criminal exploitation",
    "cuckooing": "Cuckooing",
    "cse": "Child sexual exploitation",
    "modern_slavery": "Modern slavery and human trafficking",
    "radicalisation": "Radicalisation and extremism",
    "organised_crime": "Serious and organised crime",
    "cyber_crime": "Cyber crime and fraud",
    "drugs": "Drugs",
    "domestic_abuse": "Domestic abuse",
    "hate_crime": "Hate crime",
    "asb": "Anti-social behaviour",
    "acquisitive_crime": "Burglary, theft and robbery",
    "violence_weapons": "Violence and weapons",
    "youth_crime": "Youth crime",
    "community_tension": "Community tension",
    "other": "Other",
}

# What a resident sees on the report form -> the theme it suggests (a hint, never a decision).
RESIDENT_HINTS: dict[str, tuple[str, str]] = {
    "drug_dealing": ("Drug dealing or drug use", "drugs"),
    "exploited": ("Someone may be being exploited or controlled", "county_lines"),
    "home_taken_over": ("Someone's home may have been taken over", "cuckooing"),
    "child_at_risk": ("A child or young person may be at risk of sexual abuse", "cse"),
    "forced_work": ("People made to work or live in bad conditions", "modern_slavery"),
    "extremism": ("Extremist views or someone being drawn into them", "radicalisation"),
    "weapons": ("Weapons, knives or violence", "violence_weapons"),
    "asb": ("Anti-social behaviour or nuisance", "asb"),
    "domestic": ("Domestic abuse", "domestic_abuse"),
    "hate": ("Hate crime or harassment", "hate_crime"),
    "scam": ("Scams, fraud or online crime", "cyber_crime"),
    "theft": ("Burglary, theft or vehicle crime", "acquisitive_crime"),
    "tension": ("Tension between groups in the community", "community_tension"),
}


def theme_label(key: str | None) -> str:
    if key is None:
        return "Not yet themed"
    return THEMES.get(key, key)
