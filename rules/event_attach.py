"""Which date in a sentence belongs to the event, and whether the event is still to come.

A sentence near an event term often holds several dates: the dateline agency copy opens with
("BRUSSELS, Nov 9 (AFP) - ..."), the day something was said ("Negotiators said on Friday ...")
and the day of the meeting itself ("... would meet again on Sunday"). Taking the first date
gave the dateline or the reporting day; here each date is scored by how it attaches to the
event term, datelines are dropped, and an `upcoming` rule keeps only events spoken of as
future and dated after publication ("met Friday", "continued today" do not pass).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from rules.dates import DateMention

# A dateline: a capitalised place (optionally ", Country") then the date, then an agency tag,
# a dash or the end of the line: "WARSAW 1996-12-06", "BRUSSELS, Nov 9 (AFP) -".
_DATELINE_BEFORE = re.compile(
    r"^[\s\"'(]*(?:[A-Z][A-Za-z.'\-]*(?:[ /][A-Z][A-Za-z.'\-]*){0,3})"
    r"(?:\s*,\s*[A-Z][A-Za-z.]*(?: [A-Z][A-Za-z.]*)?)?\s*,?\s*$")
_DATELINE_AFTER = re.compile(
    r"^\s*(?:\((?:[A-Za-z .&-]+)\)\s*)?(?:-{1,2}|–|—|\n|$)")
_REPORTING = (r"said|says|say|told|tells|announced|announces|added|reported|stated|declared"
              r"|confirmed|quoted|insisted|warned|noted|wrote|commented|disclosed|revealed")
# "said on Friday", "told reporters late on Friday", "announced Friday".
_REPORTED_BEFORE = re.compile(
    rf"\b(?:{_REPORTING})(?:\s+(?:reporters|journalists|a news conference|parliament"
    r"|the [a-z]+|[A-Z][a-z]+))?\s+(?:(?:late|early)\s+)?(?:on\s+)?$")
# "on Friday said", "Friday announced".
_REPORTED_AFTER = re.compile(rf"^\s*,?\s*(?:{_REPORTING})\b")
# Words that tie a date to the event phrase before it, across the event's object: "meet again
# on Sunday", "set for", "meet former prime minister Peres in Ramallah on Thursday".
_GOVERNING_GAP = re.compile(
    r"^[\w\s,'-]{0,80}?\b(?:on|for|from|in|at|by|until|between|starting|beginning|opening"
    r"|next|this|early|late|mid|scheduled|set|due|slated|planned)\s*$|^\s*,?\s*$", re.I)
# The event has happened or is under way: "met Friday", "talks held Sunday", "continued".
_PAST_EVENT = re.compile(
    r"\b(?:met|meeting\s+(?:was|ended|took)|held|ended|concluded|continued|continues"
    r"|continuing|took\s+place|began|begun|opened|started|wrapped\s+up|resumed|broke\s+up"
    r"|adjourned|closed|refused\s+to|rejected|cancell?ed|called\s+off|postponed\s+indefinitely"
    r"|was|were|had|did|visited|discussed|talked|agreed|signed|attended)\b", re.I)
_PAST_VERBS = (r"met|held|continued|continues|continuing|concluded|ended|resumed|opened|began"
               r"|started|refused\s+to|declined\s+to|wrapped\s+up|attended|hosted|completed"
               r"|after|following|during|since|at\s+the\s+end\s+of")
# The event is spoken of as to come: tense, modal, schedule words.
_FUTURE_EVENT = re.compile(
    r"\b(?:will|'ll|shall|would|is\s+to|are\s+to|to\s+(?:meet|hold|visit|attend|host|travel"
    r"|resume|open|start|begin|discuss|sit|talk|call|convene|go|sign)|due|scheduled|set\s+to|set\s+for"
    r"|slated|expected|planned|plans?|planning|going\s+to|hopes?\s+to|next|upcoming|coming"
    r"|forthcoming|later|tomorrow|tonight|proposed|invited|agreed\s+to|intends?\s+to"
    r"|ahead\s+of|prepar\w+\s+for|poised"
    # A passive infinitive is not yet done: "to be held", "would still be held".
    r"|be\s+(?:still\s+)?(?:\w+ed|held|met))\b", re.I)
# Words that start a new phrase between a date and a following event term.
_LINKING = re.compile(r"\b(?:to|and|or|but|that|which|who|with|for|after|before|when|while|as"
                      r"|if|because|then)\b", re.I)
# A date set inside a future verb phrase: "will on Monday", "are poised on Friday".
_FUTURE_BEFORE_DATE = re.compile(
    r"\b(?:will|would|shall|'ll|(?:is|are|was|were)\s+to|poised|due|scheduled|set|expected)"
    r"\s+(?:on\s+)?$", re.I)
# "to be signed", "will be held": an -ed form that is still to come.
_PASSIVE_FUTURE = re.compile(
    r"\b(?:to|will|would|should|shall|must|could|may|might|'ll)\s+(?:still\s+)?be\s+$", re.I)
# A deadline, not the day of a meeting: the end an ongoing process is due by ("talks that are
# supposed to conclude by May") or what someone must do by then ("must call polls by
# mid-1997"). "Talks will begin by September 2" still dates the talks.
_DEADLINE_BEFORE = re.compile(
    r"\b(?:(?:conclud|end|finish|complet|wrap\w*\s+up|wind\w*\s+up)\w*"
    r"|must|should|ha(?:s|ve)\s+to|needs?\s+to)\s+(?:\w+\s+){0,2}?"
    r"by\s+(?:the\s+end\s+of\s+)?$", re.I)
# A clock time with no day of its own: "at 11 a.m.", not "11 a.m. Sunday" or "tonight".
_BARE_CLOCK = re.compile(r"^\d{4}-\d\d-\d\dT(\d\d):(\d\d)$")
_LATER_TODAY = re.compile(r"\b(?:later\s+(?:today|this|on)|tonight|this\s+(?:afternoon|evening))",
                          re.I)


def event_term_pattern(terms: Sequence[str]) -> re.Pattern[str]:
    """Each event term with its usual inflections ("meet", "meets", "meeting"; "talks")."""
    alternatives = []
    for term in sorted(terms, key=len, reverse=True):
        words = [re.escape(w) for w in term.split()]
        last = words[-1]
        forms = [rf"{last}(?:s|es|ed|d|ing|ings)?"]
        if last.endswith("e"):
            forms.append(rf"{last[:-1]}(?:ing|ings)")
        if last.lower() == "meet":
            forms.append("met")
        words[-1] = f"(?:{'|'.join(forms)})"
        alternatives.append(r"\s+".join(words))
    return re.compile(rf"\b(?:{'|'.join(alternatives)})\b", re.I)


def is_dateline(sentence: str, mention: DateMention) -> bool:
    """A date between a capitalised place at the start and a dash, agency tag or line end."""
    before = sentence[:mention.start]
    if len(before) > 60 or "\n" in before.strip():
        return False
    if not _DATELINE_BEFORE.match(before):
        return False
    # Wire copy's place is in capitals ("WARSAW 1996-12-06 Poland's ..."): that is enough.
    place = before.strip(" \t\"'(,")
    if len(place) >= 3 and place.upper() == place and any(c.isalpha() for c in place):
        return True
    return bool(_DATELINE_AFTER.match(sentence[mention.end:]))


def is_reported(sentence: str, mention: DateMention) -> bool:
    """The date of saying, not of the event: "said on Friday", "Friday announced"."""
    before = sentence[max(0, mention.start - 60):mention.start]
    return bool(_REPORTED_BEFORE.search(before) or _REPORTED_AFTER.match(sentence[mention.end:]))


def attachment(sentence: str, mention: DateMention, terms: re.Pattern[str]) -> float:
    """How strongly the date belongs to an event term: higher is closer and governed."""
    best = -1000.0
    for term in terms.finditer(sentence):
        if term.end() <= mention.start:
            gap = sentence[term.end():mention.start]
            score = 3.0 if _GOVERNING_GAP.match(gap) and not re.search(
                rf"\b(?:{_REPORTING})\b", gap) else 0.0
            distance = len(gap)
        else:
            gap = sentence[mention.end:max(mention.end, term.start())]
            score = 3.0 if _governs_following(sentence, mention, gap) else 0.0
            distance = len(gap) + 10
        best = max(best, score - distance / 40)
    if is_reported(sentence, mention):
        best -= 4.0
    return best


def _governs_following(sentence: str, mention: DateMention, gap: str) -> bool:
    """The date belongs to an event term after it: "Sunday's summit", "next week's
    ministerial meeting", "Dec 9 talks", or a date inside the future verb phrase ("will on
    Wednesday continue ... visiting", "were poised on Friday to sign"); not "flew there on
    Monday to meet", where the date belongs to the verb before it."""
    if re.match(r"^(?:['’]s)?\s+(?:[\w-]+\s+){0,2}$", gap) and not _LINKING.search(gap):
        return True
    return (_FUTURE_BEFORE_DATE.search(sentence[:mention.start]) is not None
            and len(gap) <= 60 and re.search(r"[,;:]", gap) is None)


