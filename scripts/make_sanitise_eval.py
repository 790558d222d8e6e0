#!/usr/bin/env python3
"""Write the sanitiser's evaluation set: ``src/beacon/sanitise/evaluation/eval_set.jsonl``.

Two parts, both written by hand for this purpose:

* ``HAND``: whole texts, varied and messy (typos, lower case, numbers split by punctuation),
  each identifier marked inline as ``[[r:TYPE|surface]]`` (``r`` = the sanitiser should redact
  it) or ``[[f:TYPE|surface]]`` (flag it: it is about someone else). The markup is stripped and
  the offsets are computed from it, so every span is labelled by hand but counted by machine.
* ``TEMPLATES``: hand-written sentence templates whose slots are filled with varied values
  (phone numbers in Ofcom's drama ranges written many ways, postcodes, NINOs, NHS numbers,
  registrations, self-references...) with a fixed seed, so the file is reproducible.

A third part, ``HOLDOUT``, was written after the engine in phrasing it was not written against
and goes to ``holdout_set.jsonl`` beside the main set. It was blind for its first run only:
fixes were made after its misses were read, so it is now a tuning set too, kept as a
regression floor (PERFORMANCE.md). Neither file is an estimate on new text.

The sets for reporters who identify themselves are separate (``beacon sanitise-eval --selfid
FILE``, in ``tests/sanitise/data/``, not written by this script): ``selfid_tuning.jsonl``,
``selfid_tuning2.jsonl`` to ``selfid_tuning8.jsonl`` (six former blind sets, each tuned on
after its one run, and extra tuning examples) are tuning sets, and the learnt reader
(``scripts/train_selfid_model.py``) learns from all eight. The last blind set,
``selfid_blind6.jsonl``, was run once after round 6 and is now ``selfid_tuning8.jsonl``
(PERFORMANCE.md). The next round needs a new blind set by a new author.

Each output line: ``{"id", "text", "reporter"?, "spans": [{"start", "end", "type", "text",
"action"}], "source": "hand"|"template"}``. ``text`` in a span is its surface form:
``tests/sanitise/test_evaluation.py`` checks ``text[start:end] == span["text"]``.

Phone numbers are only from Ofcom's ranges reserved for drama (07700 900xxx, 0113 496 0xxx,
020 7946 0xxx, 01632 960xxx, ...) so no real subscriber is named; people and streets are made
up. Usage: python3 scripts/make_sanitise_eval.py [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "src" / "beacon" / "sanitise" / "evaluation" / "eval_set.jsonl"
HOLDOUT_NAME = "holdout_set.jsonl"
SEED = 20261118
TEMPLATE_ROUNDS = 6

# --------------------------------------------------------------------------------------------
# Hand-written whole texts. [[r:TYPE|surface]] / [[f:TYPE|surface]] mark the gold spans.
# --------------------------------------------------------------------------------------------

HAND: list[dict[str, Any]] = [
    {
        "text": "Theres cars pulling up outside no.23 at all hours, 5 min visits then off. A "
        "silver golf [[f:VEHICLE_REGISTRATION|YR64 KLM]] is there most nights. "
        "[[r:SELF_REFERENCE|I live directly opposite]] so I see it all, please dont say it "
        "was me"
    },
    {
        "text": "my number is [[r:PHONE|07700 900461]] if u need more. the lad in flat 6 gives "
        "out [[f:PHONE|07700 900 882]] to kids on the estate, they text it for weed"
    },
    {
        "text": "Young lads (13-14?) being used to run drugs from the flats on Tong Road. They "
        "get picked up in a black Audi A3, reg [[f:VEHICLE_REGISTRATION|BD19 XKF]]. I'm "
        "worried one of them is going to get hurt."
    },
    {
        "text": "[[r:SELF_REFERENCE|My daughter goes to Cockburn]] and she says older boys are "
        "selling vapes with THC in at the gates. She's in Year 9."
    },
    {
        "text": "Fly tipping again on the back lane behind Nowell Mount - mattresses, a fridge "
        "and about 20 bin bags. Been there 3 weeks. Council ref 1023456."
    },
    {
        "text": "Hi, [[r:SELF_REFERENCE|I'm at number 14]] and the house "
        "[[r:SELF_REFERENCE|next door to me]] has had people in and out every 10 minutes "
        "since Friday. Can someone ring me back on [[r:PHONE|0113 496 0172]] please. "
        "Thanks, [[r:REPORTER_NAME|Pauline]]",
        "reporter": {"name": "Pauline Hardcastle"},
    },
    {
        "text": "someone is sending texts to kids saying 'fresh bits, hmu' from "
        "[[f:PHONE|+44 7700 900317]]. [[r:SELF_REFERENCE|my son showed me]] on his phone."
    },
    {
        "text": "Noise every night till 4am, banging music and shouting from "
        "[[r:SELF_REFERENCE|the flat above mine]]. I've reported it 3 times to the housing, "
        "ref HSG-44120."
    },
    {
        "text": "Please can you look at the car wash on Dewsbury Rd. Workers seem to live there, "
        "no PPE, look scared. Men arrive in a white transit [[f:VEHICLE_REGISTRATION|FX13 BHP]] "
        "at 6am and take them away at night."
    },
    {
        "text": "A man keeps approaching girls outside the chip shop, offering lifts. Grey BMW, "
        "plate [[f:VEHICLE_REGISTRATION|M47 RTL]]? not sure about last letter."
    },
    {
        "text": "Three lads on scramblers up and down the bridleway by the reservoir, every "
        "evening between 6 and 9. Nearly hit a dog walker on Sunday. The number 42 bus had to "
        "stop for them."
    },
    {
        "text": "I need to report cuckooing. The old man at 7 Cross Flatts Grove has had his flat "
        "taken over, theres lads there all day. [[r:SELF_REFERENCE|My mum lives at number 9]] "
        "and is frightened. Her postcode is [[r:POSTCODE|LS11 7BX]]."
    },
    {
        "text": "Drugs being sold in the [[f:POSTCODE|LS9 6PX]] area, specifically the garages "
        "behind the shops. Dealer drives a red Corsa [[f:VEHICLE_REGISTRATION|yf17 ukd]]."
    },
    {
        "text": "To whom it may concern. [[r:SELF_REFERENCE|I am the caretaker at Park View "
        "Primary]] and we keep finding needles in the playground in the mornings. Please "
        "contact me on [[r:EMAIL|d.whitaker@parkview.leeds.sch.uk]]. Regards, "
        "[[r:REPORTER_NAME|Darren Whitaker]]",
        "reporter": {"name": "Darren Whitaker"},
    },
    {
        "text": "The dealer's number is [[f:PHONE|07700900555]], they call the line 'Benji'. Runs "
        "from Manchester down to Huddersfield most days. There's also a second phone "
        "[[f:PHONE|07700 900 556]]."
    },
    {
        "text": "Incident number 0456 of 14/06/2024 - I was told someone would come out but "
        "nobody did. Reported again on 21/06, log 1290."
    },
    {
        "text": "[[r:SELF_REFERENCE|we live in the end terrace on Wellington Tce]] and kids keep "
        "setting fire to the bins in the ginnel. last night it nearly caught "
        "[[r:SELF_REFERENCE|our fence]]."
    },
    {
        "text": "my NI number is [[r:NINO|JR 53 71 84 C]] - the council wanted it for the housing "
        "form but not sure why you need it. Anyway the problem is the drug dealing at the back "
        "of the flats"
    },
    {
        "text": "The lady at number 3 is being financially abused by a man who moved in. He's "
        "taken her bank card and her pension. Her NHS number (on a letter he left in the bin) "
        "is [[r:NHS_NUMBER|752 548 1458]]."
    },
    {
        "text": "hiya its [[r:REPORTER_NAME|Shaz]] [[r:SELF_REFERENCE|from the corner shop on "
        "Harehills lane]], same lads are back shoplifting and threatening the staff. one of "
        "them has a knife i think. they come in a blue focus [[f:VEHICLE_REGISTRATION|LD66 OXR]]",
        "reporter": {"name": "Shaz"},
    },
    {
        "text": "Car meets on the retail park car park Friday and Saturday nights. 50+ cars, "
        "revving and racing till 2am. Started about 6 weeks ago."
    },
    {
        "text": "[[r:SELF_REFERENCE|From my kitchen window]] I can see them swapping packages at "
        "the bus stop on Stanningley Rd most afternoons about 3.30. One lad always wears a "
        "Stone Island jacket."
    },
    {
        "text": "He's using [[f:EMAIL|quickcash.loans247@gmail.com]] to lend money to people on "
        "the estate at crazy interest, then threatens them. Loan shark basically. "
        "[[r:SELF_REFERENCE|My neighbour]] owes him £2,000."
    },
    {
        "text": "They've got a Snapchat that advertises, [[f:SOCIAL_HANDLE|@leedsfoodz_24]], posts "
        "menus every day. Pick up is behind the Co-op."
    },
    {
        "text": "Please keep me anonymous. [[r:SELF_REFERENCE|I live on Rookwood Vale]] and the "
        "house at the bottom (no 61) is a cannabis farm, you can smell it from the street and "
        "the windows are covered in foil."
    },
    {
        "text": "Call me on [[r:PHONE|07700-900-213]] not the landline as "
        "[[r:SELF_REFERENCE|my husband]] doesnt know I'm reporting this."
    },
    {
        "text": "Youths on bikes throwing eggs at windows on Halloween, about 8 of them, aged "
        "12-15. Happened around 7:45pm. Also fireworks being let off at buses on the 5th."
    },
    {
        "text": "Hi my name is [[r:REPORTER_NAME|Tomasz Nowak]], [[r:SELF_REFERENCE|I work nights "
        "at the warehouse on Bankside Street]]. Every shift I see the same van "
        "[[f:VEHICLE_REGISTRATION|VN68 ZPT]] dropping off young girls at the hotel opposite "
        "at 2-3am.",
        "reporter": {"name": "Tomasz Nowak"},
    },
    {
        "text": "There is a man selling counterfeit cigs and vapes from his car boot outside the "
        "school, [[f:VEHICLE_REGISTRATION|S512 HJT]] a white astra."
    },
    {"text": "please ring [[r:PHONE|01632 960 481]] after 5 - that's my landline"},
    {
        "text": "[[r:SELF_REFERENCE|My ex]] keeps turning up at [[r:SELF_REFERENCE|my door]] even "
        "though theres a non molestation order. He drives "
        "[[f:VEHICLE_REGISTRATION|WU15 FGE]]."
    },
    {
        "text": "dealing outside [[r:SELF_REFERENCE|our block (Clifton Court)]] every evening from "
        "about 8, lads on pushbikes doing the drop offs"
    },
    {
        "text": "There's a lad called Kai who is about 14, missing from care I think, staying at "
        "22 "
        "Grange Cres with older men. Someone should check on him. Number he was ringing from "
        "[[f:PHONE|07700 900 749]]."
    },
    {
        "text": "Tel [[r:PHONE|0114 496 0893]] (home). Neighbour's son dealing from the house, "
        "cars stop outside for a minute and go."
    },
    {
        "text": "Someone has graffitied tags all over the underpass on the ring road, looks like "
        "gang stuff - 'LS7' and 'YG' with crowns. Been there since at least March."
    },
    {
        "text": "email me on [[r:EMAIL|bernie.kelly62@hotmail.co.uk]] as i'm deaf and can't use "
        "the phone. [[r:SELF_REFERENCE|im in flat 12]] and theres a strong smell of weed "
        "coming through the vents every night"
    },
    {
        "text": "Reporting a drink driver. He leaves the Red Lion every night around 11 and drives "
        "off in a black Range Rover, private plate [[f:VEHICLE_REGISTRATION|B16 GRY]]."
    },
    {
        "text": "i think [[r:SELF_REFERENCE|my neighbour]] is being cuckooed, his name is Alan and "
        "he has learning difficulties, he lives [[r:SELF_REFERENCE|below me]] in flat 2. "
        "theres 3 or 4 lads in there all the time now and Alan looks terrified"
    },
    {
        "text": "Speeding on Elland Road between 4 and 6pm, cars doing 50+ in a 30. Someone will "
        "get killed. Need a speed camera."
    },
    {
        "text": "The county line number is [[f:PHONE|+447700900838]] - this was on a card pushed "
        "through letterboxes in the area. The card says 'open 24/7 call or text'."
    },
    {
        "text": "Dear Sir, I wish to report persistent anti-social behaviour "
        "[[r:SELF_REFERENCE|outside my property]] at [[r:REPORTER_ADDRESS|31 Parkside "
        "Gardens]], [[r:POSTCODE|WF1 3PL]]. Yours faithfully, "
        "[[r:REPORTER_NAME|Linda Barraclough]]",
        "reporter": {
            "name": "Linda Barraclough",
            "address": "31 Parkside Gardens, Wakefield",
            "postcode": "WF1 3PL",
        },
    },
    {
        "text": "kids are throwing stones at [[r:SELF_REFERENCE|my windows]], smashed one last "
        "week. crime ref 13240317722. they hang round the shelter in the park"
    },
    {
        "text": "Man in a grey hoodie exposing himself to women on the canal towpath near the "
        "lock, "
        "3 times this month. Around 7am each time."
    },
    {
        "text": "Please pass this on: the man dealing at the flats uses [[f:PHONE|07700 900 912]] "
        "and [[f:PHONE|07700 900 913]]. He's called 'Bugsy', early 20s, scar on his cheek."
    },
    {
        "text": "[[r:SELF_REFERENCE|My son Jake told me]] that a man in a white Merc "
        "[[f:VEHICLE_REGISTRATION|KP70 WNE]] offered him £50 to drop off a parcel."
    },
    {
        "text": "Contact: [[r:EMAIL|ewa.kowalska@outlook.com]] / [[r:PHONE|07700 900 604]]. Large "
        "group drinking and fighting at the bus shelter on Kirkstall Lane every weekend."
    },
    {
        "text": "Shop on the parade is selling alcohol to under 18s. Saw it happen Saturday about "
        "4pm, 2 girls maybe 15 bought vodka. The shop is the one next to the bookies."
    },
    {
        "text": "[[r:SELF_REFERENCE|I run the launderette on Chapel St]] and the same man comes in "
        "every day to use the toilet to inject. Leaves needles. Please help."
    },
    {
        "text": "[[f:VEHICLE_REGISTRATION|HN65 UZR]] has been parked on the double yellows outside "
        "the school for 2 weeks with no tax. Black Qashqai."
    },
    {
        "text": "DOB [[r:DATE_OF_BIRTH|14/02/1961]], NI [[r:NINO|NE 42 17 90 A]] - for your "
        "records. [[r:SELF_REFERENCE|I live at 5 Oakwood Drive]], [[r:POSTCODE|LS8 2QT]]."
    },
    {
        "text": "my mobile's [[r:PHONE|07700900245]] - the dealers' number is "
        "[[f:PHONE|07700900246]]"
    },
    {
        "text": "Someone is using the email [[f:EMAIL|rent.deposits.leeds@protonmail.com]] to scam "
        "students with fake flats to rent. [[r:SELF_REFERENCE|My friend]] lost £850."
    },
    {
        "text": "Between 01:00 and 03:30 on 12/03/24 there were 6 cars racing on the A64. One hit "
        "the barrier at junction 44. £10,000 damage at least. Police log 0342."
    },
    {
        "text": "[[r:SELF_REFERENCE|we've lived at number 8 for 30 years]] and never had trouble "
        "til the new people came. now theres needles in the alley and men at the door at all "
        "hours"
    },
    {
        "text": "the lads on the corner are selling from a red moped, no plates, and a black Polo "
        "[[f:VEHICLE_REGISTRATION|yh 18 vbn]]"
    },
    {
        "text": "[[r:SELF_REFERENCE|I'm a nurse at Jimmy's]] and coming home from nights I keep "
        "seeing a girl, maybe 14, getting into different cars at the petrol station on York Rd."
    },
    {
        "text": "PHONE: [[r:PHONE|+44 (0)113 496 0555]]  EMAIL: "
        "[[r:EMAIL|gareth.evans@btinternet.com]]  Issue: constant drug dealing from the car "
        "park behind the Lidl, [[f:POSTCODE|LS12 3HY]]"
    },
    {
        "text": "Reports of a man offering 'cheap' tobacco at the car boot, he gave "
        "[[r:SELF_REFERENCE|my dad]] his number, [[f:PHONE|07700 900 127]]."
    },
    {
        "text": "youths smashing up the bus shelter opposite the Spar again. glass everywhere. 3rd "
        "time this month. they're about 14 and one has a purple bike"
    },
    {
        "text": "[[r:SELF_REFERENCE|our house backs onto the ginnel]] where they deal, "
        "[[r:SELF_REFERENCE|my kids]] cant play out. Postcode is [[r:POSTCODE|ls11 6ta]] if "
        "that helps"
    },
    {
        "text": "He advertises stolen bikes on [[f:URL|facebook.com/dazza.motors.leeds]] and "
        "meets buyers at the retail park."
    },
    {
        "text": "This is [[r:REPORTER_NAME|Mohammed Iqbal]], [[r:SELF_REFERENCE|I'm chair of the "
        "Beeston Hill residents association]]. Residents have asked me to report the "
        "motorbikes on the rec every night.",
        "reporter": {"name": "Mohammed Iqbal"},
    },
    {
        "text": "Kids as young as 10 are being given bags of weed to hold. The older ones (17-18) "
        "meet up at the skate park. Their 'boss' drives a black Mercedes A class, "
        "[[f:VEHICLE_REGISTRATION|LB19 OHM]]"
    },
    {
        "text": "There's a man sleeping rough in the bus station doorway, looks unwell. Not a "
        "crime "
        "but he needs help. About 50, grey beard."
    },
    {
        "text": "Text [[f:PHONE|07700 900 388]] for 'deliveries' - this was sprayed on the wall of "
        "the underpass on Beeston Rd"
    },
    {
        "text": "[[r:SELF_REFERENCE|My partner works at the hospital]] and says they've had 3 "
        "stabbings from the same estate this month"
    },
    {
        "text": "Anonymous please. Cars being stripped on the waste ground off Tong Road, "
        "[[f:POSTCODE|LS12 4NQ]]. Parts loaded into a van, reg "
        "[[f:VEHICLE_REGISTRATION|YB14 KZE]]"
    },
    {
        "text": "i'm on [[r:PHONE|07700 900 640]] if u need me. loads of kids on e-scooters doing "
        "wheelies in the road by the school."
    },
    {
        "text": "the house at [[f:POSTCODE|BD3 9LF]] is a brothel I think, different men every "
        "hour, girls look young and don't speak English"
    },
    {
        "text": "Hello, [[r:SELF_REFERENCE|I'm the manager of the Spar on Dewsbury Road]]. We've "
        "had 4 break ins this year. Footage available, ring [[r:PHONE|0113 4960 881]]."
    },
    {
        "text": "they threatened [[r:SELF_REFERENCE|my grandson]] with a knife for his phone "
        "outside Morrisons on Saturday, 3 lads, one called Tyler."
    },
    {
        "text": "Large amount of rubbish dumped outside 14-16 Victoria Close, including asbestos "
        "sheets. Fly tippers were in a flatbed, [[f:VEHICLE_REGISTRATION|DK09 JVA]], Saturday "
        "10am."
    },
    {
        "text": "we have CCTV footage [[r:SELF_REFERENCE|from our doorbell camera]] of the lads "
        "trying car doors on [[r:SELF_REFERENCE|our street]]"
    },
    {
        "text": "Female, approx 16, seen getting in and out of cars at the Travelodge car park "
        "late at night. Cars: [[f:VEHICLE_REGISTRATION|YD67 TTW]], "
        "[[f:VEHICLE_REGISTRATION|SN21 OPX]]."
    },
    {
        "text": "He's been using his cousin's National Insurance number to work, "
        "[[r:NINO|PW 36 11 42 D]]. Cash in hand at the car wash too."
    },
    {
        "text": "NHS no. [[r:NHS_NUMBER|4573681930]] - [[r:SELF_REFERENCE|my mum's]], she is the "
        "one "
        "being targeted by the scammers"
    },
    {
        "text": "The number 7 bus stop at Seacroft is where they all hang about after school. "
        "30-40 "
        "kids, fights most days around 3:15-3:45."
    },
    {
        "text": "[[r:SELF_REFERENCE|From my balcony on the 9th floor]] I watched them break into 4 "
        "cars. They used a screwdriver. Blue Vauxhall Corsa [[f:VEHICLE_REGISTRATION|EA62 VLR]] "
        "was the lookout car."
    },
    {
        "text": "my details - name: [[r:REPORTER_NAME|Chloe Atkinson]], mob: "
        "[[r:PHONE|07700 900 356]], email: [[r:EMAIL|chloe_atk@icloud.com]]. happy to give a "
        "statement.",
        "reporter": {"name": "Chloe Atkinson"},
    },
    {
        "text": "A lot of shouting and fighting from number 19 again. Theres a baby in there. "
        "Social services should know. I'm on [[r:PHONE|0161 496 0227]]."
    },
    {
        "text": "my car, [[r:VEHICLE_REGISTRATION|YT18 LHD]], was taken from "
        "[[r:SELF_REFERENCE|outside my house]] last night. I think it's the lads from the "
        "garages."
    },
    {
        "text": "He sells on Insta, [[f:SOCIAL_HANDLE|@kushkingz_lds]], and delivers on a moped. "
        "Burner: [[f:PHONE|07700 900 990]]"
    },
    {
        "text": "Need more patrols on the estate, especially Friday nights. The community is "
        "scared. We had a meeting on 3rd May with 40 people and everyone said the same."
    },
    {
        "text": "2 men tried the door of [[r:SELF_REFERENCE|my flat, 7b Moor View Court]] at 3am. "
        "They ran off when I shouted."
    },
    {"text": "Please call me [[r:PHONE|07700 90 05 12]]. Dealing by the phone box again."},
    {
        "text": "I've been getting threatening messages from [[f:PHONE|07700 900 771]] since I "
        "reported the dealing last time. They know where I live."
    },
    {
        "text": "Me and [[r:SELF_REFERENCE|my wife]] were walking the dog along the canal at 6am "
        "and saw 2 men loading boxes from a narrowboat into a van "
        "[[f:VEHICLE_REGISTRATION|GK16 RWO]]."
    },
    {
        "text": "I want to complain about the lack of response. I reported drug dealing 4 times "
        "since January and nothing has changed. It's the same 5 or 6 lads."
    },
    {
        "text": "[[r:SELF_REFERENCE|I live above the bookies on Church St]], and every night from "
        "about 11 theres dealing in the doorway underneath."
    },
    {
        "text": "there's a woman at the school gates handing out cards with "
        "[[f:PHONE|07700 900 154]] on, offering 'easy money' to the older kids. Saw it picking "
        "up [[r:SELF_REFERENCE|my daughter]]."
    },
    {
        "text": "They deal from a white van [[f:VEHICLE_REGISTRATION|Y361 MBX]] parked up by the "
        "allotments"
    },
    {
        "text": "an old Land Rover, [[f:VEHICLE_REGISTRATION|GHJ 614T]], is used to tow the stolen "
        "caravans onto the site"
    },
    {"text": "ring me on [[r:PHONE|(0113) 496 0419]] or [[r:PHONE|07700 900419]]"},
    {
        "text": "The man at the top flat has been getting parcels delivered addressed to "
        "different names. I think it's fraud. Courier said the account email was "
        "[[f:EMAIL|j.smith.parcels@yahoo.co.uk]]"
    },
    {
        "text": "Crime ref: 13/187632/24. Follow up on the burglary at the community centre. The "
        "alarm company's contract no. is 33-4471-2. Thanks."
    },
    {
        "text": "Hi [[r:SELF_REFERENCE|I'm a youth worker at the Hub]] and 3 of our young people "
        "have told me about a man called 'Uncle' who gives them weed and asks them to 'do "
        "runs'. He's on [[f:PHONE|07700 900 808]]."
    },
    {
        "text": "[[r:SELF_REFERENCE|my flat overlooks the car park]] & I can see drug deals every "
        "20 mins"
    },
    {
        "text": "I believe the lodger at number 41 is dealing. He has at least 3 phones. Parents "
        "keep coming asking for their kids. One dad gave me the number his son was texting - "
        "[[f:PHONE|07700 900 173]]"
    },
    {
        "text": "abuse being shouted at me and [[r:SELF_REFERENCE|my family]] cos we're polish. "
        "its the group that hang round the precinct"
    },
    {
        "text": "contact [[r:EMAIL|shaun.hirst@sky.com]] - there are scramblers on the playing "
        "fields ALL DAY, one is a green Kawasaki with plate [[f:VEHICLE_REGISTRATION|KX21 BTU]]"
    },
    {
        "text": "THERE ARE YOUTHS CAUSING TROUBLE ON THE A61 AND THEY DRIVE A BLUE CORSA "
        "[[f:VEHICLE_REGISTRATION|YK19 FBN]]. PLEASE CALL ME ON [[r:PHONE|07700 900 432]]"
    },
    {
        "text": "theres men dealing outside the spar on [[r:SELF_REFERENCE|my road]] every nite "
        "my postcode [[r:POSTCODE|ls9 7nb]] i am scared of them"
    },
    {
        "text": "if you need anything use [[r:PHONE|07700 900 214]]. The lads on the bench by "
        "the library are selling to kids.",
        "reporter": {"phone": "07700900214"},
    },
    {
        "text": "people dealing near [[r:POSTCODE|ls62ab]] every night, cars from out of town",
        "reporter": {"postcode": "LS6 2AB"},
    },
    {
        "text": "Any updates to [[r:EMAIL|Priya.Patel@Leeds.gov.uk]] please. Needles found "
        "again on the path behind the health centre.",
        "reporter": {"email": "priya.patel@leeds.gov.uk", "name": "Priya Patel"},
    },
    {
        "text": "Mrs [[r:REPORTER_NAME|Ellis]] again. The same van is back. Its "
        "[[f:VEHICLE_REGISTRATION|FG17 NNA]], white Transit, parked across the dropped "
        "kerb.",
        "reporter": {"name": "Margaret Ellis"},
    },
    {
        "text": "A group of men are living in the garage behind 88 Tong Road. Food deliveries "
        "but they never come out. Could be modern slavery. The landlord's email is "
        "[[f:EMAIL|tonyslets@hotmail.com]]"
    },
    {
        "text": "bloke on a bike with a big bag does drop offs on Nowell Mount, always about 9. "
        "his phone [[f:PHONE|07700 900-347]] - saw it on an ad in the newsagents"
    },
    {
        "text": "My number: [[r:PHONE|+44 7700 900 701]]. Home phone: [[r:PHONE|020 7946 0321]]. "
        "Re the burglaries [[r:SELF_REFERENCE|on our road]] - I've got footage."
    },
    {
        "text": "Someone is living in a tent in the woods behind the crem. Not causing trouble, "
        "but lots of cans and a fire pit. Worried about him in the cold."
    },
    {
        "text": "[[r:SELF_REFERENCE|My lad]] says theres a county line called 'Kane' running out "
        "of the flats, the number is [[f:PHONE|07700 900 264]]"
    },
    {
        "text": "Disabled bay being used every day by a silver Merc [[f:VEHICLE_REGISTRATION|GN69 "
        "DVX]] with no badge, outside the surgery on Beeston Rd"
    },
    {
        "text": "[[r:SELF_REFERENCE|im the landlady of the Fox and Hounds]], men keep dealing in "
        "the beer garden. call [[r:PHONE|0113 496 0608]]"
    },
    {
        "text": "Two lads on a moped snatched a phone from a woman at the bus stop at 17:20 "
        "yesterday. Moped had no plate. Both in black, one with a North Face coat."
    },
    {
        "text": "they get the kids to hold the gear. one of the girls is only 12. her mum's number "
        "is [[f:PHONE|07700 900 039]], she doesn't know"
    },
    {
        "text": "this keeps happening outside [[r:SELF_REFERENCE|my mum's house]] on Cross Flatts "
        "Ave - lads sitting in cars smoking weed, leaving nitrous canisters"
    },
    {
        "text": "National Insurance: [[r:NINO|ab123456c]] (mine). Someone has used it to claim "
        "benefits, I think it's [[r:SELF_REFERENCE|my ex who lives at 4 Grange Close]]"
    },
    {
        "text": "He told the kids to message [[f:SOCIAL_HANDLE|@bando.boyz]] on snap for work. "
        "[[r:SELF_REFERENCE|My nephew]] was approached."
    },
    {
        "text": "A blue Fiesta reg [[f:VEHICLE_REGISTRATION|SF 17 XKT]] keeps doing doughnuts on "
        "the field behind the school every night after 10"
    },
    {
        "text": "[[r:SELF_REFERENCE|My next door neighbour]] at no 12 is selling tablets from her "
        "front door. Diazepam I think. People come all day."
    },
]

# --------------------------------------------------------------------------------------------
# Held-out texts: written after the engine, in phrasing the engine was not written against,
# and never used to tune it. Scored separately (``beacon sanitise-eval --set holdout``).
# --------------------------------------------------------------------------------------------

HOLDOUT: list[dict[str, Any]] = [
    {
        "text": "[[r:SELF_REFERENCE|I'm the one at no.7 with the blue door]]. lads sit on the wall "
        "outside smoking weed til 3am"
    },
    {
        "text": "[[r:SELF_REFERENCE|our Kelly]] says theres a man giving out free vapes to year 7s "
        "by the park gates, hes in a white van"
    },
    {"text": "[[r:PHONE|07700 900 123]] is mine if you need it"},
    {
        "text": "WhatsApp only pls [[r:PHONE|07700900388]]. Man with a pitbull threatening people "
        "on the towpath."
    },
    {
        "text": "number's [[r:PHONE|07700 900 451]], ask for Sam. loads of drug litter round the "
        "back of the chippy."
    },
    {
        "text": "He's selling out of a Ford Ka, [[f:VEHICLE_REGISTRATION|HY08 RKT]], usually "
        "parked "
        "on Back Lane by the garages."
    },
    {
        "text": "[[r:SELF_REFERENCE|I'm next door but one]] to the house where it's happening. "
        "Every night different cars."
    },
    {"text": "Postcode [[f:POSTCODE|LS 11 5RT]] hmm"},
    {
        "text": "reg: [[f:VEHICLE_REGISTRATION|ab12cde]] silver Insignia, doing drop offs at the "
        "school at home time"
    },
    {"text": "(plate [[f:VEHICLE_REGISTRATION|WR19XPL]]) is the car they come in"},
    {
        "text": "Blue BMW [[f:VEHICLE_REGISTRATION|FD16 YHT]] and a black Golf "
        "[[f:VEHICLE_REGISTRATION|YC63 NVO]] meeting in the Asda car park, swapping bags."
    },
    {"text": "round the back of [[r:SELF_REFERENCE|mine]] theres an alley where they all meet up"},
    {
        "text": "they left a needle [[r:SELF_REFERENCE|on my landing]] again. Block C, Holbeck "
        "Towers."
    },
    {
        "text": "[[r:SELF_REFERENCE|my missus]] won't go out after dark anymore because of the "
        "gang "
        "at the shops"
    },
    {
        "text": "[[r:SELF_REFERENCE|I've got a little girl at Parklands]] and the older lads are "
        "filming the younger ones fighting and putting it on tiktok"
    },
    {"text": "[[r:SELF_REFERENCE|I've been living here 30 years]] and its never been this bad"},
    {
        "text": "[[r:SELF_REFERENCE|my house is the one on the corner of Tong Rd]], they use my "
        "wall to sit on"
    },
    {
        "text": "[[r:SELF_REFERENCE|I'm a driver for Arriva]] and every night on the last 16 the "
        "same group get on at the precinct and smoke weed on the top deck"
    },
    {"text": "you can get me on [[r:PHONE|0113 496 0989]] daytime"},
    {"text": "ring [[r:PHONE|07700 900 702]] if you want to speak to me about it"},
    {
        "text": "Scam texts from [[f:PHONE|07700 900 615]] saying parcel missed, link goes to "
        "[[f:URL|www.royalmail-redelivery-uk.com]]"
    },
    {
        "text": "The girl is 14 and her NHS number is [[r:NHS_NUMBER|943 476 5919]], she's been "
        "missing since Tuesday"
    },
    {"text": "NI number [[r:NINO|ab.12.34.56.c]]"},
    {
        "text": "They're using [[f:EMAIL|fresh.greens@tutanota.com]] for orders and an Insta "
        "called [[f:SOCIAL_HANDLE|@greens_lds]]"
    },
    {"text": "my email is [[r:EMAIL|kev.oneill[at]gmail.com]] cos I dont trust the phone"},
    {
        "text": "There were about 15 youths, maybe 13-16, on the 3G pitch at 9.40pm throwing "
        "fireworks at cars on the ring road. One car, an Uber, had to swerve."
    },
    {"text": "Reported on 101 at 22:15, ref 1534 of 09/11. No one came."},
    {
        "text": "The dealer uses two numbers, [[f:PHONE|07700 900 221]] and [[f:PHONE|07700 900 "
        "222]], both advertised on a Snapchat story."
    },
    {
        "text": "[[r:SELF_REFERENCE|from my flat window]] I saw a lad being dragged into a car, "
        "black Audi, [[f:VEHICLE_REGISTRATION|MA70 KLD]]"
    },
    {
        "text": "Hi, [[r:REPORTER_NAME|Gemma]] here, [[r:SELF_REFERENCE|I'm a TA at Meadowfield]]. "
        "Older kids waiting at the gate at 3.15 are selling vapes to year 5s.",
        "reporter": {"name": "Gemma Rhodes"},
    },
    {
        "text": "Please reply to [[r:EMAIL|r.osei@leedsbeckett.ac.uk]] - "
        "[[r:SELF_REFERENCE|I'm a student at the halls on Cardigan Rd]] and someone is dealing "
        "from the ground floor flat"
    },
    {
        "text": "on [[r:SELF_REFERENCE|my way to work]] every morning there's a man asleep in "
        "the doorway of the old bank"
    },
    {
        "text": "I have CCTV. [[r:SELF_REFERENCE|My house]] faces the park gates, I can send "
        "footage of the fights"
    },
    {
        "text": "Youths on the roof of the community centre again, 4 or 5 of them, it's the 3rd "
        "time this week. Someone will fall."
    },
    {
        "text": "[[r:SELF_REFERENCE|at my mum's]] on Gipton Approach there are cars stopping every "
        "5 mins at the end house"
    },
    {
        "text": "the man at [[f:POSTCODE|S2 4QL]] has lots of young girls going in and out, I "
        "think they are being exploited"
    },
    {
        "text": "We ([[r:SELF_REFERENCE|me and the kids]]) had to call 999 on Saturday when they "
        "were fighting with machetes outside"
    },
    {
        "text": "[[r:SELF_REFERENCE|my landlord]] won't do anything about the drug dealing in the "
        "basement flat"
    },
    {"text": "contact me: [[r:PHONE|07700 900 860]] / [[r:EMAIL|SHARON.B@HOTMAIL.CO.UK]]"},
    {
        "text": "A moped with no plates and a Yamaha [[f:VEHICLE_REGISTRATION|YB68 FVN]] keep "
        "doing "
        "wheelies on the field"
    },
    {
        "text": "The brothel at 12 Chapel St uses the number [[f:PHONE|0161 496 0333]] in the "
        "adverts on Vivastreet."
    },
    {
        "text": "I'm disabled and [[r:SELF_REFERENCE|I live on the ground floor]], they bang on my "
        "window at night to scare me"
    },
    {
        "text": "can someone call me back, [[r:PHONE|07700 900 931]], about the cannabis smell "
        "from "
        "[[r:SELF_REFERENCE|the flat under mine]]"
    },
    {
        "text": "He threatened [[r:SELF_REFERENCE|my 16 year old]] with a knife and said he knows "
        "where we live"
    },
    {
        "text": "[[f:VEHICLE_REGISTRATION|BK15 ZZX]] has been abandoned for 3 weeks outside 44 "
        "Seacroft Cres, no tax, windows smashed"
    },
    {
        "text": "There's a county line using [[f:PHONE|+44 7700 900 588]], they call it the 'Cali' "
        "line"
    },
    {"text": "Please don't contact me, I'm scared. Just do something about the lads on the bench."},
    {
        "text": "[[r:SELF_REFERENCE|i work at the spar]] and they come in every day to buy "
        "rizlas and baggies"
    },
    {"text": "my dob is [[r:DATE_OF_BIRTH|03/07/1958]] if you need it for the form"},
    {"text": "Tel no. [[r:PHONE|07700 900/567]]"},
    {
        "text": "His mum is lovely but he's in with a bad crowd. He drives a white van "
        "[[f:VEHICLE_REGISTRATION|FH64 KPX]] with no insurance I think."
    },
    {
        "text": "[[r:SELF_REFERENCE|I'm a school crossing patrol on Town St]] and a car nearly hit "
        "two kids yesterday, [[f:VEHICLE_REGISTRATION|DY17 OJR]], it went through the red."
    },
    {
        "text": "ring 999 if you see them, they've got knives. That's what [[r:SELF_REFERENCE|my "
        "neighbour]] said anyway."
    },
    {
        "text": "There is a man living in a car on Kirkstall Rd, grey Zafira "
        "[[f:VEHICLE_REGISTRATION|X847 TNU]], he looks unwell"
    },
    {
        "text": "Lots of young lads on electric bikes carrying big bags at 2am between the flats. "
        "This has been going on since the summer."
    },
    {"text": "My NHS number [[r:NHS_NUMBER|4010232137]] - the GP said to give it"},
    {
        "text": "postcode [[r:POSTCODE|wf10 4ha]] - [[r:SELF_REFERENCE|we're the bungalow at the "
        "end]]"
    },
    {
        "text": "[[r:SELF_REFERENCE|our street]] has had 4 cars broken into this month. Please "
        "patrol."
    },
    {
        "text": "someone has set up a fake facebook page pretending to be the council, "
        "[[f:URL|https://facebook.com/leeds.council.grants]], asking for bank details"
    },
    {
        "text": "Contact Mr [[r:REPORTER_NAME|A. Rahman]] on [[r:PHONE|07700 900 017]]",
        "reporter": {"name": "Abdul Rahman", "phone": "07700900017"},
    },
]


MARK = re.compile(r"\[\[(r|f):([A-Z_]+)\|(.+?)\]\]")


def parse_marked(marked: str) -> tuple[str, list[dict[str, Any]]]:
    """Strip ``[[a:TYPE|surface]]`` marks and return the text and its gold spans."""
    out: list[str] = []
    spans: list[dict[str, Any]] = []
    position = 0
    length = 0
    for match in MARK.finditer(marked):
        before = marked[position : match.start()]
        out.append(before)
        length += len(before)
        action, kind, surface = match.groups()
        spans.append(
            {
                "start": length,
                "end": length + len(surface),
                "type": kind,
                "text": surface,
                "action": "redact" if action == "r" else "flag",
            }
        )
        out.append(surface)
        length += len(surface)
        position = match.end()
    out.append(marked[position:])
    text = "".join(out)
    if "[[" in text or "]]" in text:
        raise ValueError(f"unparsed markup in: {marked!r}")
    return text, spans


# --------------------------------------------------------------------------------------------
# Values for the templates
# --------------------------------------------------------------------------------------------

# Ofcom drama ranges: (national significant number prefix, digits that follow, layout).
# Layouts use N for the national number written after the trunk 0.
MOBILE_PREFIX = "7700900"
LANDLINE_RANGES = [
    ("1134960", 3, "4-3-4"),
    ("1144960", 3, "4-3-4"),
    ("1154960", 3, "4-3-4"),
    ("1164960", 3, "4-3-4"),
    ("1174960", 3, "4-3-4"),
    ("1214960", 3, "4-3-4"),
    ("1314960", 3, "4-3-4"),
    ("1414960", 3, "4-3-4"),
    ("1514960", 3, "4-3-4"),
    ("1614960", 3, "4-3-4"),
    ("1914980", 3, "4-3-4"),
    ("2079460", 3, "3-4-4"),
    ("2896496", 3, "3-4-4"),
    ("2920180", 3, "3-4-4"),
    ("1632960", 3, "5-6"),
    ("8081570", 3, "4-3-4"),
    ("3069990", 3, "4-3-4"),
]


def _group(digits: str, sizes: list[int], sep: str) -> str:
    parts = []
    i = 0
    for size in sizes:
        parts.append(digits[i : i + size])
        i += size
    return sep.join(parts)


def phone(rng: random.Random) -> str:
    if rng.random() < 0.55:
        nsn = MOBILE_PREFIX + f"{rng.randint(0, 999):03d}"
        national = "0" + nsn
        style = rng.choice(
            [
                lambda: _group(national, [5, 6], " "),
                lambda: national,
                lambda: _group(national, [5, 3, 3], " "),
                lambda: "+44 " + _group(nsn, [4, 6], " "),
                lambda: "+44 (0)" + _group(nsn, [4, 6], " "),
                lambda: "+44" + nsn,
                lambda: "0044 " + _group(nsn, [4, 3, 3], " "),
                lambda: _group(national, [5, 3, 3], "-"),
                lambda: _group(national, [5, 3, 3], "."),
                lambda: "(" + national[:5] + ") " + national[5:],
                lambda: _group(national, [4, 3, 4], " "),
                lambda: _group(national, [5, 6], "-"),
            ]
        )
        return str(style())
    prefix, extra, layout = rng.choice(LANDLINE_RANGES)
    nsn = prefix + "".join(str(rng.randint(0, 9)) for _ in range(extra))
    national = "0" + nsn
    sizes = {"4-3-4": [4, 3, 4], "3-4-4": [3, 4, 4], "5-6": [5, 6]}[layout]
    first = sizes[0]
    style = rng.choice(
        [
            lambda: _group(national, sizes, " "),
            lambda: _group(national, sizes, "-"),
            lambda: "(" + national[:first] + ") " + _group(national[first:], sizes[1:], " "),
            lambda: "+44 " + _group(nsn, [sizes[0] - 1, *sizes[1:]], " "),
            lambda: "+44 (0)" + _group(nsn, [sizes[0] - 1, *sizes[1:]], " "),
            lambda: national,
            lambda: national[:first] + " " + national[first:],
            lambda: _group(national, sizes, "."),
        ]
    )
    return str(style())


FIRST = [
    "sarah",
    "john",
    "aisha",
    "dave",
    "emma",
    "kieran",
    "fatima",
    "lee",
    "joanne",
    "ryan",
    "zainab",
    "paul",
    "kerry",
    "imran",
    "gemma",
    "stuart",
    "nadia",
    "wayne",
    "holly",
    "ali",
]
LAST = [
    "jones",
    "smith",
    "begum",
    "walsh",
    "hussain",
    "kelly",
    "brook",
    "ahmed",
    "taylor",
    "oconnor",
    "shaw",
    "khan",
    "wood",
    "clarke",
    "nowak",
    "patel",
    "hirst",
    "ward",
]
DOMAINS = [
    "gmail.com",
    "hotmail.co.uk",
    "yahoo.co.uk",
    "outlook.com",
    "btinternet.com",
    "icloud.com",
    "sky.com",
    "live.co.uk",
    "virginmedia.com",
    "aol.com",
    "protonmail.com",
    "leeds.gov.uk",
    "kirklees.gov.uk",
    "nhs.net",
    "talktalk.net",
    "googlemail.com",
    "bradford.ac.uk",
    "wyfire.org.uk",
    "example.org",
]


def email(rng: random.Random) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = rng.choice(
        [
            f"{first}.{last}",
            f"{first}{last}{rng.randint(1, 99)}",
            f"{first[0]}{last}",
            f"{first}_{last}",
            f"{last}.{first}{rng.randint(60, 99)}",
            f"{first}-{last}",
            f"{first}.{last}+{rng.choice(['reports', 'council', 'asb'])}",
        ]
    )
    address = f"{local}@{rng.choice(DOMAINS)}"
    roll = rng.random()
    if roll < 0.15:
        address = address.upper() if rng.random() < 0.3 else address.title()
    return address


OUTWARD = [
    "LS6",
    "LS11",
    "LS9",
    "LS12",
    "LS8",
    "LS7",
    "LS28",
    "BD3",
    "BD7",
    "BD8",
    "HD1",
    "HX1",
    "WF1",
    "WF13",
    "S1",
    "S2",
    "S11",
    "M14",
    "M8",
    "M1",
    "B18",
    "B10",
    "L8",
    "NE6",
    "NG7",
    "DE23",
    "CR0",
    "SW1A",
    "EC1A",
    "W1D",
    "N17",
    "E1W",
    "SE15",
    "CF24",
    "G42",
    "EH6",
    "BS5",
    "LE2",
    "SK1",
    "OL1",
    "BB1",
    "PR1",
    "HU3",
    "YO1",
    "DN1",
    "WC2N",
    "TS1",
    "ST4",
    "PL1",
    "NR2",
]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def postcode(rng: random.Random) -> str:
    outward = rng.choice(OUTWARD)
    inward = str(rng.randint(0, 9)) + "".join(rng.choice(INWARD_LETTERS) for _ in range(2))
    style = rng.random()
    if style < 0.55:
        return f"{outward} {inward}"
    if style < 0.72:
        return f"{outward} {inward}".lower()
    if style < 0.85:
        return f"{outward}{inward}"
    if style < 0.93:
        return f"{outward}{inward}".lower()
    return f"{outward.capitalize()} {inward.capitalize()}"


NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"
NINO_BAD = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def nino(rng: random.Random) -> str:
    while True:
        prefix = rng.choice(NINO_FIRST) + rng.choice(NINO_SECOND)
        if prefix not in NINO_BAD:
            break
    digits = f"{rng.randint(0, 999999):06d}"
    suffix = rng.choice("ABCD")
    style = rng.random()
    if style < 0.45:
        value = f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
    elif style < 0.75:
        value = f"{prefix}{digits}{suffix}"
    elif style < 0.9:
        value = f"{prefix} {digits} {suffix}"
    else:
        value = f"{prefix}-{digits[:2]}-{digits[2:4]}-{digits[4:]}-{suffix}"
    return value.lower() if rng.random() < 0.2 else value


def _nhs_check(nine: str) -> int | None:
    total = sum(int(c) * w for c, w in zip(nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 10:
        return None
    return 0 if check == 11 else check


def nhs(rng: random.Random, *, valid: bool = True) -> str:
    while True:
        nine = str(rng.choice([4, 6, 7])) + "".join(str(rng.randint(0, 9)) for _ in range(8))
        check = _nhs_check(nine)
        if check is None:
            continue
        if not valid:
            check = (check + rng.randint(1, 9)) % 10
            if _nhs_check(nine) == check:
                continue
        digits = nine + str(check)
        break
    style = rng.random()
    if style < 0.55:
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    if style < 0.8:
        return digits
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


VRM_AREA = "ABCDEFGHKLMNOPRSVWY"
VRM_AREA2 = "ABCDEFGHJKLMNOPRSTUVWXY"
VRM_RANDOM = "ABCDEFGHJKLMNOPRSTUVWXYZ"
VRM_YEAR = "ABCDEFGHJKLMNPRSTVWXY"


def vrm(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.7:
        age = rng.choice([*range(2, 27), *range(51, 77)])
        letters = "".join(rng.choice(VRM_RANDOM) for _ in range(3))
        area = rng.choice(VRM_AREA) + rng.choice(VRM_AREA2)
        style = rng.random()
        if style < 0.6:
            return f"{area}{age:02d} {letters}"
        if style < 0.8:
            return f"{area}{age:02d}{letters}"
        if style < 0.9:
            return f"{area}{age:02d} {letters}".lower()
        return f"{area} {age:02d} {letters}"
    if kind < 0.88:
        year = rng.choice(VRM_YEAR)
        letters = "".join(rng.choice(VRM_RANDOM) for _ in range(3))
        return f"{year}{rng.randint(1, 999)} {letters}"
    letters = "".join(rng.choice(VRM_RANDOM) for _ in range(3))
    return f"{letters} {rng.randint(1, 999)}{rng.choice(VRM_YEAR)}"


HANDLE_WORDS = [
    "kush",
    "food",
    "bando",
    "trap",
    "leeds",
    "lds",
    "yorks",
    "greenz",
    "plug",
    "fresh",
    "bits",
    "deliveries",
    "gas",
    "boyz",
    "mandem",
    "zone",
]


def handle(rng: random.Random) -> str:
    words = rng.sample(HANDLE_WORDS, 2)
    sep = rng.choice(["", "_", ".", ""])
    tail = rng.choice(["", str(rng.randint(1, 99)), "_" + str(rng.randint(1, 9))])
    return "@" + words[0] + sep + words[1] + tail


STREETS = [
    "Acacia Avenue",
    "Harehills Lane",
    "Beeston Road",
    "Chapel Street",
    "Wellington Terrace",
    "Grange Crescent",
    "Nowell Mount",
    "Cross Flatts Grove",
    "Bankside Street",
    "Moor View",
    "Stanningley Road",
    "Kirkstall Lane",
    "Victoria Close",
    "Rookwood Vale",
    "Parkside Gardens",
    "St Mary's Court",
    "Tong Road",
    "Dewsbury Road",
    "Oakwood Drive",
    "Cardigan Road",
    "Town Street",
    "Raynville Approach",
    "Bellbrooke Place",
    "Gipton Approach",
    "Seacroft Crescent",
    "Holbeck Towers",
    "Lincoln Green Road",
]
CARS = [
    "a silver Golf",
    "a black Audi A3",
    "a white Transit van",
    "a blue Corsa",
    "a grey BMW 1 series",
    "a red Fiesta",
    "a black Range Rover Evoque",
    "a white Merc Sprinter",
    "a green Skoda Octavia",
    "a black Polo",
    "a silver Toyota Prius",
    "a moped",
]
NAMES_3P = [
    "Dean",
    "Tyler",
    "Kai",
    "Bugsy",
    "Jordan",
    "Ricky",
    "Mason",
    "Shane",
    "Reece",
    "Callum",
    "Kyle",
    "Jamal",
]
REPORTERS = [
    {
        "name": "Janet Priestley",
        "phone": "07700900311",
        "email": "jan.priestley@gmail.com",
        "postcode": "LS13 2QW",
    },
    {
        "name": "Aisha Begum",
        "phone": "+44 7700 900 520",
        "email": "aisha.begum91@hotmail.co.uk",
        "postcode": "BD8 7RS",
    },
    {
        "name": "Gareth Evans",
        "phone": "0113 496 0713",
        "email": "gevans@btinternet.com",
        "postcode": "LS28 5PJ",
    },
    {
        "name": "Ewa Kowalska",
        "phone": "07700 900 878",
        "email": "ewa.k@outlook.com",
        "postcode": "HD1 6QA",
    },
    {
        "name": "Darren Whitaker",
        "phone": "01632 960 214",
        "email": "dazwhitaker@sky.com",
        "postcode": "WF13 4LB",
    },
    {
        "name": "Bernadette Kelly",
        "phone": "07700900067",
        "email": "bernie.k@icloud.com",
        "postcode": "S11 8YU",
    },
    {
        "name": "Yusuf Mahmood",
        "phone": "0161 496 0550",
        "email": "y.mahmood@live.co.uk",
        "postcode": "M14 5RG",
    },
    {
        "name": "Linda Barraclough",
        "phone": "07700 900 998",
        "email": "lindab1958@aol.com",
        "postcode": "WF1 3PL",
    },
    {
        "name": "Shaun Hirst",
        "phone": "020 7946 0871",
        "email": "shaun.hirst@virginmedia.com",
        "postcode": "N17 0AP",
    },
    {
        "name": "Priya Patel",
        "phone": "07700 900 143",
        "email": "priya.p@nhs.net",
        "postcode": "LE2 1TR",
    },
]

INTEL = [
    "There are lads dealing from the bus shelter every evening",
    "A man in a grey tracksuit is selling weed to school kids by the shops",
    "Cars pull up outside number 23 for two minutes and then drive off",
    "The house on the corner has been taken over by a group from out of town",
    "Someone keeps dumping black bags and old furniture in the back lane",
    "Kids are riding scramblers across the playing fields at all hours",
    "There is loud music and shouting from the end flat until 4am most nights",
    "A young woman is being brought to the house by different men each night",
    "The garages behind the shops are being used to store stolen bikes",
    "Young girls are being picked up from outside the school in different cars",
    "A group of teenagers are smashing bottles and intimidating people at the precinct",
    "The old man at the end has had his flat taken over by dealers",
    "Needles and foil are being left in the play area",
    "Two men are going door to door offering cheap tarmac and then threatening people",
    "Somebody is growing cannabis in the house with the covered windows",
    "Lads on bikes are doing drop offs to cars in the Aldi car park",
    "There has been a fight outside the pub every Saturday for a month",
    "A lad of about 13 is being used to carry packages between the flats",
    "People are drinking and urinating in the ginnel behind the takeaway",
    "The shop on the parade sells single cigarettes and vapes to children",
    "A van comes round late at night and men unload boxes into the empty unit",
    "Someone has been setting fire to the wheelie bins along the terrace",
    "A man with a dog keeps threatening people who walk past the garages",
    "The old pub car park is used for drug deals in the early hours",
    "There are nitrous oxide canisters all over the field every Sunday morning",
    "A woman is begging aggressively at the cash machine and following people",
    "Kids are throwing stones at the buses as they come round the bend",
    "The flat above the takeaway has men coming and going all night",
    "A group of older lads are recruiting younger ones at the skate park",
    "Stolen parcels are being opened and dumped in the alley",
]

NEG = [
    "It has been going on for about 6 months.",
    "There were about 20 of them.",
    "They were selling £10 bags.",
    "One of them got on the number 42 bus.",
    "It was at 10:30pm on 12/03/2024.",
    "I already reported it, crime ref 13/456789/24.",
    "The log number was 1234 of 05/06/24.",
    "It started in 2019.",
    "There were 5 or 6 lads, aged 15-16.",
    "They usually turn up between 2 and 3am.",
    "It happened again about 3.45pm on the 14th.",
    "The damage must be at least £2,000.",
    "They left from junction 26 of the M62.",
    "One of them is in Year 9 at the academy.",
    "Incident 0456 of 14/06/2024 was closed with no action.",
    "West Yorkshire Police ref 13240123456.",
    "It is every 10 minutes at weekends.",
    "The CCTV at the shop records from 07:45.",
    "They parked on the A61 for 15 minutes.",
    "That's 3 times this week and 11 times in March.",
    "The fine is £150 if they're caught.",
    "They were there from 23:10 until 01:40.",
    "The bus was the 19:45 from the city centre.",
    "There are flats numbered 1 to 48 in the block.",
]

SELF_RESIDENCE = [
    "I live at {num} {street}",
    "I live on {street}",
    "we live at number {num}",
    "I've lived on {street} for {years} years",
    "I live in flat {num} of the block",
    "we live at {num} {street}",
    "I'm at number {num}",
    "my address is {num} {street}",
    "I live just off {street}",
    "I live at the top of {street}",
]
SELF_PLACE = [
    "from my bedroom window",
    "from my kitchen window",
    "outside my house",
    "outside my flat",
    "right outside our front door",
    "in front of my garage",
    "over my back fence",
    "in my front garden",
    "on my doorstep",
    "at the end of my street",
    "from our balcony",
    "outside our block",
    "in our back garden",
    "on my drive",
]
SELF_PARK = [
    "outside my house",
    "outside my flat",
    "on my drive",
    "in front of my garage",
    "outside our block",
    "at the end of our road",
]
SELF_PROXIMITY = [
    "next door to me",
    "the flat above mine",
    "the flat below us",
    "the house opposite me",
    "across the road from me",
    "the house next to ours",
    "directly above me",
]
SELF_RELATION = [
    "my son told me",
    "my daughter said",
    "my husband saw",
    "my partner has seen",
    "my mum told me",
    "my dad noticed",
    "my wife heard",
    "my grandson said",
    "my neighbour told me",
    "my next door neighbour said",
    "my lad told me",
    "my sister saw",
]
SELF_WORK = [
    "I work at the Co-op on {street}",
    "I work in the chemist on {street}",
    "I'm the caretaker at the primary school",
    "I am the manager of the pub on {street}",
    "I run the chip shop on {street}",
    "I'm a teaching assistant at the academy",
    "I work nights at the petrol station on {street}",
    "I'm the warden at the sheltered housing on {street}",
]


# A filled slot: (surface, type or None, action or None)
Slot = tuple[str, str | None, str | None]


def build_slots(rng: random.Random, reporter: dict[str, str]) -> dict[str, Callable[[], Slot]]:
    def fill(pattern: str) -> str:
        return pattern.format(
            num=rng.randint(1, 120), street=rng.choice(STREETS), years=rng.randint(2, 40)
        )

    def reporter_phone() -> str:
        digits = re.sub(r"\D", "", reporter["phone"])
        if digits.startswith("44"):
            digits = "0" + digits[2:]
        nsn = digits[1:]
        sizes = [4, 3, 4] if len(digits) == 11 and not digits.startswith("07") else [5, 6]
        if digits.startswith("020"):
            sizes = [3, 4, 4]
        if digits.startswith("01632"):
            sizes = [5, 6]
        return rng.choice(
            [
                _group(digits, sizes, " "),
                digits,
                "+44 " + nsn,
                _group(digits, sizes, "-"),
            ]
        )

    def reporter_postcode() -> str:
        pc = reporter["postcode"]
        return rng.choice([pc, pc.lower(), pc.replace(" ", ""), pc.replace(" ", "").lower()])

    return {
        "intel": lambda: (rng.choice(INTEL), None, None),
        "intel_lc": lambda: (_lower_first(rng.choice(INTEL)), None, None),
        "neg": lambda: (rng.choice(NEG), None, None),
        "street": lambda: (rng.choice(STREETS), None, None),
        "num": lambda: (str(rng.randint(1, 120)), None, None),
        "car": lambda: (rng.choice(CARS), None, None),
        "who": lambda: (rng.choice(NAMES_3P), None, None),
        "phone_r": lambda: (phone(rng), "PHONE", "redact"),
        "phone_f": lambda: (phone(rng), "PHONE", "flag"),
        "email_r": lambda: (email(rng), "EMAIL", "redact"),
        "email_f": lambda: (email(rng), "EMAIL", "flag"),
        "pc_r": lambda: (postcode(rng), "POSTCODE", "redact"),
        "pc_f": lambda: (postcode(rng), "POSTCODE", "flag"),
        "nino": lambda: (nino(rng), "NINO", "redact"),
        "nhs": lambda: (nhs(rng), "NHS_NUMBER", "redact"),
        "nhs_bad": lambda: (nhs(rng, valid=False), "NHS_NUMBER", "redact"),
        "vrm_f": lambda: (vrm(rng), "VEHICLE_REGISTRATION", "flag"),
        "vrm_r": lambda: (vrm(rng), "VEHICLE_REGISTRATION", "redact"),
        "handle_f": lambda: (handle(rng), "SOCIAL_HANDLE", "flag"),
        "handle_r": lambda: (handle(rng), "SOCIAL_HANDLE", "redact"),
        "self_addr": lambda: (fill(rng.choice(SELF_RESIDENCE)), "SELF_REFERENCE", "redact"),
        "Self_addr": lambda: (
            _upper_first(fill(rng.choice(SELF_RESIDENCE))),
            "SELF_REFERENCE",
            "redact",
        ),
        "place": lambda: (rng.choice(SELF_PLACE), "SELF_REFERENCE", "redact"),
        "park": lambda: (rng.choice(SELF_PARK), "SELF_REFERENCE", "redact"),
        "Place": lambda: (_upper_first(rng.choice(SELF_PLACE)), "SELF_REFERENCE", "redact"),
        "prox": lambda: (rng.choice(SELF_PROXIMITY), "SELF_REFERENCE", "redact"),
        "Prox": lambda: (_upper_first(rng.choice(SELF_PROXIMITY)), "SELF_REFERENCE", "redact"),
        "Rel": lambda: (_upper_first(rng.choice(SELF_RELATION)), "SELF_REFERENCE", "redact"),
        "rel": lambda: (rng.choice(SELF_RELATION), "SELF_REFERENCE", "redact"),
        "Work": lambda: (_upper_first(fill(rng.choice(SELF_WORK))), "SELF_REFERENCE", "redact"),
        "work": lambda: (fill(rng.choice(SELF_WORK)), "SELF_REFERENCE", "redact"),
        "rname": lambda: (reporter["name"], "REPORTER_NAME", "redact"),
        "rfirst": lambda: (reporter["name"].split()[0], "REPORTER_NAME", "redact"),
        "rphone": lambda: (reporter_phone(), "PHONE", "redact"),
        "remail": lambda: (
            rng.choice([reporter["email"], reporter["email"].upper(), reporter["email"].title()]),
            "EMAIL",
            "redact",
        ),
        "rpc": lambda: (reporter_postcode(), "POSTCODE", "redact"),
    }


def _upper_first(value: str) -> str:
    return value[:1].upper() + value[1:]


def _lower_first(value: str) -> str:
    return value[:1].lower() + value[1:]


# Templates: (template, uses reporter details). Every template was written for this set.
TEMPLATES: list[tuple[str, bool]] = [
    ("{intel}. Call me on {phone_r} if you need more info.", False),
    ("My number is {phone_r}. {intel}.", False),
    ("{intel}. The dealer's number is {phone_f}.", False),
    ("They use {phone_f} for orders. {intel}. {neg}", False),
    (
        "Text this number to buy: {phone_f} - it was on cards posted through doors on {street}.",
        False,
    ),
    ("{intel}. His number is {phone_f} and he's always on it.", False),
    ("You can reach me on {phone_r} or email {email_r}.", False),
    ("{Self_addr}, {pc_r}. {intel}.", False),
    ("{intel} near {pc_f}. {neg}", False),
    ("The house at {num} {street}, {pc_f}, is being used for dealing. {neg}", False),
    ("{Place} I can see that {intel_lc}.", False),
    ("{Rel} that {intel_lc}.", False),
    ("{intel}. They drive {car}, reg {vrm_f}.", False),
    ("{intel}. There's always {car} ({vrm_f}) parked up when it happens.", False),
    ("Somebody scratched my car ({vrm_r}) while it was parked {park}.", False),
    ("My NI number is {nino}. {intel}.", False),
    ("{intel}. For the record my National Insurance number is {nino}.", False),
    ("He is working cash in hand using someone else's NI number, {nino}. {neg}", False),
    ("My NHS number is {nhs} in case you need it for the safeguarding referral.", False),
    ("NHS no: {nhs_bad}. {intel}.", False),
    ("Her NHS number is {nhs} - she is vulnerable and {intel_lc}.", False),
    ("{intel}. Email me at {email_r}.", False),
    ("The scam emails all come from {email_f}. {neg}", False),
    ("{intel}. They advertise on snapchat as {handle_f}.", False),
    ("Hi, it's {rname}. {intel}. My number is {rphone}.", True),
    ("{intel}. Please contact me on {remail} rather than by phone.", True),
    ("{intel}. My postcode is {rpc}.", True),
    ("{intel}. {neg} Thanks, {rfirst}", True),
    ("{neg} {intel}.", False),
    ("{intel}. {neg}", False),
    ("{neg} {neg}", False),
    (
        "The lad who lives at {num} {street} is dealing, he drives {car} {vrm_f} and his phone is "
        "{phone_f}.",
        False,
    ),
    ("{intel} - it's {prox}.", False),
    ("{intel}. Tel: {phone_r}", False),
    ("I'm on {phone_r} most evenings. {intel}.", False),
    ("Got a text from {phone_f} offering 'fresh bits'. {neg}", False),
    ("{intel}, {place}.", False),
    ("{Work}. {intel}.", False),
    ("My name is {rname}, {self_addr}. {intel}.", True),
    ("{intel}. Plate was {vrm_f}, {car}.", False),
    ("{intel}. Postcode of the house is {pc_f}.", False),
    ("{who} uses {phone_f} and {email_f} to sell. {neg}", False),
    ("{intel} - I can see it {place}. {neg}", False),
    ("{Self_addr} and {intel_lc}. Ring me on {phone_r}.", False),
    ("{intel}. {Rel} the same thing. Contact {email_r}.", False),
    ("{Self_addr} ({pc_r}). {intel}.", False),
    ("Dealing every night at the flats on {street}, {pc_f}. {neg}", False),
    ("NI no. {nino} - he's using it to claim in two names.", False),
    ("NHS number {nhs}, she's in the care home and {intel_lc}.", False),
    ("His NHS number is {nhs} (he is 15 and has been reported missing twice).", False),
    ("nhs {nhs_bad} - for the referral. {intel}.", False),
    ("{intel}. My postcode is {pc_r} if that helps.", False),
]

SEGMENT = re.compile(r"\{(\w+)\}")


def render(template: str, slots: dict[str, Callable[[], Slot]]) -> tuple[str, list[dict[str, Any]]]:
    out: list[str] = []
    spans: list[dict[str, Any]] = []
    length = 0
    position = 0
    for match in SEGMENT.finditer(template):
        literal = template[position : match.start()]
        out.append(literal)
        length += len(literal)
        surface, kind, action = slots[match.group(1)]()
        if kind is not None:
            spans.append(
                {
                    "start": length,
                    "end": length + len(surface),
                    "type": kind,
                    "text": surface,
                    "action": action,
                }
            )
        out.append(surface)
        length += len(surface)
        position = match.end()
    out.append(template[position:])
    return "".join(out), spans


def _reporter_fields(reporter: dict[str, str], template: str) -> dict[str, str]:
    used = {
        "name": "{rname}" in template or "{rfirst}" in template,
        "phone": "{rphone}" in template,
        "email": "{remail}" in template,
        "postcode": "{rpc}" in template,
    }
    # The form's optional contact fields: give what the template uses, sometimes more.
    return {key: value for key, value in reporter.items() if used.get(key)}


def build(seed: int = SEED) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for number, item in enumerate(HAND, start=1):
        text, spans = parse_marked(item["text"])
        row: dict[str, Any] = {"id": f"hand-{number:03d}", "text": text}
        if "reporter" in item:
            row["reporter"] = item["reporter"]
        row["spans"] = spans
        row["source"] = "hand"
        rows.append(row)
    counter = 0
    for _ in range(TEMPLATE_ROUNDS):
        for template, uses_reporter in TEMPLATES:
            counter += 1
            reporter = rng.choice(REPORTERS)
            slots = build_slots(rng, reporter)
            text, spans = render(template, slots)
            row = {"id": f"tpl-{counter:03d}", "text": text}
            if uses_reporter:
                row["reporter"] = _reporter_fields(reporter, template)
            row["spans"] = spans
            row["source"] = "template"
            rows.append(row)
    for row in rows:
        for span in row["spans"]:
            assert row["text"][span["start"] : span["end"]] == span["text"], row
    return rows


def build_holdout() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for number, item in enumerate(HOLDOUT, start=1):
        text, spans = parse_marked(item["text"])
        row: dict[str, Any] = {"id": f"holdout-{number:03d}", "text": text}
        if "reporter" in item:
            row["reporter"] = item["reporter"]
        row["spans"] = spans
        row["source"] = "holdout"
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    rows = build()
    holdout = build_holdout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for path, batch in ((args.out, rows), (args.out.with_name(HOLDOUT_NAME), holdout)):
        with path.open("w", encoding="utf-8") as handle_out:
            for row in batch:
                handle_out.write(json.dumps(row, ensure_ascii=False) + "\n")
    hand = sum(1 for row in rows if row["source"] == "hand")
    print(
        f"wrote {len(rows)} texts ({hand} hand-written) to {args.out} and {len(holdout)} "
        f"held-out texts to {args.out.with_name(HOLDOUT_NAME)}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
