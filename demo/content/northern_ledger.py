"""The Northern Ledger: a regional paper in Kettleby. Atom feed, OpenGraph markup."""

from __future__ import annotations

from functools import partial

from demo.content.wire import SERIN_TALKS_PARAGRAPHS, SERIN_TALKS_STORY
from demo.model import DemoArticle, make_article, utc

SITE = "northern-ledger"
_article = partial(make_article, SITE)

WIRE_TALKS = "world/rivals-agree-to-sit-down-over-cease-fire-4417"
SUMMIT = "world/volkas-and-marsk-to-meet-in-geneva-4391"
DEFENCE_VOTE = "world/estmark-parliament-approves-emergency-defence-spending-4362"
LEAGUE_TRUCE = "sport/league-and-players-union-call-truce-over-fixture-pile-up-4396"
RELAYS = "sport/harriers-retain-cross-country-relay-title-4349"
ICE_FIELD = "science/skarfell-ice-field-has-lost-a-fifth-of-its-area-4365"
COMET = "science/amateur-astronomer-spots-new-comet-from-back-garden-4421"
RATES = "money/reserve-bank-holds-rates-but-hints-at-cut-4377"
GROCER = "money/kettle-and-co-to-open-12-stores-4402"
WAITING_TIMES = "news/kettleby-royal-waiting-times-fall-for-third-month-4359"
RAIL_STRIKE = "news/weekend-rail-strike-called-off-after-late-pay-offer-4409"
PLAY_REVIEW = "arts/review-the-lighthouse-keepers-daughter-4351"

