"""Date expressions whose value depends on the words around them: tense, titles, the story."""

from __future__ import annotations

from datetime import date

from rules.dates import find_dates

TUESDAY = date(2025, 3, 25)      # Friday 2025-03-21 is four days back, 2025-03-28 three ahead


def found(text: str, reference: date = TUESDAY) -> list[tuple[str, str]]:
    return [(m.text, m.value) for m in find_dates(text, reference, "en-US")]


def test_an_irregular_past_verb_points_a_weekday_back() -> None:
    assert found("The storm tore through the town on Friday.") == [("Friday", "2025-03-21")]
    assert found("The storm will reach the town on Friday.") == [("Friday", "2025-03-28")]


def test_a_plan_in_the_past_perfect_is_over() -> None:
    assert found("The offer had been due to expire Friday.") == [("Friday", "2025-03-21")]
    assert found("The offer is due to expire Friday.") == [("Friday", "2025-03-28")]


def test_a_clock_time_joins_its_day_across_a_short_parenthesis() -> None:
    saturday = date(2025, 3, 22)
    assert found("The blast occurred at 10:35 a.m. (0735 GMT) Friday, officials said.",
                 saturday) == [("10:35 a.m. (0735 GMT) Friday", "2025-03-21T10:35")]


def test_a_capitalised_this_week_is_a_title() -> None:
    assert found('Baker said on ABC\'s "This Week" that talks would go on.') == []
    assert found("Baker said this week that talks would go on.") == [
        ("this week", "2025-W13")]


def test_the_following_year_counts_from_the_year_of_the_story() -> None:
    text = "On May 22, 1995, she was promoted, and the following year she moved to Washington."
    assert found(text) == [("May 22, 1995", "1995-05-22"), ("the following year", "1996")]
    assert found("They will sign in March and move the following month.") == [
        ("March", "2025-03"), ("the following month", "2025-04")]


def test_current_alone_is_the_present() -> None:
    assert found("Based on the current number of shares, the deal is worth $9 million.") == [
        ("current", "PRESENT_REF")]
    assert found("Sales in the current quarter fell.") == [("the current quarter", "2025-Q1")]


def test_two_thousand_years_is_an_amount() -> None:
    assert found("Families kept the secret for more than two thousand years.") == []
    assert found("The approach of the year two thousand worries them.") == [
        ("the year two thousand", "2000")]


def test_the_latest_period_is_the_quarter_being_reported() -> None:
    text = "Net rose 5% in the third quarter. Revenue in the latest period was $4 million."
    assert found(text) == [("the third quarter", "2024-Q3"), ("the latest period", "2024-Q3")]
    assert found("Revenue in the latest period was $4 million.") == []


def test_a_year_earlier_compares_with_the_latest_period_mentioned() -> None:
    quarter = "Net rose in the third quarter from $4 million a year earlier."
    assert found(quarter)[-1] == ("a year earlier", "2023-Q3")
    months = ("Net rose in the third quarter. In the nine months, net rose 5% from "
              "a year earlier.")
    assert found(months)[-1] == ("a year earlier", "2023")
    year = "Net rose in the third quarter. Last year net fell; the year-earlier results differ."
    assert found(year)[-1] == ("the year-earlier", "2023")


def test_a_bare_month_months_away_against_the_tense_takes_the_tense_year() -> None:
    november = date(2025, 11, 3)
    assert found("He stepped down in March for health reasons.", november) == [
        ("March", "2025-03")]
    assert found("The crew will fly a mission in December.", date(2025, 4, 20)) == [
        ("December", "2025-12")]
    # Since points back whatever else the sentence says.
    assert found("The carrier has been on patrol since March and was scheduled to return.",
                 date(2025, 8, 13)) == [("March", "2025-03")]


def test_an_agreement_to_act_looks_ahead() -> None:
    assert found("Thermo agreed to purchase the line in February.", date(2025, 10, 30)) == [
        ("February", "2026-02")]


def test_an_un_ed_adjective_is_not_a_past_tense() -> None:
    assert found("The ruling would come at an undisclosed hour on Friday.") == [
        ("Friday", "2025-03-28")]
    # A verb that starts the same way is still a past tense.
    assert found("The ministry would not say why it unveiled the plan on Friday.") == [
        ("Friday", "2025-03-21")]


def test_effective_takes_the_nearest_date() -> None:
    assert found("The bank created a new office, effective Feb. 1.", date(2025, 10, 26)) == [
        ("Feb. 1", "2026-02-01")]


