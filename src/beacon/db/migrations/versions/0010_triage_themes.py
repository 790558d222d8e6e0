"""Triage themes as data: the taxonomy admins edit, seeded with Beacon's 17 themes; and
analysts' theme corrections of reports, which the classifier learns from.

The keys intake used so far keep their meaning (``county_lines`` stays; child criminal
exploitation becomes its own theme ``cce`` beside it), so no stored record changes:
``intel_report.theme``, indicator checklists and retention rules keep their keys.

Revision ID: 0010_triage_themes
Revises: 0009_assessment
Create Date: 2026-12-08 09:00:00
"""

import datetime as dt
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_triage_themes"
down_revision: str | None = "0009_assessment"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_CATEGORY = "data.police.uk publishes no category for this"

# key, label, description, data.police.uk categories (API slugs). Frozen here: a later change
# to the built-in taxonomy is a new migration, never an edit of this one.
THEMES: list[tuple[str, str, str, list[str]]] = [
    (
        "county_lines",
        "County lines",
        "Drug supply lines run from cities into towns: deal lines (phones), runners travelling "
        "(going country), trap houses, plugging, line names.",
        ["drugs"],
    ),
    (
        "cuckooing",
        "Cuckooing",
        "A vulnerable person's home taken over by dealers or exploiters: strangers at a "
        "neighbour's flat, the tenant scared, the door damaged, people staying.",
        ["anti-social-behaviour", "drugs"],
    ),
    (
        "cce",
        "Child criminal exploitation",
        "Children groomed or coerced into crime: running drugs, carrying weapons, shoplifting "
        "to order, debt bondage, unexplained trainers or phones, missing episodes. "
        f"{NO_CATEGORY}; the offences appear under drugs, weapons or shoplifting.",
        [],
    ),
    (
        "cse",
        "Child sexual exploitation",
        "Children sexually exploited or groomed: older adults, cars picking children up, gifts, "
        "alcohol, hotels, online grooming, coerced images. "
        f"{NO_CATEGORY}; the offences are within violence and sexual offences.",
        [],
    ),
    (
        "modern_slavery",
        "Modern slavery and human trafficking",
        "Forced labour (car washes, nail bars, workers collected in vans), many people at one "
        "address, documents held by others, adults sexually exploited in brothels. "
        f"{NO_CATEGORY}; the offences are within violence and sexual offences.",
        [],
    ),
    (
        "radicalisation",
        "Radicalisation (Prevent)",
        "Extremist views of any ideology, propaganda, someone being drawn in, extremist stickers "
        f"or graffiti, online extremist content, travel intentions. {NO_CATEGORY}.",
        [],
    ),
    (
        "organised_crime",
        "Serious and organised crime",
        "Organised crime groups: money-laundering fronts and cash businesses, firearms supply, "
        "chop shops, large-scale fraud, intimidation by a known family or firm. "
        f"{NO_CATEGORY}.",
        [],
    ),
    (
        "cyber_crime",
        "Cyber crime and fraud",
        "Scams, phishing, romance, doorstep and courier fraud, hacked accounts, sextortion of "
        "adults, online fraud. Fraud is recorded by Action Fraud and not published on "
        "data.police.uk.",
        [],
    ),
    (
        "drugs",
        "Drugs",
        "Dealing and use that is not clearly county lines: cannabis smell or grows, needles, "
        "dealing from cars, nitrous oxide canisters.",
        ["drugs"],
    ),
    (
        "domestic_abuse",
        "Domestic abuse",
        "Abuse between partners or family members: violence, coercive control, stalking by an "
        f"ex-partner. {NO_CATEGORY}: domestic offences are not marked in the published data.",
        [],
    ),
    (
        "hate_crime",
        "Hate crime",
        "Targeting for race, religion, sexuality, disability or transgender identity: abuse, "
        f"graffiti, attacks. {NO_CATEGORY}: aggravated offences are counted under violence, "
        "public order or criminal damage without a hate marker.",
        [],
    ),
    (
        "asb",
        "Anti-social behaviour",
        "Nuisance, noise, groups causing trouble, fly-tipping, off-road bikes, begging, street "
        "drinking, and the damage that goes with them.",
        ["anti-social-behaviour", "criminal-damage-arson"],
    ),
    (
        "acquisitive_crime",
        "Acquisitive crime (burglary, robbery, vehicle)",
        "Burglary, robbery, theft, shoplifting, vehicle crime (catalytic converters among it), "
        "bicycle theft.",
        [
            "bicycle-theft",
            "burglary",
            "other-theft",
            "robbery",
            "shoplifting",
            "theft-from-the-person",
            "vehicle-crime",
        ],
    ),
    (
        "violence_weapons",
        "Violence and weapons",
        "Fights, assaults, knives and guns, weapons hidden in bushes, threats with weapons.",
        ["possession-of-weapons", "violent-crime"],
    ),
    (
        "youth_crime",
        "Youth crime",
        "Offending and disorder by young people that is not clearly exploitation: groups of "
        "teenagers, school fights, vandalism. "
        f"{NO_CATEGORY}: the published data gives no ages.",
        [],
    ),
    (
        "community_tension",
        "Community tension",
        "Tension between groups, rumours after an incident, planned protests and "
        "counter-protests, leaflets stirring trouble.",
        ["public-order"],
    ),
    (
        "other",
        "Other",
        "Anything no other theme fits: lost property, planning complaints, general concerns.",
        ["other-crime"],
    ),
]


def upgrade() -> None:
    op.create_table(
        "triage_theme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("police_categories", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_theme")),
        sa.UniqueConstraint("key", name=op.f("uq_triage_theme_key")),
    )

    theme = sa.table(
        "triage_theme",
        sa.column("key", sa.String),
        sa.column("label", sa.String),
        sa.column("description", sa.Text),
        sa.column("police_categories", sa.Text),
        sa.column("position", sa.Integer),
        sa.column("active", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    now = dt.datetime.now(dt.UTC)
    op.bulk_insert(
        theme,
        [
            {
                "key": key,
                "label": label,
                "description": description,
                "police_categories": json.dumps(categories),
                "position": position * 10,
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
            for position, (key, label, description, categories) in enumerate(THEMES, start=1)
        ],
    )

    op.create_table(
        "triage_theme_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("themes", sa.Text(), nullable=False),
        sa.Column("previous_themes", sa.Text(), nullable=False),
        sa.Column("corrected_by_user_id", sa.Integer(), nullable=True),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["intel_report.id"],
            name=op.f("fk_triage_theme_correction_report_id_intel_report"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["corrected_by_user_id"], ["app_user.id"],
            name=op.f("fk_triage_theme_correction_corrected_by_user_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_theme_correction")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_triage_theme_correction_report_id"), "triage_theme_correction", ["report_id"]
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_triage_theme_correction_report_id"), table_name="triage_theme_correction"
    )
    op.drop_table("triage_theme_correction")
    op.drop_table("triage_theme")
