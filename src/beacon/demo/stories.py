"""The demo's intelligence reports and how far each has gone through the workflow.

Written by Beacon for the demo: every name, number and address is invented (phone numbers are
in Ofcom's drama ranges, vehicle marks and e-mail addresses are made up). The reports share a
deal line, a car, a nickname and an address, so linking, the network view and its questions
have something to show: a county lines line run from Leeds into Wakefield, a cuckooed flat in
Beeston, a car seen at both. One pair is a resident writing in twice, for the duplicate finder,
and one hate crime report falls in a gap in the routing rules, so the unroutable banner shows.

Places are map points inside the demo's West Yorkshire LSOA boundaries (no PyPI package ships
a postcode directory, so the demo places reports by point; a withheld place is a district
name). ``sanitised`` is the text a supervisor accepted: the resident's own contact details
removed, nothing else changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from beacon.intake.models import LocationMode, SubjectKind, SubjectRole
from beacon.intake.schemas import (
    ContactDetails,
    Grading,
    PartnerReportIn,
    ResidentReportIn,
    SubjectIn,
    When,
    Where,
)

DEAL_LINE = "07700 900872"  # the "Tiny" line: Leeds, Beeston and Wakefield reports
CAR = "YX19 KLM"  # a silver Golf seen in three reports
FLAT = "22 Tempest Road"  # the cuckooed flat in Beeston
NICKNAME = "Tiny"

# Districts (2011 codes) as the demo's area table has them.
LEEDS, BRADFORD, KIRKLEES, CALDERDALE, WAKEFIELD = (
    "E08000035",
    "E08000032",
    "E08000034",
    "E08000033",
    "E08000036",
)

RECEIVED, SANITISED, GRADED, DISSEMINATED, CLOSED = (
    "received",
    "sanitised",
    "graded",
    "disseminated",
    "closed",
)


@dataclass(frozen=True)
class Story:
    key: str  # stable name, for tests and the load summary
    report: ResidentReportIn | PartnerReportIn
    state: str  # how far the demo takes it
    sanitised: str | None = None  # accepted narrative (None: the narrative as written)
    grading: Grading | None = None
    closed_reason: str | None = None
    before_fallback: bool = False  # triaged while the rules had a gap (left unroutable)


def _ago(days: int) -> dt.date:
    return dt.date.today() - dt.timedelta(days=days)


def _point(latitude: float, longitude: float) -> Where:
    return Where(mode=LocationMode.POINT, latitude=latitude, longitude=longitude)


def _resident(
    narrative: str,
    hints: tuple[str, ...],
    where: Where,
    days_ago: int,
    contact: ContactDetails | None = None,
) -> ResidentReportIn:
    return ResidentReportIn(
        narrative=narrative,
        where=where,
        when=When(occurred_from=_ago(days_ago), time_text="evening"),
        hints=hints,
        contact=contact,
    )


_POLICE_ONLY = Grading("2", "B", "C", "Police and partnership analysts only")
_SHAREABLE = Grading("2", "B", "P")

STORIES: tuple[Story, ...] = (
    Story(
        "harehills-cars",
        _resident(
            "Every night since the start of the month cars pull up outside the flats on "
            "Harehills Lane, a lad runs out, leans in the window and the car goes. One is a "
            f"silver Golf {CAR}. The lad driving it is known as {NICKNAME}.",
            ("drug_dealing",),
            _point(53.8138, -1.5179),
            3,
        ),
        DISSEMINATED,
        grading=_SHAREABLE,
    ),
    Story(
        "beeston-old-man",
        _resident(
            f"The old man at {FLAT} has had young lads staying for weeks. He looks scared and "
            f"thin and they answer his door. One of them is known as {NICKNAME}. My son told me "
            "they sell from there. Call me on 07700 900461 if you need more.",
            ("home_taken_over", "exploited"),
            _point(53.7790, -1.5560),
            6,
            ContactDetails(name="Pat Reynolds", phone="07700 900461"),
        ),
        GRADED,
        sanitised=(
            f"The old man at {FLAT} has had young lads staying for weeks. He looks scared and "
            f"thin and they answer his door. One of them is known as {NICKNAME}. A neighbour "
            "says they sell from there."
        ),
        grading=_POLICE_ONLY,
    ),
    Story(
        "station-boys",
        _resident(
            "Two boys about 14 who are not from round here get off the Wakefield train most "
            "afternoons and meet an older man in a black Audi. They have new phones and "
            f"trainers. The man's number is {DEAL_LINE}, he shouts it to people.",
            ("exploited", "drug_dealing"),
            _point(53.7946, -1.5476),
            9,
        ),
        DISSEMINATED,
        grading=_POLICE_ONLY,
    ),
    Story(
        "station-boys-again",  # the same resident writing again: a near-duplicate
        _resident(
            "Two boys about 14 who are not from round here get off the Wakefield train most "
            "afternoons and meet an older man in a black Audi. They have new phones and new "
            f"trainers. The man's number is {DEAL_LINE}, he shouts it out to people.",
            ("exploited", "drug_dealing"),
            _point(53.7947, -1.5475),
            8,
        ),
        SANITISED,
    ),
    Story(
        "seacroft-stones",
        _resident(
            "Gang of youths throwing stones at buses at the top of the estate on Friday "
            "evenings, one had what looked like a knife.",
            ("asb", "weapons"),
            Where(mode=LocationMode.WITHHELD, text="Seacroft"),
            12,
        ),
        RECEIVED,
    ),
    Story(
        "bradford-car-wash",
        _resident(
            "About eight men live in the house next to the car wash, they are picked up in a "
            "van at 5am and come back late. They never seem to have money and one told me his "
            "boss keeps his passport. Email me at r.ahmed@example.org.",
            ("forced_work",),
            _point(53.7960, -1.7594),
            15,
            ContactDetails(email="r.ahmed@example.org"),
        ),
        GRADED,
        sanitised=(
            "About eight men live in the house next to the car wash, they are picked up in a "
            "van at 5am and come back late. They never seem to have money and one told the "
            "reporter his boss keeps his passport."
        ),
        grading=_POLICE_ONLY,
    ),
    Story(
        "school-gate-cards",
        _resident(
            f"Cards with the number {DEAL_LINE} on them are being handed out to kids at the "
            f"school gates on Dewsbury Road. A lad known as {NICKNAME} hands them out from a "
            "silver Golf.",
            ("exploited", "drug_dealing"),
            _point(53.7760, -1.5420),
            2,
        ),
        SANITISED,
    ),
    Story(
        "wakefield-golf",
        _resident(
            f"A silver Golf {CAR} parks by Wakefield Westgate station every afternoon. Young "
            f"lads from Leeds get in and out. I heard one say ring {DEAL_LINE} for the stuff.",
            ("drug_dealing", "exploited"),
            _point(53.6830, -1.5050),
            4,
        ),
        DISSEMINATED,
        grading=_SHAREABLE,
    ),
    Story(
        "huddersfield-abuse",  # no rule covers hate crime in Kirklees: left unroutable
        _resident(
            "A family who moved into our street have had racist abuse shouted at them and "
            "stickers with racist slogans put on their door because of their religion. The "
            "children are too frightened to walk to school.",
            ("hate",),
            _point(53.6458, -1.7850),
            5,
        ),
        SANITISED,
        before_fallback=True,
    ),
    Story(
        "party-noise",
        _resident(
            "Loud music from a house party on our road until 3am again last weekend.",
            ("asb",),
            _point(53.7248, -1.8658),
            10,
        ),
        CLOSED,
        closed_reason="Not intelligence: a noise complaint, passed to the council's "
        "environmental health team.",
    ),
    Story(
        "bus-stop-knife",
        _resident(
            "A group of lads at the bus stop on Kirkstall Road showed a knife to my son and took "
            "his phone on Tuesday.",
            ("weapons", "theft"),
            _point(53.8020, -1.5700),
            1,
        ),
        RECEIVED,
    ),
    Story(
        "tenancy-visit",
        PartnerReportIn(
            summary="Vulnerable tenant: suspected cuckooing",
            narrative=f"On a tenancy visit to {FLAT} the tenant (60s, known alcohol dependency) "
            "would not let me in. Two young men answered the door and said he was asleep. "
            f"Neighbours report visitors all night for two weeks and a silver Golf {CAR} "
            "outside. The door lock has been changed.",
            assessment="I believe the tenant's home has been taken over for dealing and that "
            "he is at risk.",
            source_type="housing officer visit",
            source_details="Tenancy visit; two neighbours spoken to separately.",
            where=_point(53.7792, -1.5562),
            when=When(occurred_from=_ago(1)),
            theme="cuckooing",
            grading=Grading("1", "B", "C", "Police, housing and adult social care only"),
            immediate_risk=True,
            subjects=(
                SubjectIn(kind=SubjectKind.PERSON, value="Tenant (60s)", role=SubjectRole.VICTIM),
                SubjectIn(
                    kind=SubjectKind.PERSON,
                    value="Male, about 19, local accent",
                    role=SubjectRole.SUSPECT,
                ),
                SubjectIn(kind=SubjectKind.VEHICLE, value=CAR, role=SubjectRole.SUSPECT),
            ),
        ),
        DISSEMINATED,
        grading=Grading("1", "B", "C", "Police, housing and adult social care only"),
    ),
    Story(
        "tenancy-follow-up",
        PartnerReportIn(
            summary="Follow-up: phone number given by a visitor",
            narrative=f"Second visit to {FLAT}. A young man calling himself {NICKNAME} came "
            f"to the door and gave {DEAL_LINE} as 'the number for anything'. The tenant "
            "looked frightened and had a cut on his hand.",
            assessment=None,
            source_type="housing officer visit",
            source_details=None,
            where=_point(53.7792, -1.5562),
            when=When(occurred_from=_ago(0)),
            theme="cuckooing",
            grading=Grading("1", "B", "C", "Police, housing and adult social care only"),
            subjects=(
                SubjectIn(kind=SubjectKind.PHONE, value=DEAL_LINE, role=SubjectRole.SUSPECT),
            ),
        ),
        GRADED,
        grading=Grading("1", "B", "C", "Police, housing and adult social care only"),
    ),
    Story(
        "garage-fires",
        PartnerReportIn(
            summary="Fly-tipping and fires behind garages",
            narrative="Repeated small fires in the garage block behind Lincoln Green; three "
            "since Monday. Youths seen there in the evenings.",
            assessment=None,
            source_type="council warden patrol",
            source_details=None,
            where=_point(53.8030, -1.5270),
            when=When(ongoing=True),
            theme="asb",
            grading=Grading("1", "A", "P"),
        ),
        SANITISED,
    ),
    Story(
        "halifax-shouting",
        PartnerReportIn(
            summary="Neighbour hears repeated shouting and a woman crying",
            narrative="A tenant reports shouting, banging and a woman crying next door most "
            "weekends. The woman has been seen with bruises on her arms and her partner takes "
            "her phone and bank card.",
            assessment="Likely domestic abuse with controlling behaviour.",
            source_type="housing officer call",
            source_details=None,
            where=_point(53.7220, -1.8600),
            when=When(ongoing=True),
            theme="domestic_abuse",
            grading=Grading("2", "B", "C", "Police and domestic abuse services only"),
        ),
        GRADED,
        grading=Grading("2", "B", "C", "Police and domestic abuse services only"),
    ),
)
