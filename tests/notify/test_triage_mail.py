"""Triage's messages reach a real SMTP server (aiosmtpd on 127.0.0.1): the owner a rule routes
a report to, and, for a report nothing routes, the supervisors and administrators. Each message
names the reference and says where to look, never what the report says."""

from __future__ import annotations

from sqlalchemy import select

from beacon.intake.models import IntelReport
from beacon.notify.service import deliver_pending
from notify.conftest import MailServer
from triage.test_flow import PHONE_TEXT, _org, _rule, _sanitise
from triage.test_themes import World
from triage.test_themes import world as world


def _deliver(world: World, server: MailServer) -> None:
    settings = world.settings.model_copy(
        update={"smtp_host": server.host, "smtp_port": server.port}
    )
    with world.runtime.sessions() as session:
        report = deliver_pending(session, settings)
        session.commit()
    assert report.failed == 0


def test_the_owner_is_mailed_the_reference_only(world: World, mail_server: MailServer) -> None:
    council = _org(world, "Lakeside Council")
    _rule(world, position=1, area_level="any", area_code=None, theme_key=None,
          owner_organisation_id=council, team="Community safety", fallback=True)  # fmt: skip
    report_id = _sanitise(world, PHONE_TEXT)
    _deliver(world, mail_server)
    with world.runtime.sessions() as session:
        reference = session.scalars(
            select(IntelReport.reference).where(IntelReport.id == report_id)
        ).one()
    [mail] = mail_server.to("analyst@lakesidecouncil.example")
    assert reference in mail.message["Subject"]
    assert "Lakeside Council (Community safety)" in mail.text
    assert f"/intake/{report_id}" in mail.text
    assert "07700" not in mail.text and "Golf" not in mail.text
    assert mail_server.to("supervisor@hub.example") == []  # routed: no alert


def test_an_unroutable_report_mails_supervisors_and_administrators(
    world: World, mail_server: MailServer
) -> None:
    _sanitise(world, PHONE_TEXT)
    _deliver(world, mail_server)
    assert {r for m in mail_server.received for r in m.recipients} == {
        "supervisor@hub.example",
        "admin@hub.example",
    }
    assert all("cannot be routed" in m.message["Subject"] for m in mail_server.received)
    assert all("/admin/routing" in m.text for m in mail_server.received)
