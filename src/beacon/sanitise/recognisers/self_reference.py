"""Where reporters identify themselves in running text (``SELF_REFERENCE``).

What counts (the labelling rules of issue 11, from reports the team did not write):

- where the reporter lives, when it is an address or narrower than a street: "I live at 14
  Acacia Avenue", "I'm at number 14", "im at 5", "I live in flat 3, under them", "I live on
  the 4th floor of Kirk House";
- their exact position next to the subject: "next door to me", "the flat above mine", "we
  share a wall", "my bedroom is directly below their living room", "I can see their back door
  from my patio", "the lad next door", "the family opposite me";
- a trait or role nobody else round there has: "I'm the only Sikh family on the close",
  "I'm the one with the camera doorbell", "my flat is the only one on the ground floor",
  "I'm the caretaker at Park View Primary", "I run the newsagents on Park Road", "I'm on the
  morning shift".

What does not (ordinary first-person mentions, which only made noise): "my son", "my mum
says", "our street", "on my drive", "outside my house", "I've lived here all my life",
"I'm a nurse", "I work at the hospital", "I'm not the only one".

Cues that describe the subject as much as the reporter ("the flat above mine", "the lad next
door") are flagged for the human sanitiser, not redacted: removing them would remove where
the subject is. Everything else found here is redacted.

Every cue but the third-person positions contains a first-person word (I, we, my, our, me,
mine, us, ours, ah'm): the recogniser finds those words with one fast scan and tries each
pattern only there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from beacon.sanitise.recognisers.base import ACTION_KEY, make_result
from beacon.sanitise.recognisers.clauses import clause_end, statement_end, strip_span
from beacon.sanitise.recognisers.neighbours import third_person_positions
from beacon.sanitise.recognisers.situations import situations
from beacon.sanitise.recognisers.traits import as_traits, only_tails
from beacon.sanitise.recognisers.vocabulary import (
    BUSINESS,
    I_AM,
    NATIONALITY,
    NOT_A_PLACE,
    PERSON,
    RELATION_NOUNS,
    ROLE_VOCAB,
    STREET_WORDS,
    UNIQUE_ROLES,
    word_set,
)

_ADDRESS_LIKE_RE = re.compile(
    r"\b(?:number|no\.?|num|flat|apartment|apt|unit|house)\s*\d+[a-z]?\b"
    r"|(?<![\w£$])\d+[a-z]?\b(?!\s*(?:years?|yrs?|months?|weeks?|days?|hours?|mins?|minutes?|"
    r"am|pm|%|o'?clock|ish|or\s+so|times?|kids?|children|childrens)\b)"
    r"|\b(?:last|first|end|only|corner|end-terrace)\s+(?:house|flat|bungalow|cottage|farm|"
    r"property|one)\b"
    r"|\b\d+(?:st|nd|rd|th)\s+floor\b|\b(?:ground|first|second|third|top)\s+floor\b"
    r"|\b(?-i:[A-Z][\w'’]+)\s+(?-i:(?:"
    + "|".join(w.capitalize() for w in STREET_WORDS.split("|"))
    + r"))\b"
    r"|\b(?:above|below|under|underneath|beneath|opposite|opp|(?:next|nxt)\s+(?:door|dor|to|2)|"
    r"behind|beside|attached|joined|adjoining|"
    r"directly|across\s+(?:from|the\s+(?:road|street|way|landing|landin|hall|corridor|stairs?|"
    r"stairwell|passage))|over\s+the\s+(?:road|street)|"
    r"upstairs|downstairs|round\s+the\s+corner|top\s+of|bottom\s+of|end\s+of|corner\s+of)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SelfPattern:
    """A first-person cue. ``at="start"`` patterns must match starting at the first-person
    word; ``at="end"`` patterns are anchored with ``$`` and must end just before it (``next
    door to`` + ``me``). ``lead`` is tried on the text just before the match and extends the
    span back when it ends there ("the flat" + "above me"). ``extent`` says how far the span
    goes on: ``"match"`` (the match only), ``"clause"`` (to the end of the clause, for
    addresses) or ``"sentence"`` (to the end of the statement, for traits and roles).
    ``needs_address``: only when the clause says more than a street ("I live on the
    Chapeltown side of the park" does not count). ``flag``: for the human sanitiser to decide
    (the cue describes the subject too)."""

    kind: str
    pattern: re.Pattern[str]
    at: str = "start"
    words: frozenset[str] = frozenset()
    lead: re.Pattern[str] | None = None
    extent: str = "match"
    needs_address: bool = False
    flag: bool = False


_TRAILING_WORDS = frozenset({"me", "us", "mine", "ours"})
# The last word of every position cue that ends at "me", "us", "mine" or "ours".
_POSITION_TAILS = (
    "to",
    "2",
    "from",
    "above",
    "below",
    "beneath",
    "underneath",
    "under",
    "opposite",
    "beside",
    "behind",
    "facing",
    "adjoining",
    "adjoins",
    "adjoin",
    "onto",
    "on",
    "overlooks",
    "overlook",
    "overlooking",
    "into",
)
# The first-person words each pattern can start with (a cheap filter before the pattern runs).
_SUBJECT_WORDS = frozenset({"i", "im", "we", "me", "us", "ah'm", "ah’m", "ahm", "ah"})
_POSSESSIVE_WORDS = frozenset({"my", "our", "me"})
FIRST_PERSON_WORD_RE = re.compile(
    r"\b(?:i|im|we|my|our|ours|me|mine|us|ah['’]?m|"
    r"ah(?=\s+(?:live|bide|stay|keep|run|work|own|wis|hae|dae)\b))\b(?!['’]d\b)",
    re.IGNORECASE,
)
_SUBJECT_LEAD_BODY = (
    r"\b(?:the\s+|a\s+|an\s+|their\s+|his\s+|her\s+)?(?:(?!(?:i|we|my|our)\b)[\w'’-]+\s+){0,2}?"
    r"(?:flat|flats|house|home|property|bungalow|maisonette|place|people|family|lads?|boys?|"
    r"girls?|kids?|man|men|woman|women|couple|neighbours?|bloke|guy|lot|tenants?)"
    r"(?:\s+(?:who|that)\s+(?:lives?|is|are|stays?))?"
)
_SUBJECT_LEAD = re.compile(_SUBJECT_LEAD_BODY + r"\s+$", re.IGNORECASE)

# Family members a reporter may describe: "my mum is the only Polish lady on our street".
_KIN = (
    r"mum|mom|mam|mother|dad|father|son|daughter|wife|husband|partner|nan|gran|grandad|"
    r"grandma|kids|children|boy|girl|brother|sister|family|parents"
)
_SHIFT = (
    r"(?:morning|early|late|night|day|evening|weekend|afternoon|graveyard|back|twilight|"
    r"overnight)"
)
_MY_PLACE = (
    r"(?:my|our|me)\s+(?:[\w'’-]+\s+){0,2}?(?:flat|house|home|bungalow|maisonette|cottage|"
    r"property|place|bedroom|kitchen|window|windows|balcony|garden|gardens|yard|patio|landing|"
    r"front\s+room|living\s+room|lounge|door|drive|driveway|block|building|wall|fence|room|"
    r"shed|garage|porch)(?:['’]s)?"
)
# A house number, not a time or an amount ("at 3am", "at 10.30").
_HOUSE_NUMBER = r"\d{1,4}[a-z]?\b(?![:.]\d|\s*(?:am|pm|o['’]?clock|ish|mins?|minutes|hours?)\b)"

_DWELLING_LEAD = (
    r"\b(?:the\s+|their\s+|his\s+|her\s+)?(?:(?!(?:i|we|my|our)\b)[\w'’-]+\s+){0,2}?"
    r"(?:flat|flats|house|houses|home|property|bungalow|maisonette|place|garden|yard|shop|"
    r"factory|farm|unit|garage|workshop)"
)

SELF_PATTERNS: tuple[SelfPattern, ...] = (
    # "I live at 14 Acacia Avenue", "we've lived on Nowell Mount for 30 years", "I'm living
    # in flat 12", "me and the missus live right next door to ..."
    SelfPattern(
        "residence",
        re.compile(
            r"(?:i|we)(?:'ve|’ve|'d|\s+have|\s+had)?\s+(?:(?:just|recently|currently|also|now|"
            r"still|both|all|actually|been|always)\s+){0,2}(?:live|lived|living|stay|stayed|"
            r"staying|reside|resided|residing|bide|bides|rent|rented|renting)\b"
            r"|ah\s+(?:live|bide|stay)\b"
            r"|" + I_AM + r"\s+(?:living|staying|based|residing)\b"
            r"|" + I_AM + r"\s+(?:an?\s+|the\s+)?(?:[\w'’-]+\s+){0,2}?(?:woman|man|lady|girl|boy|"
            r"person|mum|dad|mother|father|family|one|pensioner|student|tenant|resident|guy|lad)"
            r"(?:\s+from\s+[\w'’-]+)?\s+(?:(?:who|that)\s+(?:live|lives|living|stay|stays)|living)\b"
            r"|" + I_AM + r"\s+(?:in|at)\s+the\s+(?:[\w'’-]+\s+){0,2}?(?:flat|house|bungalow|"
            r"maisonette|property|cottage|block)\b"
            r"|(?:me|us)\s+(?:and|an['’]?|n|&)\s+(?:the|my|our|me|t['’]|da)\s+[\w'’-]+\s+"
            r"(?:live|lived|stay)\b",
            re.IGNORECASE,
        ),
        extent="clause",
        needs_address=True,
        words=_SUBJECT_WORDS,
    ),
    # "I'm at number 14", "im in flat 12", "im at 5", "We're at no.7"
    SelfPattern(
        "address",
        re.compile(
            r"(?:i'?m|i’m|im|i\s+am|we'?re|we’re|we\s+are)\s+(?:at|in|from)\s+"
            r"(?:(?:number|numbr|nomber|numba|no\.?|num|flat|apartment|apt|house|unit)\s*\d+[a-z]?\b"
            r"|\d{1,4}[a-z]?(?=\s*(?:$|[,.!;)\n]|\s+(?:next|opposite|and|so|but|across|over|"
            r"on|in|[A-Z])))"
            # "I'm at the end of Tern Close": a place on a named street.
            r"|the\s+(?:far\s+|very\s+)?(?:end|top|bottom|corner)\s+of\s+(?-i:[A-Z]))",
            re.IGNORECASE,
        ),
        extent="clause",
        words=_SUBJECT_WORDS,
    ),
    # "I'm next door", "we're over the road", "I'm directly above them", "we are number 12"
    SelfPattern(
        "position",
        re.compile(
            I_AM + r"\s+(?:right\s+|directly\s+|just\s+)?(?:next\s+do+r(?:\s+but\s+(?:one|two))?|"
            r"opposite|across\s+the\s+(?:road|street|way|landing|hall)|over\s+the\s+(?:road|"
            r"street)|upstairs|downstairs|above|below|underneath|beneath|round\s+the\s+corner|"
            r"(?:at\s+)?(?:number|no\.?)\s*\d+[a-z]?)\b",
            re.IGNORECASE,
        ),
        extent="clause",
        words=_SUBJECT_WORDS,
    ),
    # "My address is 101 Gipton Approach"
    SelfPattern(
        "address",
        re.compile(r"(?:my|our)\s+(?:home\s+)?address\s*(?:is|:|-)\s*(?=\S)", re.IGNORECASE),
        extent="clause",
        words=_POSSESSIVE_WORDS,
    ),
    # Uniqueness: "I'm the only Sikh family on the close", "we're the only two houses on that
    # lane", "I am only one with hijab", "Me and my partner are the only gay couple on the
    # estate", "my flat is the only one on the ground floor", "my back garden is the only one"
    SelfPattern(
        "trait",
        re.compile(
            r"(?:" + I_AM + r"|(?:me|us)\s+(?:and|&)\s+(?:my|the|our)\s+[\w'’-]+\s+(?:are|were))"
            r"\s+(?:(?!not\b)[\w'’-]+\s+){0,3}?(?:the\s+)?only\b(?!\s+(?:just|a\s+bit|here\s+for))"
            r"|(?:my|our|me)\s+(?:[\w'’-]+\s+){0,2}?(?:house|flat|home|garden|bungalow|place|"
            r"property|window|balcony|door|car|van|family|shop|cafe|café|business|pub|bar|"
            r"takeaway|salon|stall)(?:['’]s|\s+is|\s+are|\s+was|\s+were)\s+(?:the\s+)?only\b"
            # "my mum is the only Polish lady", not "my son is only 13".
            r"|(?:my|our|me)\s+(?:[\w'’-]+\s+){0,1}?(?:" + _KIN + r")(?:['’]s|\s+is|\s+are|"
            r"\s+was|\s+were)\s+the\s+(?:only\b|one\s+(?:who|that|with)\b)"
            # "My partner and I are the only deaf couple", "Mine is the only other house"
            r"|(?:my|our)\s+[\w'’-]+\s+(?:and|&)\s+(?:i|me)\s+(?:are|were)\s+(?:the\s+)?only\b"
            r"|(?:mine|ours)\s+(?:is|are|was|were)\s+(?:the\s+)?only\b"
            r"|(?:my|our|me)\s+(?:[\w'’-]+\s+){0,2}?(?:house|flat|home|bungalow|place|property)"
            r"(?:['’]s|\s+is)\s+the\s+one\s+(?:with|that|which|at|on|opposite|next|by|in)\b",
            re.IGNORECASE,
        ),
        extent="sentence",
    ),
    # "I'm the one with the camera doorbell", "I'm the woman with the twins in the pram",
    # "ah'm the wummin that runs the wee cafe", "I'm the house next door to them", "we're the
    # bungalow at the end"
    SelfPattern(
        "trait",
        re.compile(
            I_AM + r"\s+the\s+(?:[\w'’-]+\s+){0,2}?(?:" + PERSON + r"),?\s+"
            r"(?:(?:directly|right|just|immediately|straight)\s+)?(?:with|who|that|"
            r"wi['’]?|at|in|on|next|opposite|across|over|above|below|under|underneath|"
            r"behind|by|from|whose|living|always|you|u|everyone|everybody|people|folk"
            # "I'm the lady feeding the swans at the Delph Locks" (not "I'm the one calling")
            r"|(?!(?:calling|ringing|phoning|writing|emailing|reporting|complaining|messaging|"
            r"texting|asking|contacting)\b)[a-z]{3,}ing)\b"
            r"(?!\s+(?:(?:has|had|have|'s|’s)\s+)?(?:called|rang|phoned|emailed|wrote|contacted|"
            r"messaged|sent|rung|been\s+(?:calling|ringing|emailing))\b(?!\s+(?:to\s+)?(?:them|"
            r"him|her)\b))",
            re.IGNORECASE,
        ),
        extent="sentence",
        words=_SUBJECT_WORDS,
    ),
    # "I am Romanian lady who clean the offices ...": who they are and what they do.
    SelfPattern(
        "trait",
        re.compile(
            I_AM + r"\s+(?:an?\s+)?(?:" + NATIONALITY + r")\s+(?:[\w'’-]+\s+)?(?:lady|woman|"
            r"man|girl|boy|guy|mum|dad|mother|father|family|couple|person)\s+(?:who|that)\b",
            re.IGNORECASE,
        ),
        extent="sentence",
        words=_SUBJECT_WORDS,
    ),
    # "I'm the caretaker at Park View Primary", "im the landlady of the Fox and Hounds", "I'm
    # chair of the residents' association", "I have been the organist at Zion Chapel", "I am
    # the landlord of 17 Hawthorn Street", "I am cleaning lady in the house of Mr and Mrs X"
    SelfPattern(
        "role",
        re.compile(
            I_AM
            + r"\s+(?:the\s+(?:[\w'’&-]+\s+){0,3}?(?:"
            + ROLE_VOCAB
            + r")|(?:"
            + UNIQUE_ROLES
            + r"))s?\s+(?:at|of|for|in|on)\b"
            + NOT_A_PLACE
            + r"|"
            + I_AM
            + r"\s+(?:their|his|her)\s+(?:landlord|landlady|employer|boss|manager|"
            r"next[\s-]door\s+neighbou?r|neighbou?r|carer|support\s+worker|social\s+worker|"
            r"key\s*worker|postman|postwoman|postie|cleaner|childminder|lodger|tenant|"
            r"caretaker|driver)\b"
            r"|" + I_AM + r"\s+(?:an?\s+)?(?:[\w'’-]+\s+){1,2}in\s+the\s+(?:house|home)\s+of\b"
            # A job in a small business placed on a street: "I am pharmacist in the pharmacy
            # at the corner of Spencer Place".
            r"|" + I_AM + r"\s+(?:an?\s+)?(?:" + ROLE_VOCAB + r")\s+(?:at|in)\s+the\s+"
            r"(?:[\w'’&-]+\s+){0,2}?" + BUSINESS + r"\s+(?:at|on|in|by|near|opposite)\s+"
            r"(?:the\s+(?:corner|end|top|bottom)\s+of\s+)?(?-i:[A-Z])"
            # A job at a named place: "I'm a receptionist at Parkside Dental".
            r"|" + I_AM + r"\s+an?\s+(?!(?:lady|man|woman|girl|boy|lad|fella|bloke|guy|person|"
            r"one|mum|dad|resident|tenant)\b)(?:[\w'’-]+\s+){0,2}?(?:" + ROLE_VOCAB + r")\s+"
            # A single bare name is a town or a big site's short name ("a porter at
            # Treliske"): the place needs a second word saying what it is.
            r"at\s+(?:the\s+)?(?-i:[A-Z][\w'’&-]+)(?:(?:\s+(?-i:[A-Z][\w'’&-]+))+|(?=\s+(?:"
            r"supported|care|nursing|residential|day|community|health|medical|dental|primary|"
            r"juniors?|infants|school|surgery|pharmacy|practice|home|centre|unit)\b))"
            r"(?![\w'’&-]|\s+(?-i:[A-Z]))"
            # ... but not one of many at a large place ("a security guard at the Merrion
            # Centre", "a nurse at St James's Hospital").
            r"(?<!Centre)(?<!Center)(?<!Hospital)(?<!Infirmary)(?<!University)(?<!College)"
            r"(?<!Council)(?<!Team)(?<!Service)(?<!Services)(?<!Trust)(?<!Police)(?<!Airport)"
            r"(?<!Station)(?<!Prison)(?<!Park)(?<!Mall)",
            re.IGNORECASE,
        ),
        extent="sentence",
        words=_SUBJECT_WORDS,
    ),
    # "I'm on the morning shift", "I'm on nights at the depot", "I work nights at the Shell
    # garage", "I do the early shift at Greggs": who is there at a given time.
    SelfPattern(
        "role",
        re.compile(
            I_AM + r"\s+on\s+(?:the\s+|every\s+|all\s+the\s+)?" + _SHIFT + r"\s+shifts?\b"
            # With a place: "I'm on nights at the depot", "I work nights at the garage".
            r"|(?:" + I_AM + r"\s+on|(?:i|we|ah)\s+(?:work|do|cover))\s+(?:the\s+|every\s+|"
            r"all\s+the\s+)?(?:" + _SHIFT + r"\s+shifts?|nights|lates|earlies|weekends|"
            r"evenings)\s+(?:at|in|for)\b(?!\s+(?:the\s+)?(?:weekends?|moment|night|nights|"
            r"minute|mo|a\s+bit|a\s+while|now)\b)",
            re.IGNORECASE,
        ),
        extent="sentence",
        words=_SUBJECT_WORDS,
    ),
    # "I visit the old lady at 4 Canal Row every morning": where the subject lives, as known
    # to the one person who calls there. Flagged: it places the subject too.
    SelfPattern(
        "position",
        re.compile(
            r"(?:i|we)\s+(?:visit|visits|care\s+for|look\s+after|support|clean\s+for|sit\s+with|"
            r"check\s+on|deliver\s+to|call\s+on|(?:go|pop)\s+in(?:\s+[\w'’-]+){0,4}?\s+to)\s+"
            r"(?:the|an?|this|that)\s+"
            r"(?:[\w'’-]+\s+){0,3}?(?:at|in|on)\s+(?=(?:number|no\.?|flat)\s*\d|\d)",
            re.IGNORECASE,
        ),
        extent="clause",
        words=_SUBJECT_WORDS,
        flag=True,
    ),
    # "I run the newsagents on the corner of Park Road", "we own the chip shop"
    SelfPattern(
        "role",
        re.compile(
            r"(?:i|we|ah)\s+(?:run|manage|own|runs|owns)\s+(?:the|a|an|our|t['’])\s*"
            r"(?:(?!(?:to|from|at|in|on|into|past|round|for|by)\b)[\w'’&-]+\s+){0,2}?"
            + BUSINESS
            + r"\b"
            # "I keep the corner shop on Dene Street", not "I keep the shop door locked".
            r"|(?:i|we|ah)\s+(?:keep|keeps)\s+(?:the|t['’])\s*"
            r"(?:(?!(?:to|from|at|in|on|into|past|round|for|by)\b)[\w'’&-]+\s+){0,2}?"
            + BUSINESS
            + r"(?=\s+(?:on|at|in|by|near|opposite|behind|o['’]?|for|next)\b|\s*[,.;]|\s*$)"
            r"|(?:i|we)\s+(?:run|manage|own|keep)\s+(?:the\s+)?(?-i:[A-Z][\w'’&-]+)",
            re.IGNORECASE,
        ),
        extent="sentence",
        words=_SUBJECT_WORDS,
    ),
    # "we share a wall with them", "we share a landing"
    SelfPattern(
        "position",
        re.compile(
            r"(?:i|we)\s+share\s+(?:a|the|our)\s+(?:party\s+)?(?:wall|landing|stairwell|hallway|"
            r"corridor|entrance|drive|driveway|fence|garden|yard|porch|door|front\s+door|"
            r"balcony|floor|bathroom|kitchen)\b(?:\s+with\s+(?:them|him|her|the\s+\w+))?",
            re.IGNORECASE,
        ),
        words=_SUBJECT_WORDS,
    ),
    # "next door to me", "the family opposite me", "the old man who lives across from me",
    # "a few doors down from us": where the subject is, as seen from the reporter's home.
    SelfPattern(
        "position",
        re.compile(
            r"\b(?:next\s+do+r\s+(?:to|2)|across\s+(?:the\s+(?:road|street|way|landing|hall)\s+)?"
            r"from|over\s+the\s+(?:road|street)\s+from|upstairs\s+from|downstairs\s+from|"
            r"round\s+the\s+corner\s+from|(?:a\s+few|two|three|four|some|a\s+couple\s+of)\s+"
            r"doors?\s+(?:down|up|along)\s+from|directly\s+(?:above|below|opposite|across\s+from|"
            r"underneath|beneath)|(?:backs|backing)\s+on(?:to)?|back\s+onto|overlook(?:s|ing)?|"
            r"adjoin(?:s|ing)?|(?:joined|attached)\s+to|looks?\s+(?:in)?to)\s+$",
            re.IGNORECASE,
        ),
        at="end",
        words=_TRAILING_WORDS,
        lead=_SUBJECT_LEAD,
        flag=True,
    ),
    # "the flat above mine", "the people below us", "the house opposite mine"; with weaker
    # words only after a dwelling ("the house next to ours", not "he sat next to me").
    SelfPattern(
        "position",
        re.compile(
            r"(?:" + _SUBJECT_LEAD_BODY + r"\s+(?:opposite|above|below|beneath|"
            r"underneath|under)|"
            + _DWELLING_LEAD
            + r"\s+(?:n(?:e)?xt\s+(?:to|2)|beside|behind|facing|"
            r"adjoining|attached\s+to|joined\s+to))\s+$",
            re.IGNORECASE,
        ),
        at="end",
        words=_TRAILING_WORDS,
        flag=True,
    ),
    # "my bedroom is directly below their living room", "my balcony is right next to theirs",
    # "my flat overlooks the car park", "our house backs onto the ginnel", "my front room
    # window faces straight onto their door", "our back gardens join"
    SelfPattern(
        "position",
        re.compile(
            _MY_PLACE
            + r"(?=(?:\s+(?:is|are|sits?))?\s+(?:(?:directly|right|just|straight|also)\s+)?"
            r"(?:opposite|next\s+to|above|below|under|underneath|beneath|beside|behind|across\s+"
            r"from|facing|overlooks|overlooking|faces|face|backs\s+on(?:to)?|back\s+on(?:to)?|"
            r"looks?\s+(?:(?:right|straight)\s+)?(?:onto|into|over|out\s+on(?:to)?)|join|joins|"
            r"adjoins?)\b)",
            re.IGNORECASE,
        ),
        extent="sentence",
        words=_POSSESSIVE_WORDS,
    ),
    # "my drive at number 21", "my flat, 7b Moor View Court", "our block (Clifton Court)",
    # "my balcony on the 9th floor"
    SelfPattern(
        "address",
        re.compile(
            _MY_PLACE
            + r"(?=,?\s+(?:at|is\s+at)\s+(?:(?:number|no\.?|num|flat)\s*)?"
            + _HOUSE_NUMBER
            + r"|,\s*(?:flat\s+)?\d+[a-z]?\s+(?-i:[A-Z])"
            r"|\s*\((?-i:[A-Z])[^()\n]{1,40}\)"
            r"|\s+on\s+the\s+(?:\d+(?:st|nd|rd|th)|ground|first|second|third|top)\s+floor\b)",
            re.IGNORECASE,
        ),
        extent="clause",
        words=_POSSESSIVE_WORDS,
    ),
    # "from my kitchen window I can see them", "I can see their back door from my patio"
    SelfPattern(
        "vantage",
        re.compile(
            r"(?:my|our|me)\s+(?:[\w'’-]+\s+){0,2}?(?:window|windows|balcony|patio|landing|"
            r"garden|bedroom|kitchen|front\s+room|living\s+room|lounge|flat|house|doorstep|"
            r"porch|yard|doorbell(?:\s+camera)?|camera|cctv|door|doorway|drive|driveway|bathroom|"
            r"conservatory|attic|loft|office|shop|stairs|stairwell|back|front|upstairs)"
            r"(?:\s+(?:windows?|door|camera))?\b",
            re.IGNORECASE,
        ),
        lead=re.compile(r"\b(?:right\s+|straight\s+)?from\s+$", re.IGNORECASE),
        words=_POSSESSIVE_WORDS,
    ),
    # "my neighbour on the left side", "our neighbours opposite" (not "my neighbour at number
    # 12": anyone on the street may call them that)
    SelfPattern(
        "position",
        re.compile(
            r"(?:my|our)\s+(?:immediate\s+|direct\s+)?neighbours?(?:['’]s?)?\s+(?:on\s+the\s+"
            r"(?:left|right)(?:\s+(?:side|hand\s+side))?|to\s+the\s+(?:left|right)|on\s+either"
            r"\s+side|opposite|across\s+the\s+(?:road|street|landing|hall)|upstairs|downstairs|"
            r"above|below)\b",
            re.IGNORECASE,
        ),
        flag=True,
        words=_POSSESSIVE_WORDS,
    ),
)

# The cues tried at each first-person word, worked out once.
_CUES_FOR_ANY_WORD = tuple(cue for cue in SELF_PATTERNS if not cue.words)
_CUES_BY_WORD = {
    word: tuple(cue for cue in SELF_PATTERNS if not cue.words or word in cue.words)
    for word in _SUBJECT_WORDS | _POSSESSIVE_WORDS | _TRAILING_WORDS
}
# A "from my window" vantage counts when the same sentence says the reporter sees from there.
_SEEING_RE = re.compile(
    r"\b(?:i|we)\s+(?:(?:can|could|have|had|'ve|’ve|often|always|sometimes|clearly|just|"
    r"regularly|then|also|both)\s+)*(?:see|saw|seen|watch|watched|hear|heard|notice|noticed|"
    r"spot|spotted|look|looked|film|filmed|record|recorded|clock|clocked|witness|witnessed|"
    r"observe|observed|view|viewed)\b|\bcan\s+be\s+seen\b|\bin\s+full\s+view\b",
    re.IGNORECASE,
)
# "from my flat, which overlooks the car park of the hotel on Mill Road"
_OVERLOOKS_RE = re.compile(
    r",?\s*(?:which\s+|that\s+)?(?:overlook\w*|look(?:s|ing)?\s+(?:onto|over|out\s+(?:on|over))|"
    r"fac(?:es|ing))\b",
    re.IGNORECASE,
)
# What the reporter sees from there is a place of the subject's ("I can see straight into
# their back bedroom", "I look right onto the bus shelter"): a window alone, or "I can see
# everything from my window", is anyone's.
_SEEN_PLACE_RE = re.compile(
    r"\s+(?:[\w'’]+\s+){0,2}?(?:into|onto|on\s+to|straight|right|directly|their|his|her|"
    r"next\s+door|across|over\s+(?:to|at|into)|in\s+at|down\s+(?:into|on))\b",
    re.IGNORECASE,
)
# "As the only Muslim family on the street, we ...", "being the only one with a key"
ONLY_AS_RE = re.compile(r"\b(?:as|being)\s+(?:the\s+)?only\b", re.IGNORECASE)
# "I write as the tenant of Flat 7", "As churchwarden at St Michael's, I must report",
# "I'm contacting you as the neighbourhood watch coordinator for Oakfield Drive".
_ROLE_NOUNS = UNIQUE_ROLES + r"|tenant|leaseholder|occupier|occupant|resident"
AS_ROLE_RE = re.compile(
    r"\b(?:as|being)\s+(?:the\s+(?:[\w'’-]+\s+){0,3}?(?:"
    + _ROLE_NOUNS
    + r")|(?:"
    + UNIQUE_ROLES
    + r"))"
    r"\s+(?:at|of|for|in|on)\s+(?=the\b|(?-i:[A-Z0-9])|flat\b|number\b|no\b)",
    re.IGNORECASE,
)
# A house number and street after a preposition of place (not "my"): another household's.
_OTHERS_ADDRESS_RE = re.compile(
    r"\b(?:of|at|to|onto|behind|opposite|facing|from|above|below|beside)\s+(?:(?:no\.?\s*|"
    r"number\s+)?\d{1,4}[a-z]?\s+|the\s+[a-z]+\s+(?:of|behind|on|at)\s+)(?:[A-Z][\w'’-]+\s+){1,3}(?:"
    + "|".join(w.capitalize() for w in STREET_WORDS.split("|"))
    + r")\b"
)
_TITLED_NAME_RE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+(?:and\s+Mrs\s+)?[A-Z][a-z]")

# "the allocated worker for a 15-year-old", "the unpaid carer for my wife": one of many.
_ONE_OF_MANY_RE = re.compile(
    r"(?<=\bfor)\s+(?:a|an|one|some|several|many|two|three|four|\d+|(?:my|our)\s+(?:[\w'’-]+\s+)?"
    r"(?:" + _KIN + r"))\b",
    re.IGNORECASE,
)
_WHERE_BEFORE_RE = re.compile(r"\bwhere\s+$", re.IGNORECASE)
_NOT_ONLY_RE = re.compile(
    r"\bnot\s+(?:the\s+)?only\b|\bonly\s+(?:just|been|had|got)\b"
    # "my car is the only thing they didn't touch": not a trait.
    r"|\bonly\s+(?:thing|things|time|times|way|reason|option|choice|hope|problem|issue|"
    r"place\s+(?:i|we))\b",
    re.IGNORECASE,
)
# "I'm the only one who seems to care" says how the reporter feels, not who they are.
_ONLY_FEELING_RE = re.compile(
    r"\bonly\s+ones?\s+(?:who|that)(?:['’]s|\s+is|\s+are)?\s+(?:seems?|cares?|bothers?|"
    r"bothered|gives?\s+a|does\s+anything|do\s+anything|worried|concerned|interested|"
    r"doing\s+anything|trying)\b",
    re.IGNORECASE,
)


def _sentence_bounds(text: str, position: int) -> tuple[int, int]:
    left = max(
        text.rfind(".", 0, position), text.rfind("!", 0, position), text.rfind("?", 0, position)
    )
    left = max(left, text.rfind("\n", 0, position))
    right = len(text)
    for stop in ".!?\n":
        found = text.find(stop, position)
        if found >= 0:
            right = min(right, found)
    return left + 1, right


class SelfReferenceRecognizer(EntityRecognizer):
    """Where reporters identify themselves in running text (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__(
            supported_entities=["SELF_REFERENCE"],
            name="BeaconSelfReference",
            supported_language="en",
        )

    def load(self) -> None:
        """Nothing to load."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        for word in FIRST_PERSON_WORD_RE.finditer(text):
            first = word.group(0).lower()
            for cue in _CUES_BY_WORD.get(first, _CUES_FOR_ANY_WORD):
                if cue.at == "end":
                    # Cheap test first: the words just before must end with a position word.
                    tail = text[max(0, word.start() - 14) : word.start()].rstrip().lower()
                    if not tail.endswith(_POSITION_TAILS):
                        continue
                    match = cue.pattern.search(text, max(0, word.start() - 50), word.start())
                else:
                    match = cue.pattern.match(text, word.start())
                if match is None:
                    continue
                span = self._extend(text, cue, match)
                if span is None:
                    continue
                start, end = span
                if cue.at == "end":
                    end = max(end, word.end())
                if cue.lead is not None:
                    lead = cue.lead.search(text, max(0, start - 40), start)
                    if lead is not None:
                        start = lead.start()
                    elif cue.kind == "vantage":
                        continue
                if cue.kind == "vantage" and not (
                    self._sees(text, start, end) or _OVERLOOKS_RE.match(text, end)
                ):
                    continue
                results.extend(self._result(text, start, end, cue.kind, cue.flag))
        for start, end in third_person_positions(text):
            results.extend(self._result(text, start, end, "position", True))
        for start, end, kind, flag in situations(text):
            results.extend(self._result(text, start, end, kind, flag))
        lowered = text.lower()
        if (
            " as " in lowered
            or "\nas " in lowered
            or lowered.startswith("as ")
            or ("being the" in lowered)
        ):
            for match in AS_ROLE_RE.finditer(text):
                low, high = _sentence_bounds(text, match.start())
                if not _role_ok(match.group(0)) or not FIRST_PERSON_WORD_RE.search(text, low, high):
                    continue
                end = statement_end(text, match.end())
                results.extend(self._result(text, match.start(), end, "role", False))
        if "as the" in lowered:
            for start, end in as_traits(text):
                results.extend(self._result(text, start, end, "trait", False))
        if "only" in lowered:
            for start, end in only_tails(text):
                results.extend(self._result(text, start, end, "trait", False))
            for match in ONLY_AS_RE.finditer(text):
                low, high = _sentence_bounds(text, match.start())
                if _ONLY_FEELING_RE.search(text, match.start(), high) or not (
                    FIRST_PERSON_WORD_RE.search(text, low, high)
                ):
                    continue
                end = statement_end(text, match.end())
                results.extend(self._result(text, match.start(), end, "trait", False))
        return results

    def _result(
        self, text: str, start: int, end: int, kind: str, flag: bool
    ) -> list[RecognizerResult]:
        start, end = strip_span(text, start, end)
        if end - start < 3:
            return []
        words = " ".join(text[start:end].split()[:5])
        reason = (
            f"where the reporter lives relative to the subject: '{words}'"
            if flag and kind == "position"
            else f"first-person {kind}: '{words}'"
        )
        if flag and kind != "position":
            reason = f"{reason}, which may be about someone else"
        if not flag and (
            _TITLED_NAME_RE.search(text, start, end) or _names_someone(text, start, end)
        ):
            flag = True  # it may name someone else too: the human sanitiser decides
            reason = f"{reason}, which may name someone else"
        elif (
            kind in ("position", "vantage")
            and not flag
            and _OTHERS_ADDRESS_RE.search(text, start, end)
        ):
            # "My bedroom window looks onto the back gate of 88 Elm Road": the subject's address.
            flag = True
            reason = f"{reason}, which holds someone else's address"
        extra = {ACTION_KEY: "flag"} if flag else {}
        return [make_result(self, "SELF_REFERENCE", start, end, 0.85, reason, **extra)]

    @staticmethod
    def _sees(text: str, start: int, end: int) -> bool:
        low, high = _sentence_bounds(text, start)
        return any(
            _SEEN_PLACE_RE.match(text, seeing.end(), high) is not None
            for seeing in _SEEING_RE.finditer(text, low, high)
        )

    @staticmethod
    def _extend(text: str, cue: SelfPattern, match: re.Match[str]) -> tuple[int, int] | None:
        start, end = match.span()
        if cue.kind == "trait" and (
            _NOT_ONLY_RE.search(text, match.start(), min(len(text), match.end() + 20))
            or _ONLY_FEELING_RE.search(text, match.start(), min(len(text), match.end() + 40))
        ):
            return None
        if cue.kind == "role" and not _role_ok(match.group(0)):
            return None
        if cue.kind == "role" and _ONE_OF_MANY_RE.match(text, end):
            return None  # "I'm the allocated social worker for a 15-year-old": one of many
        if cue.extent == "clause":
            if _WHERE_BEFORE_RE.search(text, max(0, start - 8), start):
                return None  # "they know where I live"
            stop = clause_end(text, end)
            if cue.needs_address and not _ADDRESS_LIKE_RE.search(text, end, max(end, stop)):
                return None
            return start, max(end, stop)
        if cue.extent == "sentence":
            return start, max(end, statement_end(text, end))
        return start, end


_CAPITALISED_RE = re.compile(r"(?<![\w'’])[A-Z][a-z'’]+(?:\s+[A-Z][\w'’]*)*")
_PLACE_WORD_RE = re.compile(
    r"\b(?:" + "|".join(w.capitalize() for w in STREET_WORDS.split("|")) + r"|St|Saint|"
    r"School|Primary|Academy|Centre|Center|Church|Chapel|Mosque|Temple|Hall|Inn|Arms|Hotel|"
    r"Hospital|Surgery|Station|Home|Club|Association|Society|Council|College|University|"
    r"Nursery|Library|Pharmacy|Shop|Store|Market|Co-op|Spar|Tesco|Asda|Aldi|Lidl)\b"
)
_NATIONALITY_RE = re.compile(r"(?:" + NATIONALITY + r")$", re.IGNORECASE)
_ORDINARY_CAPITALS = word_set("I I'm I’m Im We We're Me My Our As The A An And But So Ah'm")


def _names_someone(text: str, start: int, end: int) -> bool:
    """Whether a span has capitalised words that could be a person: not the sentence's first
    word, a nationality, or a place (a place word in it, a place preposition before it, a
    place noun after it): "I'm the only one who talks to Dave" but not "I live opposite the
    skate park in Thornbury"."""
    for match in _CAPITALISED_RE.finditer(text, start, end):
        words = match.group(0)
        before_text = text[max(0, match.start() - 2) : match.start()]
        if match.start() == start or before_text.strip() in (".", "!", "?") or "\n" in before_text:
            if " " not in words:
                continue
            words = words.split(" ", 1)[1]
        if words in _ORDINARY_CAPITALS or _NATIONALITY_RE.match(words):
            continue
        if _PLACE_WORD_RE.search(words):
            continue  # "Albert Terrace", "St Mary's", "Premier Inn"
        if _PLACE_BEFORE_RE.search(text, max(0, match.start() - 16), match.start()):
            continue  # "in Thornbury", "at the Carlton"
        if _PLACE_AFTER_RE.match(text, match.end()):
            continue  # "the Carlton building"
        return True
    return False


_PLACE_BEFORE_RE = re.compile(
    r"\b(?:in|at|on|near|from|of|opposite|behind|off|outside|round|around|across|by|into|"
    r"past|up|down|along)\s+(?:the\s+)?$|,\s*$",
    re.IGNORECASE,
)
_PLACE_AFTER_RE = re.compile(
    r"\s+(?:building|estate|park|road|street|lane|shop|centre|center|flats|house|block|area|"
    r"side|end|school|church|mosque|station|market|office|offices|branch|site)\b"
)


def _role_ok(cue: str) -> bool:
    """A role nobody else has: not a relation ("I'm the mum of one of the girls") and not a
    vague "I'm the one in ..." (that is a trait, matched by its own pattern)."""
    words = re.findall(r"[\w'’-]+", cue.lower())
    return not any(word in RELATION_NOUNS for word in words) and "victim" not in words
