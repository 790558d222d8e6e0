"""Drop the (falls_within, month, crime_type) index of police_street_crime.

Analytics read street crime from Parquet snapshots (DuckDB), not through this index; what still
used it (the home page overview, `beacon stats crimes --force/--month`) scans the table instead:
0.65 s rather than 0.2 s for the overview of 600,000 rows on SQLite. Keeping it (even rebuilt
after a bulk load) made `beacon import police` about 25% slower (docs/PERFORMANCE.md).

Revision ID: 0008_street_crime_index
Revises: 0007_analytics_reference
Create Date: 2026-12-04 19:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008_street_crime_index"
down_revision: str | None = "0007_analytics_reference"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_police_street_crime_force_month_type", table_name="police_street_crime")


def downgrade() -> None:
    op.create_index(
        "ix_police_street_crime_force_month_type",
        "police_street_crime",
        ["falls_within", "month", "crime_type"],
        unique=False,
    )
