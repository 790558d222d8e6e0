"""Word lists shared by the self-reference and sign-off recognisers: how reporters say who
they are (roles, relations, nationalities, streets and businesses) and words that are never
a person's name."""

from __future__ import annotations


def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


I_AM = (
    r"(?:i'?m|i’m|im|i\s+am|ah['’]?m|we'?re|we’re|we\s+are|i(?:'ve|’ve|\s+have)\s+been|"
    r"i\s+used\s+to\s+be)"
)
# Words for a person or household that a reporter describes themselves as.
PERSON = (
    r"one|ones|wan|yin|yins|ane|woman|women|man|men|lady|ladies|girl|boy|lad|lass|bloke|guy|fella|chap|gent|"
    r"person|family|couple|household|mum|mom|dad|house|flat|bungalow|maisonette|cottage|"
    r"property|home|semi|terrace|end\s+terrace|top\s+flat|basement|resident|tenant|owner|"
    r"pensioner|wummin|wifie|lassie|laddie|driver|shop|cafe|one\s+who|widow|widower|gentleman|"
    r"gent|old\s+(?:boy|girl|timer)|pub|bar|takeaway|chippy|"
    r"salon|garage|farm|farmhouse|chapel\s+house|vicarage|lodge|caravan|boat|barge|"
    r"house\s+on\s+the\s+corner|end\s+house|corner\s+house"
)
# Roles a reporter may hold. With "the" any noun will do ("I'm the caretaker at ..."); these
# are also unique without an article ("I'm chair of ...", "As churchwarden at ...").
UNIQUE_ROLES = (
    r"chair|chairman|chairwoman|chairperson|secretary|treasurer|president|caretaker|manager|"
    r"head|headteacher|head\s+teacher|headmaster|headmistress|principal|warden|churchwarden|"
    r"vicar|curate|imam|rabbi|priest|minister|organist|verger|coordinator|co-ordinator|"
    r"organiser|landlord|landlady|licensee|proprietor|owner|designated\s+safeguarding\s+lead|"
    r"dsl|clerk|lollipop\s+(?:lady|man)|crossing\s+patrol|janitor|concierge|groundsman|"
    r"tenant\s+rep(?:resentative)?|leader|director|harbou?r\s*master|station\s*master|"
    r"post\s*master|postmistress|lock\s*keeper|lighthouse\s+keeper|head\s+cook"
)
# With "the" a job held by one person at a place: "I'm the cleaner at the Co-op", "I'm the
# night manager at the Premier Inn".
ROLE_VOCAB = (
    UNIQUE_ROLES
    + r"|lead|officer|nurse|teacher|worker|keeper|steward|attendant|receptionist|porter|"
    r"cleaner|cook|chef|driver|coach|trainer|instructor|guard|assistant|deputy|administrator|"
    r"admin|operator|supervisor|sexton|sacristan|tenant|leaseholder|occupier|keyholder|"
    r"key\s+holder|volunteer|rep|representative|midwife|pharmacist|gp|doctor|dentist|vet|"
    r"postman|postwoman|postie|milkman|barman|barmaid|bartender|bouncer|doorman|handyman|"
    r"gardener|security|lady|man|woman|girl|boy|lad|fella|bloke|guy|person|one|mechanic|"
    r"hairdresser|barber|cashier|chair|governor|trustee|founder|matron|sister|custodian|"
    r"groundskeeper|attendant|contact|liaison|champion|mentor|tutor|coordinator|carer|"
    r"childminder|dentist|optician|optometrist|physio|physiotherapist|therapist|counsellor|"
    r"technician|engineer|nanny|au\s+pair|cleaner|lollipop\s+(?:lady|man)"
)
# Objects that make "I'm the owner of ..." about a thing, not a role.
NOT_A_PLACE = (
    r"(?!\s+(?:the\s+|a\s+|an\s+|this\s+|that\s+|my\s+|our\s+)?(?:car|cars|van|vehicle|"
    r"motorbike|bike|scooter|dog|dogs|cat|phone|account|wallet|bag|complaint|report|case|"
    r"opinion|view)\b)"
)
# "I run the newsagents", "we own the chip shop": a business or group, or a named one.
BUSINESS = (
    r"(?:shop|newsagents?|cafe|café|caff|pub|bar|takeaway|chippy|chip\s+shop|salon|barbers?|"
    r"garage|business|off-?licen[cs]e|offy|store|launderette|laundrette|restaurant|nursery|"
    r"club|group|centre|center|hall|team|charity|food\s*bank|pantry|bakery|stall|post\s+office|"
    r"pharmacy|chemist|hostel|b&b|guest\s*house|hotel|care\s+home|class|classes|school|gym|"
    r"allotments?|kiosk|studio|workshop|yard|depot|site|surgery|practice|parlour|bookies|"
    r"spar|co-?op|londis|premier|costcutter|one\s+stop|mini\s*market|supermarket|dry\s+"
    r"cleaners|car\s+wash|market|brewery|farm|stables|kennels|cattery|lettings|agency|firm|"
    r"company|service|association|committee|watch|scheme|page|forum|loft|pigeon\s+loft|"
    r"(?:chip|burger|ice\s+cream|food|coffee|catering)\s+van|food\s+truck|deli|delicatessen|"
    r"(?:petrol|filling|service)\s+station)s?"
)
# Relations: "I'm the mum of one of the girls" says who the reporter is related to, which
# the labelling rules treat as not identifying.
# (A carer is not a relation here: "I'm the carer for the gentleman at 31 ..." is a role.)
RELATION_NOUNS = word_set(
    "mum mom mother dad father parent parents nan nana gran grandma grandmother grandad "
    "grandfather aunt auntie uncle sister brother son daughter wife husband partner girlfriend "
    "boyfriend friend cousin victim"
)
NATIONALITY = (
    r"romanian|polish|albanian|syrian|somali|kurdish|afghan|iranian|iraqi|eritrean|sudanese|"
    r"nigerian|ghanaian|pakistani|indian|bangladeshi|chinese|vietnamese|filipino|thai|"
    r"lithuanian|latvian|bulgarian|slovak|czech|hungarian|portuguese|spanish|italian|greek|"
    r"turkish|arab|african|asian|black|jewish|muslim|sikh|hindu|christian|catholic|gay|"
    r"lesbian|trans|disabled|deaf|blind|roma|traveller|gypsy|irish|scottish|welsh|english|"
    r"ukrainian|russian|jamaican|caribbean"
)
# Words that make a residence clause narrower than a street: a number, a building or street
# name, a floor, or a position.
STREET_WORDS = (
    r"street|st|road|rd|lane|ln|avenue|ave|close|drive|court|house|mount|place|grove|crescent|"
    r"gardens|gdns|terrace|tce|vale|way|walk|approach|view|square|row|parade|mews|hill|rise|"
    r"green|fold|towers?|heights|building|block|flats|estate|park"
)

