"""Agency copy that several demo outlets print, so deduplication has something to find."""

from __future__ import annotations

from demo.model import WireCredit

SERIN_TALKS_STORY = "meridian-serin-valley-talks"

SERIN_TALKS_CREDIT = WireCredit(
    agency="Meridian Wire Service",
    footer="Reporting by Lena Voigt in Geneva and Omar Haddad in Lisk; editing by Claire Dunmore",
)

# Identical on every outlet that runs the story in full; one outlet trims the last paragraph.
SERIN_TALKS_PARAGRAPHS: list[str] = [
    "Negotiators from both sides said on Friday they would open talks on a ceasefire in the "
    "disputed border region. The announcement is the first sign in months that Corvania and "
    "Estmark are willing to step back from a conflict that has emptied villages along the "
    "Serin Valley.",
    "The talks will be hosted by the Lake Forum, a Geneva-based mediation group, and led by its "
    "special envoy Ruth Halvorsen, who has spent the past six weeks shuttling between the two "
    "capitals. A first round is expected to begin early next week, officials familiar with the "
    "plan said, speaking on condition of anonymity because the schedule has not been made public.",
    "Fighting around the valley flared in September after a dispute over a hydroelectric dam on "
    "the Serin river, which marks part of the frontier. Each government accuses the other of "
    "moving artillery into positions that a 2009 agreement had left demilitarised.",
    "Corvania’s foreign ministry said in a statement that it was entering the talks “in good "
    "faith and without preconditions”, while insisting that its troops would stay where they "
    "are until any agreement is signed. Estmark’s government spokesman, Pavel Ordin, told "
    "reporters in Lisk that a halt to the shelling would be the first item on the table.",
    "Aid agencies estimate that more than 40,000 people have left their homes on both banks of "
    "the river since the clashes began. The regional relief coordinator, Amira Sodhi, said "
    "convoys had been unable to reach three villages on the Estmark side for eleven days.",
    "Diplomats cautioned that earlier attempts at dialogue had collapsed within days. A similar "
    "initiative in the spring ended when both delegations walked out over the wording of a joint "
    "statement, and neither side has publicly softened its claim to the dam.",
    "Halvorsen said on Friday that the aim of the first round was modest. “We are not going to "
    "settle a border in a week,” she said. “What we can do is stop people dying while the people "
    "who draw maps argue about it.”",
]