def ranked(sentence: str, mentions: Sequence[DateMention],
           terms: re.Pattern[str]) -> list[DateMention]:
    """The sentence's dates without datelines and without dates of another thing ("next
    year's budget"), the best-attached first."""
    kept = [m for m in mentions
            if not is_dateline(sentence, m) and not _dates_other_noun(sentence, m, terms)
            and not _DEADLINE_BEFORE.search(sentence[max(0, m.start - 60):m.start])]
    return sorted(kept, key=lambda m: -attachment(sentence, m, terms))


def _dates_other_noun(sentence: str, mention: DateMention, terms: re.Pattern[str]) -> bool:
    """A possessive date whose noun is not an event term belongs to that noun: "talks on
    next year's budget", "Thursday's editions" ("Sunday's summit" keeps its date)."""
    after = re.match(r"^['’]s?\s+((?:[\w-]+\s+){0,2}[\w-]+)", sentence[mention.end:])
    return after is not None and not terms.search(after.group(1))


def next_occurrence(sentence: str, mention: DateMention, terms: re.Pattern[str],
                    reference: datetime) -> DateMention:
    """A bare clock time the event's future words govern, already past when the story was
    published, is the next day's: "will meet at 11 a.m." in a story filed at noon."""
    clock = _BARE_CLOCK.match(mention.value)
    if clock is None or mention.first_day != reference.date() or \
            re.search(r"day\b|tonight|this\b|morning|evening|afternoon", mention.text, re.I):
        return mention
    if (int(clock.group(1)), int(clock.group(2))) >= (reference.hour, reference.minute):
        return mention
    clause = _event_clause(sentence, mention, terms)
    if is_reported(sentence, mention) or _FUTURE_EVENT.search(clause) is None or \
            _past_governed(sentence, terms):
        return mention
    day = mention.first_day + timedelta(days=1)
    return replace(mention, value=f"{day.isoformat()}{mention.value[10:]}", first_day=day,
                   last_day=day)


