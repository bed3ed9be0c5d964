"""Words of English dates and the regular-expression pieces built from them (compiled once)."""

from __future__ import annotations

MONTHS: dict[str, int] = {}
for _number, _names in enumerate([
        ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
        ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
        ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
        ("december", "dec")], start=1):
    for _name in _names:
        MONTHS[_name] = _number

WEEKDAYS = {name: i for i, name in enumerate(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))}

NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
}

ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3,
            "4th": 4}

# TimeML season codes (spring, summer, fall, winter) and parts of the day.
SEASONS = {"spring": "SP", "summer": "SU", "fall": "FA", "autumn": "FA", "winter": "WI"}
DAY_PARTS = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI"}

# Month names are matched case-sensitively (capitalised): "may" and "march" are also verbs.
MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November"
         r"|December|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)(?![a-z])")
WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
DAY = r"(?:3[01]|[12][0-9]|0?[1-9])(?:st|nd|rd|th)?(?!\d|:\d)"
YEAR = r"(?<![\d$.,/])(?<!\d-)(?:1[6-9]\d\d|20\d\d)(?![\d%]|[,.]\d|-\d)"
NUMBER = (r"(?:\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
          r"|fifteen|twenty|thirty|forty|fifty|a few|several|a couple of)")
UNIT = r"(?:day|week|month|year|decade|century|centuries)"
SEASON = r"(?:spring|summer|fall|autumn|winter)"
PART = r"(?:morning|afternoon|evening|night)"
ORDINAL = r"(?:first|second|third|fourth|1st|2nd|3rd|4th)"
TIMEZONE = r"(?:[ECMP][SD]T|GMT|UTC|BST|CET|CEST)"
