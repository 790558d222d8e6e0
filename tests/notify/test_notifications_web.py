"""In-app notifications (``GET /notifications``, ``POST /notifications/read``): each person sees
only their own, newest first with their links; marking read needs the CSRF token and touches
only the person's own; the navigation shows the unread count. SQLite and, when configured,
PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select

from beacon.notify.models import Notification
from triage.test_themes import World, _token
from triage.test_themes import world as world


def _notify(world: World, who: str, title: str, *, minutes_ago: int = 0, read: bool = False) -> int:
    now = dt.datetime.now(dt.UTC)
    with world.runtime.sessions() as session:
        row = Notification(
            user_id=world.people[who][0],
            purpose="triage_routed",
            title=title,
            body=f"Body of {title}",
            link="/intake/abc123",
            created_at=now - dt.timedelta(minutes=minutes_ago),
            read_at=now if read else None,
        )
        session.add(row)
        session.commit()
        return row.id


def _titles(response: Any) -> list[str]:
    return re.findall(r'<a class="govuk-link" href="/intake/abc123">([^<]+)</a>', response.text)


def _unread(world: World, who: str) -> set[str]:
    with world.runtime.sessions() as session:
        return set(
            session.scalars(
                select(Notification.title).where(
                    Notification.user_id == world.people[who][0], Notification.read_at.is_(None)
                )
            )
        )


def test_each_person_sees_only_their_own_newest_first_with_the_count(world: World) -> None:
    _notify(world, "analyst", "Older for the analyst", minutes_ago=30)
    _notify(world, "analyst", "Newer for the analyst", minutes_ago=1)
    _notify(world, "analyst", "Already read", minutes_ago=60, read=True)
    _notify(world, "supervisor", "For the supervisor only")
    analyst = world.client("analyst")
    response = analyst.get("/notifications")
    assert response.status_code == 200
    assert _titles(response) == ["Newer for the analyst", "Older for the analyst", "Already read"]
    assert "For the supervisor only" not in response.text
    assert "Body of Newer for the analyst" in response.text
    assert "Notifications (2)" in response.text
    # The count is in the navigation of every page, for everyone signed in.
    assert "Notifications (2)" in analyst.get("/account/password").text
    supervisor = world.client("supervisor")
    assert _titles(supervisor.get("/notifications")) == ["For the supervisor only"]
    assert "Notifications (1)" in supervisor.get("/intake").text
    # A partner contributor may open their (empty) list too.
    partner = world.client("partner").get("/notifications")
    assert partner.status_code == 200 and "You have no notifications." in partner.text
    assert "Notifications (" not in partner.text


def test_marking_read_needs_the_csrf_token(world: World) -> None:
    _notify(world, "analyst", "Unread one")
    client = world.client("analyst")
    for data in ({}, {"csrf_token": "forged"}):
        response = client.post("/notifications/read", data=data, follow_redirects=False)
        assert response.status_code == 403
    assert _unread(world, "analyst") == {"Unread one"}


def test_marking_read_all_or_chosen_and_never_someone_elses(world: World) -> None:
    first = _notify(world, "analyst", "First")
    _notify(world, "analyst", "Second")
    theirs = _notify(world, "supervisor", "The supervisor's")
    client = world.client("analyst")
    token = _token(client, "/notifications")
    response = client.post(
        "/notifications/read",
        data={"csrf_token": token, "id": [str(first), str(theirs)]},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/notifications?done=1"
    assert _unread(world, "analyst") == {"Second"}
    assert _unread(world, "supervisor") == {"The supervisor's"}
    page = client.get(response.headers["location"])
    assert "1 notification marked as read." in page.text
    assert "Notifications (1)" in page.text
    response = client.post("/notifications/read", data={"csrf_token": token})
    assert response.status_code == 200  # followed to the list
    assert _unread(world, "analyst") == set()
    assert "Notifications (" not in response.text
    assert _unread(world, "supervisor") == {"The supervisor's"}


def test_bad_ids_are_refused(world: World) -> None:
    _notify(world, "analyst", "Unread one")
    client = world.client("analyst")
    token = _token(client, "/notifications")
    for value in ("abc", "9" * 40, "-1"):
        response = client.post(
            "/notifications/read", data={"csrf_token": token, "id": value}, follow_redirects=False
        )
        assert response.status_code == 400, value
    assert _unread(world, "analyst") == {"Unread one"}


def test_anonymous_visitors_are_sent_to_sign_in(world: World) -> None:
    _notify(world, "analyst", "Unread one")
    client = world.client(None)
    response = client.get("/notifications", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    response = client.post("/notifications/read", data={}, follow_redirects=False)
    assert response.status_code in (303, 403)
    assert _unread(world, "analyst") == {"Unread one"}
    assert "Notifications" not in client.get("/login").text
