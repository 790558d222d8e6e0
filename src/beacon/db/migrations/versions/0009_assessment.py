"""Assessments: the work, its runs (manifest and document), entered judgement, issued versions.

Revision ID: 0009_assessment
Revises: 0008_street_crime_index
Create Date: 2026-12-05 03:26:33.361564
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_assessment"
down_revision: str | None = "0008_street_crime_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("scope", sa.String(length=400), nullable=False),
        sa.Column("period_from", sa.String(length=7), nullable=False),
        sa.Column("period_to", sa.String(length=7), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by_user_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_user_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('strategic', 'tactical', 'problem', 'community_impact', 'neighbourhood')",
            name=op.f("ck_assessment_kind_valid"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'reviewed', 'approved')", name=op.f("ck_assessment_status_valid")
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_assessment_approved_by_user_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_assessment_created_by_user_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_assessment_reviewed_by_user_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
    )
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_scope"), ["scope"], unique=False)

    op.create_table(
        "assessment_capacity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("theme", sa.String(length=60), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("entered_by_user_id", sa.Integer(), nullable=True),
        sa.Column("entered_by", sa.String(length=200), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "rating BETWEEN 1 AND 5", name=op.f("ck_assessment_capacity_rating_range")
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_capacity_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_assessment_capacity_entered_by_user_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_assessment_capacity_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_capacity")),
    )
    with op.batch_alter_table("assessment_capacity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_capacity_assessment_id"), ["assessment_id"], unique=False
        )

    op.create_table(
        "assessment_horizon",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("themes", sa.Text(), nullable=False),
        sa.Column("entered_by_user_id", sa.Integer(), nullable=True),
        sa.Column("entered_by", sa.String(length=200), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "category IN ('political', 'economic', 'social', 'technological', 'environmental', 'legal', 'organisational')",
            name=op.f("ck_assessment_horizon_category_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_horizon_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_assessment_horizon_entered_by_user_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_horizon")),
    )
    with op.batch_alter_table("assessment_horizon", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_horizon_assessment_id"), ["assessment_id"], unique=False
        )

    op.create_table(
        "assessment_narrative",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("theme", sa.String(length=60), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("entered_by_user_id", sa.Integer(), nullable=True),
        sa.Column("entered_by", sa.String(length=200), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_narrative_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_assessment_narrative_entered_by_user_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_narrative")),
    )
    with op.batch_alter_table("assessment_narrative", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_narrative_assessment_id"), ["assessment_id"], unique=False
        )

    op.create_table(
        "assessment_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("theme", sa.String(length=60), nullable=False),
        sa.Column("component", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("entered_by_user_id", sa.Integer(), nullable=True),
        sa.Column("entered_by", sa.String(length=200), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "component IN ('harm', 'likelihood', 'confidence', 'position')",
            name=op.f("ck_assessment_override_component_valid"),
        ),
        sa.CheckConstraint(
            "value BETWEEN 1 AND 5", name=op.f("ck_assessment_override_value_range")
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_override_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_assessment_override_entered_by_user_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_override")),
    )
    with op.batch_alter_table("assessment_override", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_override_assessment_id"), ["assessment_id"], unique=False
        )

    op.create_table(
        "assessment_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_key", sa.String(length=32), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("scope", sa.String(length=400), nullable=False),
        sa.Column("period_from", sa.String(length=7), nullable=False),
        sa.Column("period_to", sa.String(length=7), nullable=False),
        sa.Column("snapshot_id", sa.String(length=80), nullable=False),
        sa.Column("manifest", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("figures_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_run_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_assessment_run_created_by_user_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_run")),
        sa.UniqueConstraint("run_key", name=op.f("uq_assessment_run_run_key")),
    )
    with op.batch_alter_table("assessment_run", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_run_assessment_id"), ["assessment_id"], unique=False
        )
        batch_op.create_index(
            "ix_assessment_run_scope_kind", ["scope", "kind", "period_to"], unique=False
        )

    op.create_table(
        "assessment_issue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("html", sa.LargeBinary(), nullable=False),
        sa.Column("annex_xlsx", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("issued_by_user_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "audience IN ('analysts', 'shared')", name=op.f("ck_assessment_issue_audience_valid")
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_issue_assessment_id_assessment"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_assessment_issue_issued_by_user_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["assessment_run.id"],
            name=op.f("fk_assessment_issue_run_id_assessment_run"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_issue")),
        sa.UniqueConstraint(
            "assessment_id",
            "version",
            "audience",
            name=op.f("uq_assessment_issue_assessment_id_version_audience"),
        ),
    )
    with op.batch_alter_table("assessment_issue", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_issue_assessment_id"), ["assessment_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("assessment_issue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_issue_assessment_id"))

    op.drop_table("assessment_issue")
    with op.batch_alter_table("assessment_run", schema=None) as batch_op:
        batch_op.drop_index("ix_assessment_run_scope_kind")
        batch_op.drop_index(batch_op.f("ix_assessment_run_assessment_id"))

    op.drop_table("assessment_run")
    with op.batch_alter_table("assessment_override", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_override_assessment_id"))

    op.drop_table("assessment_override")
    with op.batch_alter_table("assessment_narrative", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_narrative_assessment_id"))

    op.drop_table("assessment_narrative")
    with op.batch_alter_table("assessment_horizon", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_horizon_assessment_id"))

    op.drop_table("assessment_horizon")
    with op.batch_alter_table("assessment_capacity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_capacity_assessment_id"))

    op.drop_table("assessment_capacity")
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_scope"))

    op.drop_table("assessment")