def is_upcoming(sentence: str, mention: DateMention, terms: re.Pattern[str],
                reference: datetime) -> bool:
    """After the publication instant and spoken of as future, not a past or ongoing event."""
    if mention.first_day is None:
        return False
    day = reference.date()
    if mention.first_day < day and (mention.last_day or mention.first_day) <= day:
        return False
    same_day = mention.first_day <= day
    clause = _event_clause(sentence, mention, terms)
    last = mention.last_day or mention.first_day
    if same_day and last > day and (last - mention.first_day).days < 7:
        # A week that has begun and runs on ("this coming week" said on its Monday): still to
        # come when the sentence says it is ("expected to ... this coming week to discuss").
        # A month or a year is left to the rules below: "in 1996" is not a plan.
        if _FUTURE_EVENT.search(clause) is None:
            return False
    elif same_day and not (_later_today(sentence, mention, reference)
                           or _future_governed(sentence, mention, terms, clause)):
        return False
    if _past_governed(sentence, terms):
        return False
    if _FUTURE_EVENT.search(clause):
        return True
    # Later the same day needs words saying so: "left at noon" is a clock time, not a plan.
    return not same_day and not _PAST_EVENT.search(clause)


def _past_governed(sentence: str, terms: re.Pattern[str]) -> bool:
    """Every event term is told as done or under way: "met", "talks held Sunday", "continued
    its negotiations", "refused to meet"."""
    found = list(terms.finditer(sentence))
    if not found:
        return False
    for term in found:
        word = term.group(0).lower()
        before = sentence[max(0, term.start() - 25):term.start()]
        if (word.endswith("ed") or word == "met") and not _PASSIVE_FUTURE.search(before):
            continue
        after = sentence[term.end():term.end() + 15]
        if re.search(r"\b(?:" + _PAST_VERBS + r")\b(?:\s+\w+){0,2}\s*$", before, re.I):
            continue
        if re.match(r"^\s*(?:were\s+|was\s+|had\s+)?(?:held|ended|concluded|took\s+place|broke\s+up"
                    r"|resumed|continued|began|opened|started|went\s+on)\b",
                    after, re.I):
            continue
        return False
    return True


def _future_governed(sentence: str, mention: DateMention, terms: re.Pattern[str],
                     clause: str) -> bool:
    """A publication-day date the event's own future words govern: "will meet in Gaza on
    Thursday", "are to meet in London on Wednesday" (not "said on Thursday"). A clock time
    says itself whether it is still to come (`_later_today`)."""
    if re.search(r"T\d\d:\d\d", mention.value):
        return False
    return (not is_reported(sentence, mention) and attachment(sentence, mention, terms) > 0
            and _FUTURE_EVENT.search(clause) is not None)


def _later_today(sentence: str, mention: DateMention, reference: datetime) -> bool:
    """A same-day event still to come: a clock time after publication, or "later today"."""
    if "T" in mention.value and re.search(r"T\d\d:\d\d", mention.value):
        hour, minute = int(mention.value[11:13]), int(mention.value[14:16])
        return (hour, minute) > (reference.hour, reference.minute)
    return bool(_LATER_TODAY.search(sentence))


def _event_clause(sentence: str, mention: DateMention, terms: re.Pattern[str]) -> str:
    """The words from just before the nearest event term to the date (or back), where the
    verb that governs the event stands."""
    nearest = min(terms.finditer(sentence), default=None,
                  key=lambda t: abs(t.start() - mention.start))
    if nearest is None:
        return sentence[max(0, mention.start - 60):mention.end]
    low = min(nearest.start(), mention.start)
    high = max(nearest.end(), mention.end)
    start = max(0, low - 35)
    while start > 0 and not sentence[start - 1].isspace():
        start -= 1                      # whole words: "will", not "ill"
    return sentence[start:high]
