"""For tests that play an attacker with direct database access: lift the append-only triggers
(as such an attacker could) before editing the audit log behind Beacon's back."""

from __future__ import annotations

from sqlalchemy import Connection


def lift_append_only(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("ALTER TABLE audit_event DISABLE TRIGGER USER")
        return
    connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_event_no_update")
    connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_event_no_delete")