def test_the_then_current_price_is_in_the_past() -> None:
    assert found("Holders may buy shares at half the then current market price.") == [
        ("current", "PAST_REF")]


def test_a_quarter_named_by_its_year_is_the_quarter_in_play() -> None:
    text = ("Net rose in the third quarter. Sales were $3 million in the 2023 quarter and "
            "$2 million in last year's quarter; for the quarter a year ago, net was flat.")
    assert found(text) == [("the third quarter", "2024-Q3"), ("the 2023 quarter", "2023-Q3"),
                           ("last year's quarter", "2024-Q3"),
                           ("the quarter a year ago", "2023-Q3")]
    assert found("Sales were $3 million in the 2023 quarter.") == [("2023", "2023")]


def test_a_weekday_named_by_its_event_has_happened() -> None:
    assert found("Friday's ruling is final.") == [("Friday's", "2025-03-21")]
    # A clear tense still decides.
    assert found("Friday's summit is expected to focus on trade.") == [
        ("Friday's", "2025-03-28")]


def test_every_month_is_a_set_and_jan_before_a_name_is_a_person() -> None:
    assert found("The Orangemen march each July through the town.") == []
    assert found("The march was in July.") == [("July", "2024-07")]
    assert found("The ministers of Poland and Jan Kavan of the Czech Republic signed.") == []
    assert found("Sales rose in Jan and Feb.") == [("Jan", "2025-01"), ("Feb.", "2025-02")]


def test_last_year_set_against_a_quarter_is_that_quarter_a_year_before() -> None:
    october = date(2025, 10, 30)
    text = "Net rose to $5 million in the third quarter, compared with $4 million last year."
    assert found(text, october) == [("the third quarter", "2025-Q3"), ("last year", "2024-Q3")]
    assert found("Net rose in the third quarter. The plant opened last year.", october) == [
        ("the third quarter", "2025-Q3"), ("last year", "2024")]


def test_a_plan_spoken_of_as_made_does_not_point_ahead() -> None:
    text = "On Friday, before the hastily planned trip, the travel warning was lifted."
    assert found(text) == [("Friday", "2025-03-21")]
    assert found("The trip is planned for Friday.") == [("Friday", "2025-03-28")]


def test_since_shortly_after_a_day_points_back() -> None:
    may = date(2025, 5, 6)
    text = "Police have been searching for him since shortly after the Oct. 23 slaying."
    assert found(text, may) == [("the Oct. 23", "2024-10-23")]


def test_the_week_of_a_day_is_that_week() -> None:
    assert found("The case may be heard the week of March 31.") == [
        ("the week of March 31", "2025-W14")]


def test_the_latest_fiscal_year_is_the_last_one_reported() -> None:
    assert found("The unit had 27% of sales in the latest fiscal year.") == [
        ("the latest fiscal year", "2024")]


def test_may_looks_ahead_a_lost_weekend_is_no_past_and_a_when_clause_keeps_its_tense() -> None:
    text = ("The envoy may finally get to discuss his plan with the president on Friday after "
            "a lost weekend when he was forced to abandon his talks.")
    assert found(text) == [("Friday", "2025-03-28")]
    # A past verb before the date still points back.
    assert found("The envoy discussed his plan with the president on Friday.") == [
        ("Friday", "2025-03-21")]


def test_a_participle_after_be_is_passive_and_takes_the_auxiliarys_tense() -> None:
    # "held" alone is a past tense; "would be held" is still to come, "was held" is over.
    assert found("He added that the summit would still be held on September 1.") == [
        ("September 1", "2025-09-01")]
    assert found("He said the summit will be held on January 10.") == [
        ("January 10", "2026-01-10")]
    assert found("The summit was held on September 1.") == [("September 1", "2024-09-01")]


def test_an_abbreviated_month_with_its_full_stop_is_the_month() -> None:
    # A sentence split after "Sept." leaves the abbreviation without a cue word before it.
    assert found("Havel is scheduled to make an official visit to Brazil Sept.") == [
        ("Sept.", "2025-09")]
    assert found("The sept gathered.") == []


def test_a_month_gone_this_year_in_a_sentence_that_looks_ahead_is_next_years() -> None:
    march = date(1998, 3, 4)
    assert found("She will fly a mission in December.", march) == [("December", "1998-12")]
    assert found("She flew a mission in December.", march) == [("December", "1997-12")]
