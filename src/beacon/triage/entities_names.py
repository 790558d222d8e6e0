"""Word lists for ``beacon.triage.entities``: given names, towns, and the words that must never
be read as a name, a nickname or part of a street name.

All lists are lower case and frozen at import. They are deliberately modest: the extractor
prefers missing a name to inventing one, and an unknown given name is only lost when nothing
else in the sentence (a title, "a lad called", "her boyfriend") says it is a person.
"""

from __future__ import annotations


def word_set(text: str) -> frozenset[str]:
    """The space-separated words of ``text``."""
    return frozenset(text.split())


# Given names common in the UK across its communities. Names that are far more often ordinary
# words or dates in reports ("May", "June", "Will", "Hope", "Summer", "Bill", "Frank" ...) are
# left out on purpose.
GIVEN_NAMES = word_set(
    # boys and men
    "aaron abdul abdullah adam adrian ahmed aidan aiden alan alastair alex alexander alfie ali "
    "alistair andre andrew andy angus anthony antony arjun archie arthur ashley barry ben "
    "benjamin billy blake bobby bradley brandon brendan brian callum calum cameron carl "
    "carlos charlie chris christian christopher ciaran colin connor conor craig damian damien "
    "daniel danny darren darryl daryl dave david dean declan dennis derek dominic donovan "
    "dougie douglas duncan dwayne dylan eamon ed eddie edward elliot elliott emmanuel eric "
    "ethan euan evan ewan finlay finn gareth gary gavin geoff george gerald gordon graham grant "
    "greg gregory gurpreet hamza hamish harley harrison harry harvey hassan hayden henry ian "
    "ibrahim imran isaac ivan jack jackson jacob jake jamal james jamie jared jason javed jay "
    "jayden jermaine jerome jesse jim jimmy joe joel joey john johnny jon jonathan jordan joseph "
    "josh joshua jude julian justin kai kamal karl keith kelvin ken kenneth kenny kevin kieran "
    "kieron kirk kwame kyle lee leon leroy lewis liam logan louis luca lucas luke lukasz "
    "malcolm marcus mario marek mark martin mason matt matthew max michael mick mickey mike "
    "mohammed mohammad mohamed muhammad nathan neil nicholas nick nigel noah oliver ollie "
    "omar oscar owen patrick paul pawel pete peter phil philip piotr rajesh ravi ray raymond "
    "reece rhys ricky richard rob robbie robert rory ross ryan sam samuel scott sean shane "
    "shaun simon stefan steve steven stephen stuart tariq terry theo thomas tim timothy toby "
    "tom tommy tony trevor troy tyler tyrone usman vijay vincent wayne wesley william wojciech "
    "yusuf zac zach zack zain "
    "tomasz krzysztof marcin jakub kamil mateusz andrzej grzegorz adrian dawid bartosz "
    "mihai andrei ionut florin bogdan vasile darius aurel sergiu "
    "kofi kwabena yaw chidi chinedu emeka tunde segun femi olu tobi "
    "rashid faisal bilal hamid khalid waqar zubair sajid shahid asif arif nadeem "
    "sandeep harpreet manpreet jaspreet kuldeep ranjit "
    "niall seamus padraig cormac fergus gethin dafydd iwan rhodri "
    # girls and women
    "abigail abbie aisha alice alicia alison amanda amelia amy andrea angela anna anne annie "
    "aoife asha ayesha bethany beth bridget brooke caitlin carly carol caroline catherine "
    "chantelle charlotte chelsea chloe claire clare courtney danielle debbie deborah demi "
    "denise diane donna eileen eleanor elizabeth ella ellie emily emma erin eve evie fatima "
    "fiona gemma georgia gillian hannah harriet heather helen holly imogen isabel isabella "
    "isla jade jane janet jasmine jenna jennifer jenny jessica jodie joanne jolene julie "
    "kaitlyn karen kate katie kayleigh kelly kerry kim kirsty lacey laura lauren leah leanne "
    "linda lisa lola lorraine louise lucy lydia lynn lynsey maddie madison maria marie "
    "marion martha mary maxine megan melissa mia michelle molly monica nadia naomi natalie "
    "natasha nicola nicole niamh nina olivia paige pamela patricia paula pauline poppy "
    "precious priya rachel rebecca rhiannon rita roxanne ruby sadia samantha sandra sara "
    "sarah shannon sharon shauna shelley sian sinead sophie stacey stephanie susan tanya "
    "tara teresa tina tracey tracy vanessa vicky victoria wendy yasmin zara zoe "
    "ewa agnieszka katarzyna magdalena joanna malgorzata marta monika aleksandra kasia "
    "ioana elena andreea alina mihaela "
    "abena ama efua chiamaka ngozi funmi adaeze "
    "shabana nasreen rukhsana samina parveen shazia saima farzana "
    "bernadette siobhan roisin maeve grainne bronwen cerys ffion seren "
    "kerry-ann leigh-ann jo-anne"
)

