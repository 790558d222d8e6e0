"""Partner data feeds (SI 2007/1831): ASB incidents, deliberate fires, assault admissions.

Revision ID: 0006_partner_feeds
Revises: 0005_intake
Create Date: 2026-11-24 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_partner_feeds"
down_revision: str | None = "0005_intake"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _shared_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_organisation_id", sa.Integer(), nullable=False),
        sa.Column("content_digest", sa.LargeBinary(length=16), nullable=False),
        sa.Column("district_code", sa.String(length=16), nullable=True),
        sa.Column("force_code", sa.String(length=16), nullable=True),
        sa.Column("first_import_id", sa.Integer(), nullable=True),
        sa.Column("last_import_id", sa.Integer(), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "partner_incident",
        sa.Column("feed_kind", sa.String(length=20), nullable=False),
        sa.Column("partner_reference", sa.String(length=100), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("occurred_time", sa.Time(), nullable=True),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("sub_type", sa.String(length=100), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.Column("given_lsoa_code", sa.String(length=16), nullable=True),
        sa.Column("lsoa_code", sa.String(length=16), nullable=True),
        sa.Column("ward_code", sa.String(length=16), nullable=True),
        sa.Column("located_by", sa.String(length=12), nullable=True),
        *_shared_columns(),
        sa.CheckConstraint(
            "feed_kind IN ('asb', 'deliberate_fire')",
            name=op.f("ck_partner_incident_feed_kind_valid"),
        ),
        sa.CheckConstraint(
            "located_by IS NULL OR located_by IN ('coordinates', 'postcode', 'lsoa_code')",
            name=op.f("ck_partner_incident_located_by_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["source_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_partner_incident_source_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_incident")),
        sa.UniqueConstraint(
            "partner_reference",
            "feed_kind",
            "source_organisation_id",
            name="uq_partner_incident_reference",
        ),
    )
    with op.batch_alter_table("partner_incident", schema=None) as batch_op:
        batch_op.create_index(
            "ix_partner_incident_kind_occurred_on", ["feed_kind", "occurred_on"], unique=False
        )
        batch_op.create_index("ix_partner_incident_lsoa_code", ["lsoa_code"], unique=False)

    op.create_table(
        "assault_admission",
        sa.Column("record_key", sa.LargeBinary(length=16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("outward_postcode", sa.String(length=4), nullable=False),
        sa.Column("age_band", sa.String(length=20), nullable=True),
        sa.Column("sex", sa.String(length=10), nullable=True),
        sa.Column("admissions", sa.Integer(), nullable=True),
        sa.Column("suppressed", sa.Boolean(), nullable=False),
        sa.Column("suppression_marker", sa.String(length=10), nullable=True),
        *_shared_columns(),
        sa.CheckConstraint(
            "admissions IS NULL OR admissions >= 0",
            name=op.f("ck_assault_admission_admissions_not_negative"),
        ),
        sa.CheckConstraint(
            "(suppressed AND admissions IS NULL) OR (NOT suppressed AND admissions IS NOT NULL)",
            name=op.f("ck_assault_admission_suppressed_has_no_count"),
        ),
        sa.CheckConstraint(
            "period_end >= period_start", name=op.f("ck_assault_admission_period_in_order")
        ),
        sa.ForeignKeyConstraint(
            ["source_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_assault_admission_source_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assault_admission")),
        sa.UniqueConstraint(
            "record_key",
            "source_organisation_id",
            name="uq_assault_admission_key",
        ),
    )
    with op.batch_alter_table("assault_admission", schema=None) as batch_op:
        batch_op.create_index("ix_assault_admission_period_start", ["period_start"], unique=False)
        batch_op.create_index(
            "ix_assault_admission_outward_postcode", ["outward_postcode"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("assault_admission", schema=None) as batch_op:
        batch_op.drop_index("ix_assault_admission_outward_postcode")
        batch_op.drop_index("ix_assault_admission_period_start")
    op.drop_table("assault_admission")
    with op.batch_alter_table("partner_incident", schema=None) as batch_op:
        batch_op.drop_index("ix_partner_incident_lsoa_code")
        batch_op.drop_index("ix_partner_incident_kind_occurred_on")
    op.drop_table("partner_incident")
