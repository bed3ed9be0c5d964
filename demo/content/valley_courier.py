"""The Valley Courier: a small-town weekly in Ashfold. RSS feed, bare byline-and-time markup."""

from __future__ import annotations

from functools import partial

from demo.content.wire import SERIN_TALKS_PARAGRAPHS, SERIN_TALKS_STORY
from demo.model import DemoArticle, make_article, utc

SITE = "valley-courier"
_article = partial(make_article, SITE)

WIRE_TALKS = "2026/11/21/border-foes-set-talks-over-serin-valley-fighting.html"
ESTMARKI_FAMILIES = "2026/11/19/valley-estmarki-families-watch-border-crisis-from-afar.html"
GLASSWORKS = "2026/11/18/ashfold-glassworks-to-close-in-march.html"
CHRISTMAS_MARKET = "2026/11/15/christmas-market-gets-go-ahead-despite-roadworks.html"
FLOOD_DEFENCES = "2026/11/16/work-starts-on-ash-river-flood-defences.html"
LAMB_SALES = "2026/11/17/lamb-prices-hold-up-at-autumn-sales.html"
LIBRARY_SUNDAYS = "2026/11/18/ashfold-library-to-open-on-sundays.html"
CUP_DRAW = "2026/11/19/ten-man-ashfold-town-hold-on-for-cup-draw.html"
CUP_REPLAY = "2026/11/21/ashfold-town-out-of-county-cup-after-replay-defeat.html"
BUS_OPINION = "2026/11/20/opinion-the-valley-needs-buses-that-run-after-six.html"
LANTERN_PARADE = "2026/11/20/lantern-parade-returns-to-light-up-ashfold.html"
ROBOTICS = "2026/11/21/ashfold-high-robotics-team-through-to-national-final.html"