# Towns and cities that may follow a street address without a comma ("14 mill lane leeds").
# After a comma any capitalised place name is accepted; this list is for lower-case texts.
TOWNS = word_set(
    "aberdeen barnsley basildon bath bedford belfast birmingham blackburn blackpool bolton "
    "bournemouth bradford brighton bristol burnley bury cambridge cardiff carlisle chelmsford "
    "cheltenham chester chesterfield colchester coventry crawley croydon derby doncaster "
    "dudley dundee durham eastbourne edinburgh exeter gateshead glasgow gloucester grimsby "
    "halifax harrogate hastings horsham hove huddersfield hull ilkeston ipswich keighley "
    "lancaster leeds leicester lewes lincoln liverpool london luton manchester matlock "
    "middlesbrough milton newcastle newport northampton norwich nottingham oldham oxford "
    "peterborough plymouth portsmouth preston reading rochdale rotherham salford sheffield "
    "slough southampton southend stockport stoke sunderland swansea swindon telford wakefield "
    "walsall warrington watford wigan wolverhampton worcester worthing york "
    "buxton glossop belper ripley heanor alfreton bolsover swadlincote bognor chichester "
    "littlehampton shoreham burgess haywards uckfield crowborough bexhill seaford newhaven "
    "headingley chapeltown harehills armley beeston holbeck"
)

# Street-type words: the last word of a street name.
STREET_TYPES_PLAIN = word_set(
    # Rarely anything but a street after a house number and a name, so accepted in lower case.
    "road street lane avenue crescent terrace gardens mews boulevard"
)
STREET_TYPES_AMBIGUOUS = word_set(
    # Ordinary words too ("3 cars drive past", "2 lads walk"): accepted when the street name is
    # capitalised or an address cue ("lives at", "flat", "number") comes before.
    "close court drive way grove place walk row hill view square parade rise green vale gate "
    "fold croft chase mount quay wharf villas cottages approach park"
)
# Abbreviations and the full word each stands for (compared without a trailing dot).
STREET_ABBREVIATIONS = {
    "rd": "Road",
    "st": "Street",
    "str": "Street",
    "ln": "Lane",
    "ave": "Avenue",
    "av": "Avenue",
    "cl": "Close",
    "ct": "Court",
    "crt": "Court",
    "dr": "Drive",
    "cres": "Crescent",
    "cresc": "Crescent",
    "tce": "Terrace",
    "terr": "Terrace",
    "gr": "Grove",
    "gro": "Grove",
    "pl": "Place",
    "sq": "Square",
    "pde": "Parade",
    "gdns": "Gardens",
    "wlk": "Walk",
    "mws": "Mews",
}

DAYS_MONTHS = word_set(
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs "
    "fri sat sun january february march april may june july august september october "
    "november december jan feb mar apr jun jul aug sep sept oct nov dec christmas easter"
)

