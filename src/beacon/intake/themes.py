"""The plain-language hints residents choose from on the report form.

The themes themselves are data (``beacon.triage``: admins edit them); each hint points at a
theme key, which a test checks exists. A hint is a suggestion to the intelligence team, never a
decision: the report's theme is what a partner chose or a supervisor set while grading.
"""

from __future__ import annotations

# What a resident sees on the report form -> the theme it suggests.
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