ARTICLES: list[DemoArticle] = [
    _article(
        WIRE_TALKS,
        "Border foes set talks in bid to halt Serin Valley fighting",
        "Mediators hope a first round of negotiations next week can stop the shelling along the "
        "disputed frontier.",
        byline=["Meridian Wire Service"],
        dateline="GENEVA",
        section="Nation & World",
        tags=["Corvania", "Estmark"],
        published_at=utc(2026, 11, 21, 17, 20),
        # A weekly with little space: the agency's closing quote is cut.
        paragraphs=list(SERIN_TALKS_PARAGRAPHS[:-1]),
        related=[ESTMARKI_FAMILIES],
        story=SERIN_TALKS_STORY,
        labels=frozenset({"ceasefire", "border-conflict"}),
    ),
    _article(
        ESTMARKI_FAMILIES,
        "Valley’s Estmarki families watch border crisis from afar",
        "For the Voss family on Mill Lane, news from the Serin Valley arrives every evening by "
        "video call.",
        byline=["Alison Marr"],
        section="Local",
        tags=["Community", "Estmark"],
        published_at=utc(2026, 11, 19, 12, 0),
        paragraphs=[
            "For the Voss family, who have run the bakery on Mill Lane for 22 years, the news "
            "from the Serin Valley arrives every evening by video call.",
            "Katya Voss grew up in Sarn, a village near the Serin dam that was evacuated this "
            "week after shelling damaged its water supply. Her parents and her brother’s family "
            "are now staying with relatives in the capital, Lisk.",
            "About 300 people with Estmarki roots live in and around Ashfold, many of whom came "
            "to work at the glassworks in the 2000s. The community has collected two vanloads of "
            "winter clothing and medicines, which left for the border on Wednesday.",
            "Katya said families here were following every statement from President Helena "
            "Marsk and from Corvania’s President Adrian Volkas, and hoping the envoy Ruth "
            "Halvorsen could get the two of them into a room together. “Everyone here has a "
            "cousin on the other side, too,” she said. “People forget that.”",
            "A collection point for donations is open at the bakery until the end of the month.",
        ],
        related=[WIRE_TALKS, GLASSWORKS],
        labels=frozenset({"border-conflict"}),
    ),
    _article(
        GLASSWORKS,
        "Ashfold glassworks to close in March with 240 jobs lost",
        "Brindle Glass blames energy costs for ending more than a century of bottle-making on "
        "Mill Lane.",
        byline=["Kieran Doyle"],
        section="Business",
        tags=["Jobs", "Brindle Glass", "Manufacturing"],
        published_at=utc(2026, 11, 18, 9, 0),
        paragraphs=[
            "Brindle Glass, which has made bottles in Ashfold for more than a century, told staff "
            "on Tuesday that the plant will cease production in March, putting 240 jobs at risk.",
            "The company, owned by a Dutch packaging group since 2015, said rising energy costs "
            "had made the furnaces at Mill Lane uneconomic. Production will move to the group’s "
            "larger sites abroad.",
            "Workers were called to the canteen for the announcement at 10am. Midway through the "
            "meeting an alarm went off in the batch house, and staff filed out into the yard to "
            "wait in the rain. The alarm ceased. Fire crews left at noon after tracing it to a "
            "faulty sensor, and the meeting resumed in near silence.",
            "“It felt like the building was trying to tell us something,” said furnace operator "
            "Gary Walsh, who has worked at the site for 31 years. “My dad worked here. My grandad "
            "worked here. I thought I would retire here.”",
            "The Glass and Ceramics Workers’ Union said it would fight the closure and called on "
            "the council and the government to help find a buyer for the site.",
            "Ashfold’s member of parliament, Rachel Dunn, called the news “a hammer blow for the "
            "whole valley”.",
            "Brindle Glass said it would offer some staff jobs elsewhere in the group and "
            "enhanced redundancy terms to the rest. Consultation with the union is expected to "
            "last 45 days.",
        ],
        related=[WIRE_TALKS, LIBRARY_SUNDAYS, ESTMARKI_FAMILIES],
        labels=frozenset({"plant-closure"}),
    ),
    _article(
        CHRISTMAS_MARKET,
        "Christmas market gets go-ahead despite High Street roadworks",
        "The gas company will fill in its trenches for the two market weekends.",
        byline=["Beth Lowther"],
        section="Local",
        tags=["Christmas", "High Street", "Events"],
        published_at=utc(2026, 11, 15, 10, 0),
        paragraphs=[
            "Ashfold’s Christmas market will go ahead on the High Street next month after the "
            "council agreed to pause gas main works for the two weekends it runs.",
            "Traders had feared the market, which attracts about 15,000 visitors, would have to "
            "move to the rugby club car park. The gas company has agreed to fill in its trenches "
            "by 4 December and reopen them in the new year.",
            "Market organiser Joy Hebden said stallholders were “over the moon”. “Half of them "
            "make a third of their year’s takings over those two weekends,” she said.",
            "The market runs on 5-6 and 12-13 December. Park-and-ride buses will run from the "
            "leisure centre.",
        ],
        related=[LANTERN_PARADE, WIRE_TALKS],
    ),
    _article(
        FLOOD_DEFENCES,
        "Work starts on £9m Ash river flood defences",
        "A riverside wall, two pumping stations and a storage area upstream should protect 400 "
        "properties.",
        byline=["Beth Lowther"],
        section="Local",
        tags=["Flooding", "River Ash", "Infrastructure"],
        published_at=utc(2026, 11, 16, 8, 30),
        paragraphs=[
            "Work began on Monday on flood defences designed to protect about 400 homes and "
            "businesses in Ashfold from the river Ash, three years after the town centre was "
            "flooded twice in one winter.",
            "The scheme includes a 1.2-kilometre wall along the riverside path, two new pumping "
            "stations and an upstream storage area on farmland at Kelder Bottom that will hold "
            "back water during heavy rain.",
            "Contractors expect the work to take 18 months. The riverside path will close in "
            "sections, with diversions signposted.",
            "Sandra Pike, whose café on Bridge Street flooded both times, said she would believe "
            "it when she saw it. “But I’m glad to see the diggers,” she added. “Every time it "
            "rains I still carry the chairs upstairs.”",
            "The county council and the national environment agency are paying for the scheme, "
            "with a contribution from local businesses.",
        ],
        related=[LAMB_SALES],
    ),
    _article(
        LAMB_SALES,
        "Lamb prices hold up at Ashfold autumn sales",
        "An average of £87 a head gives hill farmers some relief after a wet summer.",
        byline=["Tom Barraclough"],
        section="Farming",
        tags=["Farming", "Livestock", "Auction mart"],
        published_at=utc(2026, 11, 17, 13, 0),
        paragraphs=[
            "Prices for store lambs held firm at Ashfold auction mart’s final autumn sale on "
            "Monday, giving hill farmers some relief after a wet summer that cut grass growth "
            "across the valley.",
            "More than 6,000 lambs went through the ring. The average price was £87 a head, about "
            "£3 more than at the same sale last year, the auctioneers said.",
            "Auctioneer Neil Thwaite said buyers from the lowlands had been keen. “Good, "
            "well-grown lambs sold very well indeed,” he said. “The smaller sorts were harder "
            "work.”",
            "Farmers said feed and fuel still cost far more than five years ago, and that the "
            "better prices only went part of the way to covering the difference.",
            "The mart’s next sale, for breeding ewes, is on 1 December.",
        ],
        related=[FLOOD_DEFENCES, GLASSWORKS],
    ),
    _article(
        LIBRARY_SUNDAYS,
        "Ashfold library to open on Sundays thanks to volunteers",
        "More than 40 people answered the Friends of Ashfold Library’s appeal.",
        byline=["Beth Lowther"],
        section="Local",
        tags=["Libraries", "Volunteers"],
        published_at=utc(2026, 11, 18, 15, 30),
        paragraphs=[
            "Ashfold library will open on Sunday afternoons from January, after more than 40 "
            "people signed up to volunteer in response to an appeal by the Friends of Ashfold "
            "Library.",
            "The library has been closed on Sundays since 2014. Volunteers will staff the front "
            "desk and run a children’s story hour, with one paid librarian on duty each week.",
            "Friends chair Derek Ashworth said he had hoped for a dozen volunteers. “We ran out "
            "of chairs at the first meeting,” he said.",
            "The county council, which runs the library, said the arrangement would be reviewed "
            "after six months.",
        ],
        related=[ROBOTICS, GLASSWORKS],
    ),
    _article(
        CUP_DRAW,
        "Ten-man Ashfold Town hold on for cup draw at Millbeck",
        "Goalkeeper Dan Firth makes three late saves to earn a replay at Riverside Park.",
        byline=["Matt Ingham"],
        section="Sport",
        tags=["Football", "Ashfold Town", "County cup"],
        published_at=utc(2026, 11, 19, 21, 30),
        paragraphs=[
            "Ashfold Town will face Millbeck United in a replay after holding on for a 1-1 draw "
            "in the county cup on Thursday night, despite playing the last half hour with ten "
            "men.",
            "Town took the lead through a penalty from Lewis Ambler after 20 minutes, but "
            "Millbeck equalised before half-time with a shot from the edge of the area that took "
            "a deflection off a defender.",
            "Centre-back Josh Kenyon was sent off on the hour for a second booking. Millbeck "
            "pressed for a winner, but goalkeeper Dan Firth made three fine saves in the final "
            "ten minutes.",
            "Manager Gareth Pollard said he was proud of the players’ spirit. “We defended for "
            "our lives,” he said. “Now we get them at home.”",
            "The replay will be played at Riverside Park on Saturday, kick-off 3pm.",
        ],
        related=[CUP_REPLAY],
    ),
    _article(
        CUP_REPLAY,
        "Ashfold Town out of county cup after replay defeat",
        "Millbeck United win 3-1 at Riverside Park after racing into an early lead.",
        byline=["Matt Ingham"],
        section="Sport",
        tags=["Football", "Ashfold Town", "County cup"],
        published_at=utc(2026, 11, 21, 21, 50),
        paragraphs=[
            "Ashfold Town’s run in the county cup ended on Saturday with a 3-1 replay defeat to "
            "Millbeck United at Riverside Park.",
            "Without the suspended Josh Kenyon, Town struggled to cope with Millbeck’s pace on "
            "the break and fell two goals behind inside 25 minutes.",
            "Lewis Ambler pulled one back with a header early in the second half, and for a "
            "spell the home side looked capable of levelling. Millbeck settled the tie with a "
            "breakaway goal ten minutes from time.",
            "Manager Gareth Pollard said the better side had won on the day. “We gave them a "
            "two-goal start, and you cannot do that against a team like Millbeck,” he said.",
            "Town return to league action at Oxley next Saturday.",
        ],
        related=[CUP_DRAW],
    ),
    _article(
        BUS_OPINION,
        "Opinion: The valley needs buses that run after six",
        "The upper valley keeps losing the people it can least afford to lose.",
        byline=["Alison Marr"],
        section="Opinion",
        tags=["Buses", "Transport", "Opinion"],
        published_at=utc(2026, 11, 20, 7, 0),
        paragraphs=[
            "Try getting from Kelder to Ashfold after six o’clock on a weekday evening without a "
            "car. You can’t. The last bus leaves at 5.52pm, and if you miss it, you are walking "
            "four miles along an unlit road or paying for a taxi that may not come.",
            "This is not a small inconvenience. It means young people in the upper valley cannot "
            "take evening shifts in town. It means older residents turn down invitations because "
            "they cannot get home. It means the college’s night classes are, in practice, only "
            "for people who drive.",
            "The bus company says the evening services do not pay. That is probably true. But "
            "neither do the roads, the street lights or the library, and nobody suggests we shut "
            "those at teatime.",
            "The county council has a chance to fix this when it renews the valley contract in "
            "the spring. It should insist on at least two evening journeys each way, and it "
            "should be prepared to pay for them.",
            "If it does not, the upper valley will keep losing the people it can least afford to "
            "lose: the young, and the ones who would like to stay.",
        ],
        related=[LIBRARY_SUNDAYS, WIRE_TALKS],
    ),
    _article(
        LANTERN_PARADE,
        "Lantern parade returns to light up Ashfold on Saturday",
        "Children from six schools have made this year’s lanterns on the theme of river creatures.",
        byline=["Beth Lowther"],
        section="What’s On",
        tags=["Events", "Arts centre", "Family"],
        published_at=utc(2026, 11, 20, 16, 0),
        paragraphs=[
            "Hundreds of handmade lanterns will be carried through Ashfold on Saturday evening as "
            "the town’s winter lantern parade returns for its 20th year.",
            "Children from six primary schools have spent the past month making lanterns from "
            "willow and tissue paper in workshops at the arts centre. This year’s theme is "
            "“creatures of the river”.",
            "The parade sets off from the arts centre at 5pm and finishes in the market square, "
            "where there will be music from the Ashfold Silver Band and hot food stalls.",
            "Organisers are asking people to leave dogs at home and not to bring sparklers. "
            "Church Street and the market square will be closed to traffic from 4pm to 7.30pm.",
        ],
        related=[CHRISTMAS_MARKET, WIRE_TALKS],
    ),
    _article(
        ROBOTICS,
        "Ashfold High robotics team through to national final",
        "Their recycling-sorting robot, Magpie, beat every other entry in the northern heat.",
        byline=["Kieran Doyle"],
        section="Local",
        tags=["Schools", "Robotics", "Ashfold High"],
        published_at=utc(2026, 11, 21, 9, 45),
        paragraphs=[
            "A team of six students from Ashfold High School has qualified for the national "
            "final of a schools robotics competition after their machine sorted more recycling "
            "in three minutes than any other entry in the northern heat.",
            "The robot, nicknamed Magpie, uses a camera and a simple colour-recognition program "
            "written by the students to pick cans, bottles and paper off a moving belt.",
            "Team captain Zara Hussain, 17, said the hardest part had been making it work under "
            "the bright lights of the competition hall. “It kept thinking everything was a can,” "
            "she said.",
            "Physics teacher Owen Bright, who runs the after-school club, said the students had "
            "done almost all of the work themselves. The final will be held in February.",
            "The school is looking for local businesses to help cover the team’s travel costs.",
        ],
        related=[LIBRARY_SUNDAYS],
    ),
]