# Titles, ranks and offices written before a name ("Chief Insp. Lorraine Gibb", "Watch
# Manager Craig Dunn", "The Revd Canon Paul ...", "Maulana Idris ...").
TITLE = (
    r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Rev['’]d|Rev|Revd|Reverend|Fr|Father|Sister|Cllr|"
    r"Councillor|Sir|Dame|Lady|Lord|PCSO|PC|DC|DS|DI|DCI|DSU|Sgt|Sergeant|Insp|Inspector|Supt|"
    r"Superintendent|Chief\s+Insp(?:ector)?|Ch\.?\s*Insp|Chief\s+Supt|"
    r"Chief\s+Superintendent|Chief\s+Constable|Det(?:ective)?\.?\s+(?:Sgt|Sergeant|"
    r"Insp(?:ector)?|Constable|Supt)|Staff\s+Nurse|Nurse|Paramedic|Imam|Rabbi|Canon|Pastor|"
    r"Officer|Constable|Watch\s+Manager|Crew\s+Manager|Station\s+Manager|Group\s+Manager|"
    r"Area\s+Manager|Firefighter|Maulana|Mufti|Sheikh|Shaykh|Hafiz|Bishop|Archdeacon|Deacon|"
    r"Swami|Pandit|Giani|Bhai|Col|Colonel|Capt|Captain|Lt|Cdr|Maj)\.?"
)

# Words that are never a name (a sign-off "A concerned neighbour", "ASB Team", "I'm English").
NOT_NAME_WORDS = word_set(
    """a an the and of to for from in on at by with this that there here it its me my our we i
    thanks thank regards kind best many yours sincerely faithfully truly cheers dear hi hello
    hiya hey sent re subject team manager officer worker volunteer housing council service
    services police ltd limited centre center group department unit office trust partnership
    association school academy hospital surgery practice nhs anonymous resident residents
    concerned worried neighbour neighbours pensioner local tenant helpline depot asb staff name
    address phone tel email mobile section referral form ps monday tuesday wednesday thursday
    friday saturday sunday january february march april may june july august september october
    november december please sorry ok yes no not just also again all everyone nobody someone
    somebody concern worried scared frightened writing reporting leeds london england
    english british scottish welsh irish polish romanian spanish italian muslim christian
    jewish sikh hindu black white asian disabled deaf blind retired new old happy glad
    afraid sure aware here home back still only one two three mum dad nan"""
)
RELATIONS = (
    r"nan|nana|nanna|gran|granny|grandma|grandad|mum|mam|mom|mother|dad|father|aunt|auntie|"
    r"aunty|uncle|sister|brother|wife|husband|partner|son|daughter|neighbour|carer|friend|"
    r"cousin|niece|nephew|grandmother|grandfather"
)
ROLES_AFTER_NAME = (
    r"vicar|priest|imam|rabbi|minister|chair|chairman|chairwoman|secretary|treasurer|manager|"
    r"owner|proprietor|landlord|landlady|licensee|caretaker|warden|head|headteacher|"
    r"coordinator|co-ordinator|councillor|clerk|leader|director|founder|organiser|governor"
)
