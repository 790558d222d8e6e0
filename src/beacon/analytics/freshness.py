"""Is the latest snapshot still the data? A cheap fingerprint of what snapshots are made from.

Every import (police, partner feeds, geography, IMD, population, harm weights) writes an
``import_run`` row; intelligence changes move ``intel_report`` counts and state dates; choosing
another population or weights edition changes ``reference_edition``; the demo's areas change
``area``. The fingerprint is a handful of aggregates over those tables, read with the standard
library's sqlite3 or with psycopg (no SQLAlchemy: short commands are judged as whole processes).

An analysis run without ``--snapshot`` refreshes the snapshot first when the fingerprint
differs from the one recorded in the latest manifest (``BEACON_ANALYTICS_AUTO_REFRESH``), so
``beacon import police ...`` followed by ``beacon analyse ...`` analyses what was imported.
"""

from __future__ import annotations

from typing import Any

FINGERPRINT_SQL = (
    "SELECT (SELECT coalesce(max(id), 0) FROM import_run), "
    "(SELECT count(*) FROM area), "
    "(SELECT count(*) FROM area_boundary), "
    "(SELECT count(*) FROM intel_report), "
    "(SELECT count(theme) FROM intel_report), "
    "(SELECT count(*) FROM intel_report WHERE erased), "
    "(SELECT CAST(max(state_changed_on) AS VARCHAR(40)) FROM intel_report), "
    "(SELECT coalesce(sum(id), 0) FROM reference_edition WHERE active), "
    "(SELECT CAST(max(updated_at) AS VARCHAR(40)) FROM reference_edition)"
)


def source_fingerprint(database_url: str) -> list[Any]:
    """The fingerprint of the operational database at ``database_url`` (SQLite or PostgreSQL)."""
    if database_url.startswith("sqlite"):
        import sqlite3
        from urllib.parse import quote

        # sqlite:///relative.db or sqlite:////absolute.db (SQLAlchemy's form), no query.
        path = database_url.split(":///", 1)[1].split("?", 1)[0]
        connection = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True)
        try:
            row = connection.execute(FINGERPRINT_SQL).fetchone()
        finally:
            connection.close()
    else:
        import psycopg

        from beacon.analytics.duck import libpq_conninfo

        with psycopg.connect(libpq_conninfo(database_url)) as pg:
            row = pg.execute(FINGERPRINT_SQL).fetchone()
    return [None if value is None else str(value) for value in (row or ())]
