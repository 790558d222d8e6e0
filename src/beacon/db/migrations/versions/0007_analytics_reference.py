"""Analytics reference data: LSOA population, crime harm weights, their editions.

Revision ID: 0007_analytics_reference
Revises: 0006_partner_feeds
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_analytics_reference"
down_revision: str | None = "0006_partner_feeds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reference_edition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("edition", sa.String(length=40), nullable=False),
        sa.Column("source_name", sa.String(length=300), nullable=False),
        sa.Column("layout", sa.String(length=40), nullable=False),
        sa.Column("import_run_id", sa.Integer(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('population', 'harm-weights')",
            name=op.f("ck_reference_edition_kind_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_edition")),
        sa.UniqueConstraint("kind", "edition", name=op.f("uq_reference_edition_kind_edition")),
    )
    op.create_table(
        "area_population",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition", sa.String(length=40), nullable=False),
        sa.Column("lsoa_code", sa.String(length=16), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("import_run_id", sa.Integer(), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "population >= 0", name=op.f("ck_area_population_population_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area_population")),
        sa.UniqueConstraint(
            "edition", "lsoa_code", name=op.f("uq_area_population_edition_lsoa_code")
        ),
    )
    with op.batch_alter_table("area_population", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_area_population_lsoa_code"), ["lsoa_code"], unique=False
        )
    op.create_table(
        "harm_weight",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition", sa.String(length=40), nullable=False),
        sa.Column("crime_type", sa.String(length=60), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("import_run_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("weight >= 0", name=op.f("ck_harm_weight_weight_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harm_weight")),
        sa.UniqueConstraint(
            "edition", "crime_type", name=op.f("uq_harm_weight_edition_crime_type")
        ),
    )


def downgrade() -> None:
    op.drop_table("harm_weight")
    with op.batch_alter_table("area_population", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_area_population_lsoa_code"))
    op.drop_table("area_population")
    op.drop_table("reference_edition")