# Capitalised words that are not surnames after a given name ("Jordan Road" is a street,
# "Jack Daniels" a drink, "Chelsea Football" a club).
NOT_SURNAMES = word_set(
    "the and or but to from at in on of by with is was are were has had have will would "
    "can could said says told came went goes got left did does lives lived street road lane "
    "avenue close court drive way crescent terrace grove place walk gardens row hill view mews "
    "square parade rise green vale gate park estate house flat school academy college "
    "primary centre center station church hospital surgery shop shops store stores market "
    "mall pub bar club arms inn hotel house tower towers road's daniels football city united "
    "rovers town fc police council university nhs uk express extra local metro "
    "north south east west upper lower new old great little "
    # places and premises: "Victoria Arcade", "Jordan Park", "Leanne Hair"
    "arcade centre plaza precinct retail shopping bridge hall lodge library leisure baths "
    "infirmary village heights point quay wharf rise fold mount gate vale tavern social "
    "works moor common meadow meadows island bay beach pier sands docks harbour port marina "
    "hair beauty nails barbers cafe takeaway pizza kebab chicken"
)

# Brands, shops and organisations that look like capitalised names in reports.
BRANDS = word_set(
    "tesco asda aldi lidl morrisons sainsburys sainsbury's coop co-op iceland greggs "
    "mcdonalds mcdonald's kfc subway costa starbucks primark boots argos currys amazon "
    "deliveroo uber bolt snapchat instagram tiktok facebook whatsapp telegram youtube "
    "google apple samsung iphone nike adidas gucci canada"
)

# Words that cannot be part of a street's name: "3 lads on the road", "2 cars parked in the
# close", "5 mins down the lane". Descriptive words stay out of this list: Green Lane, New Road,
# Back Lane and Silver Street are real streets.
FUNCTION_WORDS = word_set(
    "a an the this that these those it its he him his she her hers they them their theirs i "
    "me my mine we us our you your yours who whom whose which what when where why how "
    "and or but if so as at by for from in into of off on onto out over to up down with "
    "without about after before around near past through under between behind outside "
    "inside is are was were be been being am do does did done has have had having will "
    "would shall should can could may might must not no yes too very just also only even "
    "still again then than there here now all any some every each both either neither "
    "lot lots loads few many much more most another such own same away "
    "along across opposite beside towards toward via round past beyond within "
    "ok okay lol yeah yh ye u ur r y n im dont cant wont didnt isnt wasnt aint gonna wanna "
    "gotta cos coz bc tho thru pls plz innit like really maybe always never sometimes usually"
)
COUNT_NOUNS = word_set(
    "names name someone somebody something anyone anybody anything everyone everybody "
    "nobody nothing people person man men woman women lad lads boy boys girl girls kid kids "
    "guy guys bloke blokes fella fellas youths youth teenagers teens gang group car cars van "
    "vans bike bikes times time minutes mins minute hours hour hrs days day weeks week months "
    "month years year yrs yo ago doors houses flats homes nights night morning evening "
    "afternoon tonight today yesterday tomorrow dogs dog bags bag pounds quid grand miles "
    "properties property addresses shops police officers lines phones calls texts "
    "metres yards feet foot"
)
VERBS = word_set(
    "going coming gone come go get got getting see saw seen seeing know knew known think "
    "thought said say saying tell told call called calls calling shout shouting shouted "
    "walked walking walks run running ran parked parking driving drove drives dealing dealt "
    "selling sold sells buying bought smoking drinking fighting hanging stood standing "
    "sitting sat lives living live stays staying"
)
STREET_NAME_STOP_WORDS = FUNCTION_WORDS | COUNT_NOUNS | VERBS

# Words that are never a nickname or a name after a cue ("known as well", "her boyfriend
# said", "they call him names").
STOP_WORDS = (
    STREET_NAME_STOP_WORDS
    | DAYS_MONTHS
    | word_set(
        "big small little large tall short black white red blue green silver grey gray dark "
        "first second third last next other new old well back"
    )
)
NOT_NAMES = STOP_WORDS | BRANDS
