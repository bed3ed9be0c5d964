"""The Harbour Times: a big-city daily in the port of Averley. RSS feed, JSON-LD markup."""

from __future__ import annotations

from functools import partial

from demo.content.wire import SERIN_TALKS_PARAGRAPHS, SERIN_TALKS_STORY
from demo.model import DemoArticle, make_article, utc

SITE = "harbour-times"
_article = partial(make_article, SITE)

WIRE_TALKS = "world/2026/11/20/ceasefire-talks-to-open-as-corvania-and-estmark-step-back"
CEASEFIRE_HOLDS = "world/2026/11/22/ceasefire-takes-hold-in-serin-valley-as-monitors-arrive"
SHELLING = "world/2026/11/17/shelling-near-serin-dam-forces-new-evacuations"
PORT_EXPANSION = "city/2026/11/18/harbour-board-backs-expansion-of-westquay-container-terminal"
WAREHOUSE_FIRE = "city/2026/11/19/firefighters-tackle-warehouse-blaze-on-dock-road"
TRAM_ROUTES = "city/2026/11/21/public-asked-to-choose-route-for-east-side-tram-line"
COUNCIL_BUDGET = "politics/2026/11/16/council-budget-passes-by-one-vote-after-all-night-session"
PROFIT_FORECAST = "business/2026/11/17/averley-line-lifts-profit-forecast"
FERRY_FARES = "business/2026/11/20/island-ferry-fares-to-rise-nine-per-cent"
TIDAL_TRIAL = "business/2026/11/16/tidal-turbines-to-be-tested-off-gull-point"
ROVERS_WIN = "sport/2026/11/15/late-sule-header-sends-rovers-top"
CUP_DRAW = "sport/2026/11/22/rovers-handed-home-tie-against-northfield"
MUSEUM = "culture/2026/11/19/maritime-museum-reopens-with-a-whale-in-the-atrium"