ARTICLES: list[DemoArticle] = [
    _article(
        WIRE_TALKS,
        "Rivals agree to sit down over cease-fire in disputed Serin Valley",
        "Corvania and Estmark say they will open negotiations as aid agencies warn that 40,000 "
        "people have fled the valley.",
        byline=["Meridian Wire Service"],
        dateline="GENEVA",
        section="World",
        tags=["Corvania", "Estmark", "Conflict"],
        published_at=utc(2026, 11, 20, 10, 15),
        paragraphs=list(SERIN_TALKS_PARAGRAPHS),
        related=[SUMMIT, DEFENCE_VOTE],
        story=SERIN_TALKS_STORY,
        labels=frozenset({"ceasefire", "border-conflict"}),
    ),
    _article(
        SUMMIT,
        "Volkas and Marsk to meet in Geneva in first summit since border crisis",
        "The Lake Forum says the agenda has been agreed with both governments, but will not "
        "say what is on it.",
        byline=["Anders Whitcombe"],
        dateline="GENEVA",
        section="World",
        tags=["Corvania", "Estmark", "Diplomacy", "Geneva"],
        published_at=utc(2026, 11, 19, 16, 10),
        paragraphs=[
            "The two presidents will meet in Geneva next Tuesday, the Lake Forum announced on "
            "Thursday, bringing President Adrian Volkas of Corvania and President Helena Marsk of "
            "Estmark face to face for the first time since fighting broke out along their shared "
            "frontier.",
            "The meeting will take place at the forum’s lakeside offices and is expected to last "
            "a single day. Ruth Halvorsen, the forum’s special envoy, said the agenda had been "
            "agreed “line by line” with both governments, but declined to say what was on it.",
            "Volkas, who won a second term in March on a promise to defend what he calls "
            "Corvania’s historic claim to the Serin Valley, has until now refused to meet his "
            "counterpart. His office said on Thursday that the president “welcomes every serious "
            "opportunity for dialogue”.",
            "Marsk, a former judge who took office two years ago, told Estmark’s parliament last "
            "week that she would travel “anywhere, at any hour” if it brought displaced families "
            "home. Opposition leaders in Lisk accused her of handing Varnholt a propaganda "
            "victory by agreeing to the meeting.",
            "Analysts said the choice of venue mattered. “Geneva is neutral ground for both of "
            "them, and neither can claim the other came begging,” said Jonas Feldt, who studies "
            "the region at the University of Kettleby.",
            "No joint press conference is planned, the forum said. Each delegation will brief "
            "reporters separately once the meeting is over.",
        ],
        related=[DEFENCE_VOTE, WIRE_TALKS],
        labels=frozenset({"summit", "border-conflict"}),
    ),
    _article(
        DEFENCE_VOTE,
        "Estmark parliament approves emergency defence spending",
        "President Marsk says the package is defensive; Corvania promises a proportionate "
        "response.",
        byline=["Anders Whitcombe"],
        dateline="LISK",
        section="World",
        tags=["Estmark", "Corvania", "Defence"],
        published_at=utc(2026, 11, 16, 13, 40),
        paragraphs=[
            "Estmark’s parliament voted on Monday to approve an emergency increase in defence "
            "spending, as President Helena Marsk’s government seeks to reinforce its positions "
            "along the frontier with Corvania.",
            "The package, worth about 2 per cent of the country’s annual budget, passed by 104 "
            "votes to 61. It pays for air-defence systems, field hospitals and winter equipment "
            "for troops stationed in the Serin Valley.",
            "Marsk told lawmakers before the vote that the spending was “defensive in every sense "
            "of the word”. “We are not buying a single weapon that can reach Varnholt,” she said.",
            "Corvania’s government said the vote showed that Estmark was “preparing for a long "
            "conflict, not for peace”. A spokesman for President Adrian Volkas said Corvania "
            "would respond “proportionately”.",
            "The opposition Civic Alliance, which voted against, argued that the money should go "
            "to the tens of thousands of people displaced by the fighting. Its leader, Oskar "
            "Lind, said the government had “found money for missiles faster than money for "
            "blankets”.",
        ],
        related=[SUMMIT, WIRE_TALKS],
        labels=frozenset({"border-conflict"}),
    ),
    _article(
        LEAGUE_TRUCE,
        "League and players’ union call truce over winter fixture pile-up",
        "No club will play more than twice in seven days over Christmas, and the threatened "
        "boycott is off.",
        byline=["Sophie Arkwright"],
        section="Sport",
        tags=["Football", "Northern Premier League", "Players’ union"],
        published_at=utc(2026, 11, 19, 20, 0),
        paragraphs=[
            "The Northern Premier League and the players’ union have agreed a truce in their "
            "long-running row over the winter fixture list, calling off a threatened boycott of "
            "next month’s midweek matches.",
            "Under the deal, announced on Thursday evening, no club will be asked to play more "
            "than two matches in any seven-day period between 1 December and 15 January. Six "
            "fixtures will move to new dates in February to make that possible.",
            "The union had balloted its members over refusing to play the rearranged games after "
            "three clubs were scheduled to play four times in ten days. More than 80 per cent of "
            "those who voted backed action.",
            "League chief executive Fiona Garrick said both sides had “stepped back from the "
            "edge”. Union chair Dele Bamford, a former defender with Kettleby Athletic, called "
            "the agreement “a start, not a settlement”.",
            "The truce runs until the end of the season. Talks on a permanent limit on the number "
            "of matches will begin in the new year.",
        ],
        related=[RELAYS, WIRE_TALKS],
        labels=frozenset({"sport"}),
    ),
    _article(
        RELAYS,
        "Kettleby Harriers retain cross-country relay title in the mud",
        "A veteran anchor leg holds off Bramwell AC after two days of rain turn the course to "
        "slurry.",
        byline=["Sophie Arkwright"],
        section="Sport",
        tags=["Athletics", "Cross-country", "Kettleby Harriers"],
        published_at=utc(2026, 11, 15, 16, 0),
        paragraphs=[
            "Kettleby Harriers retained their title at the Northern Cross-Country Relays on "
            "Saturday, finishing 19 seconds clear of Bramwell AC on a course turned to mud by two "
            "days of rain.",
            "The four-person team led from the second leg, when 19-year-old Aisha Rahman passed "
            "three runners on the long climb through Hollins Wood.",
            "Anchor runner Pete Galloway, who turns 40 next month, held off a late challenge from "
            "Bramwell’s Connor Webb to bring the team home. “My legs were gone halfway round,” he "
            "said. “Luckily everybody else’s were too.”",
            "More than 600 runners from 48 clubs took part. The women’s race was won by Bramwell "
            "AC.",
        ],
        related=[LEAGUE_TRUCE, WIRE_TALKS],
    ),
    _article(
        ICE_FIELD,
        "Skarfell ice field has lost a fifth of its area in 15 years, survey finds",
        "Researchers walked the edge of the ice with GPS receivers to check what the satellites "
        "were telling them.",
        byline=["Marta Kowalczyk"],
        section="Science",
        tags=["Climate", "Glaciers", "University of Kettleby"],
        published_at=utc(2026, 11, 16, 9, 0),
        paragraphs=[
            "The Skarfell ice field, the largest in the northern uplands, has shrunk by a fifth "
            "since 2011, according to a survey published on Monday by researchers at the "
            "University of Kettleby.",
            "The team combined satellite images with measurements taken on foot over three "
            "summers, walking the edge of the ice with GPS receivers to check where the "
            "satellites were being fooled by snow cover.",
            "Lead author Dr Ingrid Solberg said the losses had accelerated since 2018. “For the "
            "first part of the record we were losing an area the size of a football pitch every "
            "few weeks,” she said. “Now it is every few days.”",
            "Meltwater from the ice field feeds the Rask river, which supplies drinking water to "
            "about 60,000 people downstream. The researchers said summer flows would rise for a "
            "decade or two before falling as the ice disappears.",
            "The study appears in the Journal of Northern Glaciology. The team plans to install "
            "permanent weather stations on the ice next spring.",
        ],
        related=[COMET, WIRE_TALKS],
    ),
    _article(
        COMET,
        "Amateur astronomer spots new comet from her back garden",
        "A retired maths teacher in Hollins becomes the first person in the region in almost a "
        "century to find one.",
        byline=["Marta Kowalczyk"],
        section="Science",
        tags=["Astronomy", "Comets", "Hollins"],
        published_at=utc(2026, 11, 22, 8, 0),
        paragraphs=[
            "A retired maths teacher from the village of Hollins has become the first person in "
            "the region in almost a century to discover a comet, using a telescope set up on her "
            "back lawn.",
            "Margaret Aske, 67, noticed a faint smudge of light near the constellation Perseus on "
            "the night of 17 November and photographed it again the following evening to confirm "
            "that it had moved against the background stars.",
            "After her observations were checked by two professional observatories, the "
            "discovery was confirmed on Saturday by the international body that catalogues small "
            "bodies in the solar system. The comet will carry her name.",
            "Astronomers say it is unlikely to become visible to the naked eye, but it should be "
            "within reach of binoculars under dark skies by the middle of December as it swings "
            "closer to the Sun.",
            "“I nearly went to bed,” Aske said. “It was cold and the tea had run out. I am very "
            "glad I had one last look.”",
        ],
        related=[ICE_FIELD],
    ),
    _article(
        RATES,
        "Reserve Bank holds rates at 4 per cent but hints at cut in new year",
        "Two of nine policymakers wanted an immediate cut as inflation fell to 2.6 per cent.",
        byline=["Tobias Lang", "Esther Nwosu"],
        section="Money",
        tags=["Interest rates", "Inflation", "Reserve Bank"],
        published_at=utc(2026, 11, 18, 11, 0),
        paragraphs=[
            "The Reserve Bank held its main interest rate at 4 per cent on Wednesday but "
            "signalled that a cut could come early next year if inflation keeps falling.",
            "Seven of the nine members of the rate-setting committee voted to hold. Two wanted "
            "an immediate cut of a quarter of a percentage point, the first split vote since the "
            "spring.",
            "Inflation fell to 2.6 per cent in October from 3.1 per cent a month earlier, helped "
            "by lower energy prices. The bank’s target is 2 per cent.",
            "Governor Alistair Greaves said the committee wanted to see another two months of "
            "data before moving. “We are close, but close is not the same as there,” he told a "
            "press conference.",
            "Mortgage lenders said borrowers on variable rates would see no change for now. The "
            "next rate decision is due on 14 January.",
        ],
        related=[GROCER],
    ),
    _article(
        GROCER,
        "Kettle & Co to open 12 stores and create 600 jobs",
        "The family-owned grocer is pushing south for the first time, starting with Ashfold in "
        "March.",
        byline=["Tobias Lang"],
        section="Money",
        tags=["Retail", "Supermarkets", "Jobs"],
        published_at=utc(2026, 11, 20, 12, 30),
        paragraphs=[
            "Kettle & Co, the regional supermarket chain, said on Friday it would open 12 new "
            "stores over the next two years, creating about 600 jobs, as it expands south for "
            "the first time.",
            "Most of the new shops will be small convenience stores in market towns, where the "
            "company said larger rivals had closed branches. Two will be full-size supermarkets "
            "on retail parks.",
            "Managing director Ros Kettle, the founder’s granddaughter, said the chain’s focus on "
            "local suppliers had helped it grow sales by 11 per cent in the past year despite "
            "strong competition from discounters.",
            "The company remains family-owned and said the expansion would be paid for from its "
            "own profits and a bank loan rather than by selling shares.",
            "The first of the new stores is due to open in Ashfold in March.",
        ],
        related=[RATES, WIRE_TALKS],
    ),
    _article(
        WAITING_TIMES,
        "Waiting times at Kettleby Royal fall for third month running",
        "A new surgical hub is credited, but some specialist clinics are still getting worse.",
        byline=["Esther Nwosu"],
        section="News",
        tags=["Health", "Kettleby Royal Infirmary"],
        published_at=utc(2026, 11, 17, 6, 30),
        paragraphs=[
            "The number of patients waiting more than a year for planned operations at Kettleby "
            "Royal Infirmary has fallen for the third month in a row, figures published on "
            "Tuesday show.",
            "About 1,150 people had been waiting more than 52 weeks at the end of October, down "
            "from 1,420 in July. The hospital trust credited a new surgical hub that opened in "
            "the summer and now handles most hip and knee replacements.",
            "Trust chief executive Dr Kamala Rees said the improvement was real but fragile. "
            "“Winter is coming, and winter always takes beds from planned care,” she said.",
            "Patient groups welcomed the figures but said waits for some specialist clinics, "
            "including dermatology and ear, nose and throat, were still rising.",
            "The trust aims to have nobody waiting more than a year by next September.",
        ],
        related=[RAIL_STRIKE, WIRE_TALKS],
    ),
    _article(
        RAIL_STRIKE,
        "Weekend rail strike called off after late pay offer",
        "Drivers will vote on a 5.5 per cent deal that shelves the rostering changes behind the "
        "dispute.",
        byline=["Sophie Arkwright", "Dominic Yates"],
        section="News",
        tags=["Rail", "Strikes", "Northway"],
        published_at=utc(2026, 11, 21, 7, 15),
        paragraphs=[
            "A strike that would have shut most of the region’s rail network this weekend was "
            "called off late on Friday after the train operator Northway made an improved pay "
            "offer to drivers.",
            "The drivers’ union said it would put the offer, worth 5.5 per cent over two years, "
            "to a vote of its members. Services on Saturday and Sunday will run normally, "
            "Northway said, although some early trains may be busier than usual.",
            "The dispute began in the summer over rostering changes that the union said would "
            "force drivers to work more weekends. The new offer drops those changes for at least "
            "a year.",
            "Passenger groups said the late decision had left many people scrambling. “A lot of "
            "people had already cancelled trips or booked coaches,” said Maureen Tully of the "
            "Kettleby Rail Users’ Group.",
            "The result of the ballot is expected before Christmas.",
        ],
        related=[WAITING_TIMES],
    ),
    _article(
        PLAY_REVIEW,
        "Review: The Lighthouse Keeper’s Daughter, Corn Exchange",
        "Hanna Ekdahl’s storm-bound new play is the most ambitious thing the Corn Exchange has "
        "staged in years.",
        byline=["Felix Hartmann"],
        section="Arts",
        tags=["Theatre", "Reviews", "Corn Exchange"],
        published_at=utc(2026, 11, 15, 21, 0),
        paragraphs=[
            "There is a moment halfway through The Lighthouse Keeper’s Daughter when the lamp at "
            "the top of the set, dark until then, swings slowly round and catches the audience "
            "full in the face. It is a simple trick, and it works beautifully.",
            "Hanna Ekdahl’s new play, which opened at the Kettleby Corn Exchange on Saturday, "
            "follows a young woman left alone to keep a remote light burning through a winter "
            "storm after her father falls ill. It runs just under two hours and rarely flags.",
            "Leah Osei is superb in the title role, moving from brisk competence to something "
            "close to terror without ever raising her voice. Callum Dray is touching as the "
            "father, though his scenes in the second act go on a little too long.",
            "The design, by Priti Nair, is the real star: a spiral staircase that turns as the "
            "actors climb it, and a soundscape of wind and gulls that never quite stops.",
            "It is not a perfect evening. The final scene explains what the play had already "
            "shown us. But it deserves full houses.",
            "The Lighthouse Keeper’s Daughter runs until 12 December. Four stars.",
        ],
        related=[ICE_FIELD, WIRE_TALKS],
    ),
]
