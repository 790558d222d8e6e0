"""The partner form's folding sections, place finder and grading without traps (both backends).

Places come from real-looking reference rows: data.police.uk street rows (anonymised points
"On or near ...") and a postcode directory entry, inserted through the ORM.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from sqlalchemy import select

from beacon.geography.models import Area, Postcode
from beacon.ingest.models import StreetCrime
from beacon.intake.models import IntelReport
from beacon.intake.places import find_places, place_from_choice

from . import test_partner_web
from .test_partner_web import World, csrf, good_form, submit

world = test_partner_web.world  # the partner form's fixture: organisations, people, the app

ALBION = [
    # (location, LSOA, latitude, longitude, rows)
    ("On or near Albion Street", "E01011541", 53.745706, -1.60148, 5),
    ("On or near Albion Street", "E01011541", 53.7461, -1.6021, 2),  # a less used point
    ("On or near Albion Street", "E01011229", 53.64371, -1.784473, 3),  # another town's
    ("On or near Albion Place", "E01011862", 53.594009, -1.288646, 1),
    ("On or near Park Road", "E01011541", 53.75, -1.6, 4),
]


def load_places(world: World) -> None:
    with world.runtime.sessions() as session:
        number = 0
        for location, lsoa, latitude, longitude, rows in ALBION:
            for _ in range(rows):
                number += 1
                session.add(
                    StreetCrime(
                        record_key=hashlib.md5(
                            str(number).encode(), usedforsecurity=False
                        ).digest(),
                        month=dt.date(2018, 7, 1),
                        reported_by="West Yorkshire Police",
                        falls_within="West Yorkshire Police",
                        latitude=latitude,
                        longitude=longitude,
                        location=location,
                        lsoa_code=lsoa,
                        crime_type="Burglary",
                    )
                )
        session.add(Area(level="lsoa", code="E01011541", vintage="2011", name="Leeds 104B"))
        session.add(
            Postcode(
                postcode="LS1 4AP",
                latitude=53.7986,
                longitude=-1.5491,
                lsoa_code="E01011541",
                ward_code="E05001420",
                district_code="E08000035",
            )
        )
        session.commit()


def test_find_places_by_street_and_postcode(world: World) -> None:
    load_places(world)
    with world.runtime.sessions() as session:
        found = find_places(session, "  albion  ")
        assert [(p.label, p.latitude, p.longitude, p.detail) for p in found.places] == [
            ("Albion Street", 53.745706, -1.60148, "near a point in Leeds 104B (E01011541)"),
            ("Albion Street", 53.64371, -1.784473, "near a point in E01011229"),
            ("Albion Place", 53.594009, -1.288646, "near a point in E01011862"),
        ]
        assert found.message == "3 streets matching “albion”"
        assert all(p.kind == "point" and p.location_text == p.label for p in found.places)
        # LIKE wildcards in what is typed match themselves only.
        assert find_places(session, "a%b").places == []
        assert find_places(session, "Albion_Street").places == []
        assert find_places(session, "ab").message == "Enter at least 3 letters of the street name"
        [postcode] = find_places(session, "ls14ap").places
        assert (postcode.kind, postcode.postcode, postcode.latitude) == (
            "postcode",
            "LS1 4AP",
            53.7986,
        )
        assert postcode.detail.startswith("Leeds 104B")
        missing = find_places(session, "LS1 9ZZ")
        assert missing.places == [] and "LS1 9ZZ is not in the loaded postcode directory" in (
            missing.message
        )
    assert place_from_choice("point|53.745706|-1.601480|Albion Street") == {
        "location_mode": "point",
        "latitude": "53.745706",
        "longitude": "-1.601480",
        "location_text": "Albion Street",
    }
    assert place_from_choice("postcode|ls14ap") == {
        "location_mode": "postcode",
        "postcode": "LS1 4AP",
    }
    for bad in ("", "point|north|west|x", "postcode|nope", "other|1|2|3"):
        assert place_from_choice(bad) is None, bad


def test_postcodes_not_loaded_say_so(world: World) -> None:
    with world.runtime.sessions() as session:
        found = find_places(session, "LS1 4AP")
    assert found.places == []
    assert found.message.startswith("Postcodes are not loaded in this Beacon")


def test_place_lookup_posts_and_answers_json(world: World) -> None:
    load_places(world)
    client = world.client("partner")
    urls: list[str] = []
    client.event_hooks = {"request": [lambda request: urls.append(str(request.url))]}
    answer = client.post(
        "/intake/new/place", data={"csrf_token": csrf(client), "place_query": "Albion Street"}
    )
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["message"] == "2 streets matching “Albion Street”"
    assert [p["label"] for p in body["places"]] == ["Albion Street", "Albion Street"]
    assert body["places"][0]["choice"] == "point|53.745706|-1.601480|Albion Street"
    # What was looked for travels in the body only.
    assert not [u for u in urls if "Albion" in u or "place_query" in u]


def test_place_lookup_is_refused_without_the_token_or_the_permission(world: World) -> None:
    load_places(world)
    partner = world.client("partner")
    forged = partner.post("/intake/new/place", data={"place_query": "Albion"})
    assert forged.status_code == 403
    for who in ("admin", "tasking"):
        client = world.client(who)
        refused = client.post(
            "/intake/new/place", data={"csrf_token": csrf(client), "place_query": "Albion"}
        )
        assert refused.status_code == 403, who
        assert "Albion" not in refused.text
    anonymous = world.client(None)
    sent = anonymous.post(
        "/intake/new/place", data={"place_query": "Albion"}, follow_redirects=False
    )
    assert sent.status_code in (303, 403)
    assert "Albion" not in sent.text


def test_find_and_use_a_place_without_javascript(world: World) -> None:
    load_places(world)
    client = world.client("partner")
    form = good_form(action="find_place", place_query="albion", location_mode="withheld")
    found = submit(world, client, form)
    assert found.status_code == 200
    page = found.text
    assert 'id="place-message">3 streets matching “albion”</p>' in page
    choices = re.findall(r'name="place_choice" type="radio" value="([^"]+)"', page)
    assert choices[0] == "point|53.745706|-1.601480|Albion Street"
    # Every value typed so far is kept.
    assert "Possible cuckooing at a council flat" in page and 'value="albion"' in page
    assert world.count(IntelReport) == 0

    used = submit(world, client, good_form(action="use_place", place_choice=choices[0]))
    assert used.status_code == 200
    page = used.text
    assert "Using Albion Street" in page
    assert re.search(r'name="location_mode" type="radio" value="point" checked', page)
    assert re.search(r'id="latitude" name="latitude" [^>]*value="53.745706"', page)
    assert 'name="location_text" type="text" value="Albion Street"' in page

    unchosen = submit(world, client, good_form(action="use_place", place_query="albion"))
    assert unchosen.status_code == 422
    assert '<a href="#place_choice">Choose one of the places found' in unchosen.text
    assert world.count(IntelReport) == 0

    # Submitting with the place used stores the point and the street.
    stored = submit(
        world,
        client,
        good_form(
            location_mode="point",
            latitude="53.745706",
            longitude="-1.601480",
            location_text="Albion Street",
        ),
    )
    assert stored.status_code == 303, stored.text[:600]
    with world.runtime.sessions() as session:
        report = session.scalars(select(IntelReport)).one()
        assert (report.location_mode, report.latitude, report.longitude) == (
            "point",
            53.745706,
            -1.60148,
        )


def _open(page: str) -> dict[str, bool]:
    return {
        key: bool(opened)
        for key, opened in re.findall(
            r'<details class="[^"]*beacon-fold" id="section-(\w+)"( open)?>', page
        )
    }


def test_sections_fold_and_open_where_they_hold_something(world: World) -> None:
    client = world.client("partner")
    fresh = client.get("/intake/new").text
    assert _open(fresh) == {
        "about": True,
        "facts": True,
        "source": True,
        "where": True,
        "when": True,
        "subjects": False,
        "indicators": False,
        "grading": True,
    }
    # The immediate-risk question never folds away.
    assert (
        '<section class="beacon-section beacon-form-section" aria-labelledby="risk-heading">'
        in fresh
    )
    # An error in a folded section opens it; so do rows with something in them.
    error = submit(world, client, good_form(**{"subjects-2-kind": "alien"})).text
    assert _open(error)["subjects"] is True
    assert _open(error)["indicators"] is False
    more = submit(world, client, good_form(action="more_rows")).text
    assert _open(more)["subjects"] is True
    empty_rows = {
        f"subjects-{i}-{part}": "" for i in range(6) for part in ("kind", "role", "value")
    }
    ticked = submit(
        world, client, good_form(action="more_rows", indicators=["1"], **empty_rows)
    ).text
    assert _open(ticked)["indicators"] is True


def test_code_p_ignores_conditions_left_in_their_box(world: World) -> None:
    client = world.client("partner")
    page = client.get("/intake/new").text
    assert re.search(r'value="C"[^>]* data-aria-controls="conditional-handling_conditions"', page)
    stored = submit(
        world,
        client,
        good_form(handling_code="P", handling_conditions="Police and housing only"),
    )
    assert stored.status_code == 303, stored.text[:600]
    with world.runtime.sessions() as session:
        report = session.scalars(select(IntelReport)).one()
        assert (report.handling_code, report.handling_conditions) == ("P", None)
    refused = submit(world, client, good_form(handling_code="C", handling_conditions=""))
    assert refused.status_code == 422
    assert 'id="handling_conditions-error"' in refused.text