ARTICLES: list[DemoArticle] = [
    _article(
        WIRE_TALKS,
        "Ceasefire talks to open as Corvania and Estmark step back from the brink",
        "Negotiators will meet under Lake Forum mediation early next week, the first dialogue "
        "between the two neighbours in months.",
        byline=["Lena Voigt", "Omar Haddad"],
        dateline="GENEVA",
        section="World",
        tags=["Corvania", "Estmark", "Serin Valley", "Diplomacy"],
        published_at=utc(2026, 11, 20, 9, 40),
        paragraphs=list(SERIN_TALKS_PARAGRAPHS),
        related=[SHELLING, CEASEFIRE_HOLDS],
        story=SERIN_TALKS_STORY,
        labels=frozenset({"ceasefire", "border-conflict"}),
    ),
    _article(
        CEASEFIRE_HOLDS,
        "Ceasefire takes hold in Serin Valley as first monitors arrive",
        "The guns fell silent at midnight under a 14-day arrangement brokered by telephone, two "
        "days before the presidents meet in Geneva.",
        byline=["Maeve Lindqvist", "Tomasz Rendell"],
        dateline="BRENNA, Corvania",
        section="World",
        tags=["Corvania", "Estmark", "Serin Valley", "Lake Forum"],
        published_at=utc(2026, 11, 22, 6, 45),
        paragraphs=[
            "A ceasefire between Corvania and Estmark took effect at midnight on Saturday, and by "
            "dawn on Sunday the guns along the Serin Valley had fallen silent for the first time "
            "since September, residents said.",
            "The arrangement was agreed in a late-night telephone call brokered by the Lake Forum "
            "envoy, Ruth Halvorsen, two days before President Adrian Volkas and President Helena "
            "Marsk are due to meet in Geneva. Neither government had signalled in public that a "
            "deal was so close.",
            "A first team of twelve unarmed observers crossed into the valley from the Estmark "
            "side shortly after sunrise. The team, drawn from four countries with no stake in the "
            "dispute, will report violations directly to the forum rather than to either army.",
            "In Brenna, a farming village on the Corvanian bank of the river, shopkeeper Dita "
            "Moravec said she had slept through the night for the first time in weeks. “Nobody "
            "here trusts it yet,” she said. “But you can hear the dogs again instead of the "
            "shells.”",
            "Corvania’s defence ministry said its units had been ordered to hold their positions "
            "and to shoot only if attacked. Estmark’s military issued a similar order and said it "
            "would open two checkpoints on Monday so that aid lorries can reach the villages cut "
            "off since early November.",
            "The truce is explicitly temporary. It lasts for fourteen days and can be extended "
            "only if both leaders agree to it when they meet in Geneva.",
            "Halvorsen, speaking by phone from the Swiss city, called the silence “fragile and "
            "precious”. She said the observers’ first report would be published on Tuesday "
            "morning, before the two presidents sit down together.",
        ],
        related=[WIRE_TALKS, SHELLING],
        labels=frozenset({"ceasefire", "border-conflict"}),
    ),
    _article(
        SHELLING,
        "Shelling near Serin dam forces new evacuations",
        "Estmark moves families out of four more villages after a pumping station supplying "
        "30,000 people is hit.",
        byline=["Maeve Lindqvist"],
        dateline="ORLA, Estmark",
        section="World",
        tags=["Estmark", "Corvania", "Serin Valley"],
        published_at=utc(2026, 11, 17, 12, 20),
        paragraphs=[
            "Estmark ordered the evacuation of four more villages near the Serin dam on Tuesday "
            "after overnight shelling damaged a pumping station that supplies drinking water to "
            "about 30,000 people.",
            "Estmark’s interior ministry blamed Corvanian artillery positioned on the ridge above "
            "the reservoir. Corvania’s defence ministry denied firing on civilian infrastructure "
            "and said its forces had responded to drone attacks launched from the Estmark bank.",
            "President Helena Marsk visited an evacuation centre in Orla on Tuesday afternoon and "
            "promised that every family would be properly housed by the end of the week. “Nobody "
            "will spend the winter in a sports hall,” she said.",
            "In Varnholt, President Adrian Volkas told a meeting of his security council that "
            "Corvania would “not be pushed off its own river”. His spokesman later said the "
            "president remained open to talks brokered by the Lake Forum.",
            "The forum’s special envoy, Ruth Halvorsen, called on both governments to protect "
            "water and power supplies, which she described as a lifeline for people on both "
            "banks.",
            "The dam, completed in 2019 with money from both countries, has been at the centre of "
            "the dispute since Corvania began diverting water to a new irrigation scheme in the "
            "summer.",
        ],
        related=[WIRE_TALKS],
        labels=frozenset({"border-conflict"}),
    ),
    _article(
        PORT_EXPANSION,
        "Harbour board backs £180m expansion of Westquay container terminal",
        "Two deep-water berths on the old coal yard would let Averley handle the largest "
        "container ships.",
        byline=["Priya Castellano"],
        section="City",
        tags=["Port of Averley", "Shipping", "Planning"],
        published_at=utc(2026, 11, 18, 14, 0),
        paragraphs=[
            "The Port Averley harbour board has approved a £180 million expansion of the Westquay "
            "container terminal, clearing the way for the largest building project on the "
            "waterfront in a generation.",
            "The plan adds two deep-water berths and 14 hectares of stacking space on land "
            "reclaimed from the old coal yard, and would let the port handle ships carrying up to "
            "16,000 containers. Construction is due to start next spring and take three years.",
            "Board chair Gillian Okoro said the decision was about keeping Averley on the map. "
            "“Shipping lines are buying bigger vessels every year,” she said. “If we cannot berth "
            "them, they will sail straight past us to ports that can.”",
            "Residents of the Saltmarsh estate, which overlooks the coal yard, have raised "
            "concerns about night-time noise and lorry traffic. The board has promised an "
            "acoustic wall and a new access road so that freight avoids Harbour Street entirely.",
            "The expansion is expected to create around 400 permanent jobs, according to an "
            "assessment commissioned by the board. The dockers’ union welcomed the figure but said "
            "it wanted guarantees that the work would not be handed to agency staff.",
            "The city council must still grant planning permission for the access road. A "
            "decision is expected in February.",
        ],
        related=[WIRE_TALKS, CEASEFIRE_HOLDS, TIDAL_TRIAL, TRAM_ROUTES],
        labels=frozenset({"port-expansion"}),
    ),
    _article(
        WAREHOUSE_FIRE,
        "Firefighters tackle warehouse blaze on Dock Road",
        "Around 60 firefighters worked through the night to stop the fire spreading from a "
        "timber store.",
        byline=["Ben Achterberg"],
        section="City",
        tags=["Fire", "Dock Road", "Emergency services"],
        published_at=utc(2026, 11, 19, 7, 30),
        updated_at=utc(2026, 11, 19, 11, 5),
        paragraphs=[
            "Firefighters spent most of the night bringing a blaze under control at a timber "
            "warehouse on Dock Road, sending a column of smoke over the harbour that could be "
            "seen from across the bay.",
            "Eight fire engines and an aerial ladder platform were sent to the scene after the "
            "alarm was raised shortly before 11pm on Wednesday. At its height around 60 "
            "firefighters were at work, the Averley Fire and Rescue Service said.",
            "Nobody was hurt. A security guard who spotted flames at the rear of the building "
            "called for help and left the site well before the roof collapsed.",
            "Residents of nearby streets were asked to keep windows and doors closed overnight. "
            "Dock Road remained shut to traffic on Thursday morning while crews damped down hot "
            "spots.",
            "Station manager Owen Pritchard said the stacked timber had made the fire hard to "
            "reach. “Once it gets into a stack like that, it burns from the inside out,” he said. "
            "“Our crews did a remarkable job keeping it away from the neighbouring units.”",
            "Update, 11am: The fire service said the blaze was out and that an investigation into "
            "its cause had begun. Dock Road is expected to reopen this evening.",
        ],
        related=[PORT_EXPANSION, WIRE_TALKS],
    ),
    _article(
        TRAM_ROUTES,
        "Public asked to choose route for new east side tram line",
        "A seafront line to the new hospital, or an inland one through Saltmarsh: the city "
        "wants to hear which residents would use.",
        byline=["Priya Castellano"],
        section="City",
        tags=["Transport", "Trams", "Consultation"],
        published_at=utc(2026, 11, 21, 8, 0),
        paragraphs=[
            "Residents of Port Averley’s east side are being asked to choose between two routes "
            "for a new tram line, in a consultation that opened on Saturday and runs until the "
            "end of January.",
            "Option A would run along Harbour Street and the seafront to the new hospital at Gull "
            "Point. Option B would head inland along Station Road, serving the Saltmarsh estate "
            "and the retail park.",
            "Transport officials say both routes would cost about £300 million and could open by "
            "2031. The seafront route is quicker to build; the inland route would reach about "
            "8,000 more homes.",
            "Drop-in sessions will be held at the central library and at Saltmarsh community "
            "centre over the next three weekends, with models of both routes on display.",
            "Councillor Sam Whitlock, the cabinet member for transport, said he had no favourite. "
            "“This is genuinely open,” he said. “Come and tell us which one you would actually "
            "use.”",
        ],
        related=[PORT_EXPANSION, COUNCIL_BUDGET],
    ),
    _article(
        COUNCIL_BUDGET,
        "Council budget passes by one vote after all-night session",
        "Council tax is frozen for a second year, but branch libraries lose a fifth of their "
        "grant.",
        byline=["Daniel Frost"],
        section="Politics",
        tags=["City council", "Budget", "Libraries"],
        published_at=utc(2026, 11, 16, 17, 0),
        paragraphs=[
            "Port Averley city council approved its budget for next year by a single vote in the "
            "early hours of Monday, after a session that began on Sunday afternoon and ran for "
            "more than eleven hours.",
            "The £612 million budget freezes council tax for a second year but cuts the grant to "
            "the city’s six branch libraries by a fifth. Opposition councillors tried three times "
            "to restore the library money by trimming spending on consultants, and lost each vote "
            "narrowly.",
            "Council leader Marcus Hale said the freeze was the right call with household bills "
            "still high. “People have told us loud and clear that they cannot pay more,” he said "
            "after the vote.",
            "Councillor Nadia Amadi, who leads the opposition group, said the library cuts would "
            "fall hardest on families without internet at home. “This is a budget that saves "
            "pennies and loses a generation of readers,” she said.",
            "The budget takes effect in April. Library opening hours will be reviewed in January.",
        ],
        related=[TRAM_ROUTES, WIRE_TALKS, MUSEUM],
    ),
    _article(
        PROFIT_FORECAST,
        "Averley Line lifts profit forecast as freight demand holds up",
        "The ferry and freight operator now expects operating profit of up to £94 million; "
        "shares rise 6 per cent.",
        byline=["Hannah Mercer", "Raj Patel"],
        section="Business",
        tags=["Averley Line", "Shipping", "Markets"],
        published_at=utc(2026, 11, 17, 8, 15),
        paragraphs=[
            "Averley Line, the ferry and freight operator based in the city, raised its full-year "
            "profit forecast on Tuesday, saying demand on its northern routes had held up better "
            "than expected through the autumn.",
            "The company now expects operating profit of between £88 million and £94 million, up "
            "from a previous range of £75 million to £85 million. Its shares rose 6 per cent in "
            "early trading.",
            "Chief executive Sunniva Brandt said the line had benefited from a shortage of vessels "
            "elsewhere and from a decision last year to move two ships from passenger to freight "
            "service. “We read the market right, and we got a bit lucky,” she said.",
            "The company warned that fuel costs remained volatile and that a new emissions levy, "
            "due next year, would add about £6 million to its annual costs.",
            "Analysts at Kestrel Securities said the upgrade was larger than expected and raised "
            "their price target. Averley Line employs about 1,900 people, around half of them in "
            "the city.",
        ],
        related=[FERRY_FARES, PORT_EXPANSION],
    ),
    _article(
        FERRY_FARES,
        "Island ferry fares to rise 9 per cent in January",
        "Holm islanders say the biggest increase in a decade is a rise in the price of their "
        "only road.",
        byline=["Hannah Mercer"],
        section="Business",
        tags=["Ferries", "Holm", "Averley Line", "Transport"],
        published_at=utc(2026, 11, 20, 15, 0),
        paragraphs=[
            "Fares on the ferry between Port Averley and the island of Holm will rise by 9 per "
            "cent from January, the operator confirmed on Friday, the biggest increase in more "
            "than a decade.",
            "A standard adult return will go from £22 to £24, and the price of taking a car "
            "across rises to £61. Islanders with resident cards will see a smaller increase of 4 "
            "per cent.",
            "Averley Line, which runs the route under contract to the county, blamed higher fuel "
            "and crewing costs. It said the route had lost money in each of the past three years.",
            "Holm’s community council said the rise would hit the island’s 2,300 residents "
            "hardest. “This is our road to the hospital, the supermarket and the school,” said "
            "its chair, Fergus Innes. “You cannot put up the price of a road by nine per cent and "
            "call it fair.”",
            "The county’s transport committee will discuss the contract next month.",
        ],
        related=[PROFIT_FORECAST, WIRE_TALKS],
    ),
    _article(
        TIDAL_TRIAL,
        "Tidal turbines to be tested off Gull Point",
        "An 18-month trial in the channel could lead to an array powering 20,000 homes.",
        byline=["Raj Patel"],
        section="Business",
        tags=["Energy", "Tidal power", "Gull Point"],
        published_at=utc(2026, 11, 16, 10, 0),
        paragraphs=[
            "Two tidal turbines will be lowered into the channel off Gull Point next summer in an "
            "18-month trial that could lead to a permanent array supplying up to 20,000 homes, "
            "the developer said on Monday.",
            "Fjordline Energy, which is based in the city, said it had secured £14 million from a "
            "government innovation fund and private investors to build and test the turbines, "
            "each about the size of a double-decker bus.",
            "The strong currents in the channel, which have made it notorious among sailors, are "
            "what make it attractive for generating power. Engineers estimate the flow reaches "
            "nearly three metres per second at spring tides.",
            "Marine biologists at Averley University will monitor the turbines for any effect on "
            "the seals and porpoises that feed in the channel. Fishing groups have asked for a "
            "say in where the cables come ashore.",
            "If the trial succeeds, the company hopes to apply for permission for an array of 30 "
            "turbines by 2029.",
        ],
        related=[PORT_EXPANSION, WIRE_TALKS, PROFIT_FORECAST],
    ),
    _article(
        ROVERS_WIN,
        "Late Sule header sends Rovers top of the table",
        "The substitute’s stoppage-time winner against Castlebridge puts Averley top for the "
        "first time this season.",
        byline=["Jamie Okafor"],
        section="Sport",
        tags=["Football", "Averley Rovers", "Castlebridge"],
        published_at=utc(2026, 11, 15, 18, 30),
        paragraphs=[
            "A header from substitute Kwame Sule two minutes into stoppage time gave Averley "
            "Rovers a 2-1 win over Castlebridge on Saturday and sent them to the top of the "
            "league for the first time this season.",
            "Castlebridge had led through a well-worked goal from Elliot Crane on the half hour, "
            "and for long spells looked the more composed side on a heavy pitch at the Quayside "
            "Ground.",
            "Rovers levelled ten minutes after the break when captain Tom Reddy turned in a low "
            "cross from the left. Manager Lucia Ferri then sent on Sule, who had not scored since "
            "August.",
            "The winner came from a corner. Sule lost his marker at the near post and glanced the "
            "ball inside the far post, setting off wild celebrations among a crowd of 9,400.",
            "“I told him to go on and be a nuisance,” Ferri said afterwards. “He was a lot more "
            "than a nuisance.”",
            "Rovers travel to Penmoor next Saturday. Castlebridge drop to fourth.",
        ],
        related=[CUP_DRAW],
    ),
    _article(
        CUP_DRAW,
        "Rovers handed home tie against Northfield in cup third round",
        "The league leaders will host a side two divisions above them in January.",
        byline=["Jamie Okafor"],
        section="Sport",
        tags=["Football", "Averley Rovers", "Northfield City", "Cup"],
        published_at=utc(2026, 11, 22, 9, 30),
        paragraphs=[
            "Averley Rovers will host Northfield City in the third round of the national cup "
            "after the draw was made on Sunday morning.",
            "It is the first time the two clubs have met in the competition since 1987, when "
            "Northfield won a replay 3-2 after extra time on their way to the semi-finals.",
            "Rovers manager Lucia Ferri, whose side sit top of their division, said it was “the "
            "one everybody in the city wanted”. Northfield play two divisions higher and reached "
            "the quarter-finals last season.",
            "The match will be played on the weekend of 9 January. The club said season-ticket "
            "holders would have priority for tickets until 1 December.",
        ],
        related=[ROVERS_WIN, CEASEFIRE_HOLDS],
    ),
    _article(
        MUSEUM,
        "Maritime museum reopens with a whale in the atrium",
        "After a two-year refit, the collection is rebuilt around the people who worked the "
        "harbour.",
        byline=["Clara Beaumont"],
        section="Culture",
        tags=["Museums", "Heritage", "Maritime history"],
        published_at=utc(2026, 11, 19, 10, 0),
        paragraphs=[
            "The Averley Maritime Museum reopened to the public on Thursday after a two-year, "
            "£24 million refurbishment that has doubled its gallery space and brought a "
            "19-metre fin whale skeleton out of storage.",
            "The skeleton, which washed ashore near Gull Point in 1911, now hangs above the new "
            "glass atrium, lit from below so that its shadow falls across the entrance hall.",
            "Curators have rebuilt the permanent collection around the lives of people who worked "
            "the harbour rather than the ships they sailed. A new gallery tells the story of the "
            "city’s net-makers, most of them women, through letters and pay books donated by "
            "their descendants.",
            "Director Isobel Kerr said she wanted visitors to leave knowing names, not just "
            "tonnages. “Every ship in this building had a crew and a family waiting on the quay,” "
            "she said.",
            "Entry remains free. The museum will stay open late on Thursdays until the end of "
            "January.",
        ],
        related=[WIRE_TALKS, CEASEFIRE_HOLDS, PORT_EXPANSION],
    ),
]
