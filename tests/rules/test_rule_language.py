"""The condition forms: exact case, near, sentence, entities, regex, field scopes, filters,
rule kinds, and evidence offsets that index the article text exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.records import ArticleText, Match
from rules.entities import Entity, EntityMention
from rules.matcher import CompiledRules
from rules.models import Rule

PUTIN = Entity(id="vladimir-putin", name="Vladimir Putin", kind="person",
               aliases=["Putin", "Путин", "普京"], titles=["the Russian president"])
WHO = Entity(id="who", name="World Health Organization", kind="organisation", aliases=["WHO"])
ENTITIES = {e.id: e for e in (PUTIN, WHO)}


def rule(rule_id: str, match: dict[str, Any], **extra: Any) -> Rule:
    return Rule.model_validate({"id": rule_id, "name": rule_id, "match": match,
                                "channels": ["desk"], **extra})


def article(body: str, *, title: str = "Port news", summary: str | None = None,
            **extra: Any) -> ArticleText:
    return ArticleText("a1", "s1", "harbour-times", title, summary, body, **extra)


def matched(rules: list[Rule], art: ArticleText, **kwargs: Any) -> dict[str, Match]:
    compiled = CompiledRules(rules, ENTITIES)
    return {m.rule_id: m for m in compiled.evaluate(art, **kwargs)}


def assert_offsets(art: ArticleText, match: Match) -> None:
    assert match.evidence, "a match always carries evidence"
    for e in match.evidence:
        text = getattr(art, e.field)
        assert text[e.start:e.end] == e.text
        assert e.sentence_start <= e.start < e.end <= e.sentence_end
        assert text[e.sentence_start:e.sentence_end].strip() == \
            text[e.sentence_start:e.sentence_end]


@pytest.mark.parametrize(("body", "exact", "ignoring"), [
    ("The US said no.", True, True),
    ("The US's envoy said no.", True, True),
    ("Let us say no.", False, True),
    ("USA Today reported it.", False, False),
])
def test_exact_case_for_acronyms(body: str, exact: bool, ignoring: bool) -> None:
    rules = [rule("exact", {"any": [{"term": "US", "case": "exact"}]}),
             rule("ignore", {"any": [{"term": "US", "case": "ignore"}]})]
    found = matched(rules, article(body))
    assert ("exact" in found, "ignore" in found) == (exact, ignoring)


def test_trump_the_name_and_the_trump_card() -> None:
    rules = [rule("name", {"any": [{"term": "Trump", "case": "exact"}]}),
             rule("word", {"any": ["trump"]})]
    assert sorted(matched(rules, article("He played his trump card."))) == ["word"]
    found = matched(rules, article("Trump's team played a trump card."))
    assert sorted(found) == ["name", "word"]
    assert found["name"].terms == ("Trump's",)
    assert [e.text for e in found["word"].evidence] == ["Trump's", "trump"]


def test_near_within_n_words() -> None:
    r = rule("near", {"any": [{"near": ["ceasefire", "collapse"], "within": 4}]})
    art = article("The ceasefire could soon collapse, officials said.")
    found = matched([r], art)
    assert [e.text for e in found["near"].evidence] == ["ceasefire", "collapse"]
    assert found["near"].evidence[0].condition == "near: ceasefire, collapse"
    assert_offsets(art, found["near"])
    far = "The ceasefire was signed in May after many long months of talks. Markets collapse."
    assert matched([r], article(far)) == {}
    # Order does not matter, and inflections count: "collapsed ... ceasefires".
    assert "near" in matched([r], article("Talks collapsed and both ceasefires ended."))


def test_near_is_within_one_field() -> None:
    r = rule("near", {"any": [{"near": ["ceasefire", "collapse"], "within": 10}]})
    assert matched([r], article("Collapse feared.", title="Ceasefire news")) == {}


def test_sentence_needs_every_item_in_one_sentence() -> None:
    r = rule("s", {"all": [{"sentence": ["talks", "Geneva"]}]})
    assert matched([r], article("Talks will resume. Geneva is ready.")) == {}
    art = article("Markets rose. Geneva will host the talks in May. Talks matter.")
    found = matched([r], art)
    assert found["s"].sentence == "Geneva will host the talks in May."
    assert {e.text for e in found["s"].evidence} == {"Geneva", "talks"}
    assert_offsets(art, found["s"])


@pytest.mark.parametrize(("body", "surface"), [
    ("Vladimir Putin met the envoy.", "Vladimir Putin"),
    ("Putin's spokesman denied it.", "Putin's"),
    ("The Russian president met the envoy.", "The Russian president"),
    ("Встреча: Путин и посол.", "Путин"),
    ("普京总统会见了特使。", "普京"),
])
def test_entity_by_name_alias_title_and_script(body: str, surface: str) -> None:
    r = rule("putin", {"any": [{"entity": "vladimir-putin"}]})
    art = article(body)
    found = matched([r], art)
    assert found["putin"].terms == (surface,)
    assert found["putin"].evidence[0].condition == "entity:vladimir-putin"
    assert_offsets(art, found["putin"])


def test_entity_acronym_alias_keeps_its_case() -> None:
    r = rule("who", {"any": [{"entity": "who"}]})
    assert matched([r], article("People who travel were warned.")) == {}
    assert "who" in matched([r], article("The WHO warned travellers."))
    assert "who" in matched([r], article("The World Health Organization warned them."))


def test_entity_mentions_lists_every_watchlist_entity_with_offsets() -> None:
    compiled = CompiledRules([rule("x", {"any": ["harbour"]})], ENTITIES)
    art = article("Vladimir Putin spoke. Later the WHO and Putin met.",
                  title="Putin and the WHO", summary="The Russian president talks.")
    mentions = compiled.entity_mentions(art)
    assert [(m.entity_id, m.field, m.text) for m in mentions] == [
        ("vladimir-putin", "title", "Putin"), ("who", "title", "WHO"),
        ("vladimir-putin", "summary", "The Russian president"),
        ("vladimir-putin", "body", "Vladimir Putin"), ("who", "body", "WHO"),
        ("vladimir-putin", "body", "Putin"),
    ]
    for m in mentions:
        assert isinstance(m, EntityMention)
        assert getattr(art, m.field)[m.start:m.end] == m.text
    assert mentions[4].sentence == "Later the WHO and Putin met."


def test_a_rule_naming_an_unknown_entity_is_left_out_and_reported() -> None:
    compiled = CompiledRules([rule("bad", {"any": [{"entity": "nobody"}]}),
                              rule("good", {"any": ["truce"]})], ENTITIES)
    assert [r.id for r in compiled.rules] == ["good"]
    assert compiled.problems == [
        "rule bad: unknown entity 'nobody'; known entities: vladimir-putin, who"]
    assert "good" in {m.rule_id for m in compiled.evaluate(article("A truce held."))}


def test_regex_runs_per_sentence_and_reports_its_matches() -> None:
    r = rule("jets", {"any": [{"regex": r"\bF-?35[AB]?s?\b"}]})
    art = article("Two f35s landed. An F-35A followed. None crossed 35 km.")
    found = matched([r], art)
    assert [e.text for e in found["jets"].evidence] == ["f35s", "F-35A"]
    assert found["jets"].evidence[0].condition == r"regex:\bF-?35[AB]?s?\b"
    assert_offsets(art, found["jets"])
    exact = rule("exact", {"any": [{"regex": r"\bF-35", "case": "exact"}]})
    assert matched([exact], article("An f-35 landed.")) == {}
    # A regex never spans two sentences.
    assert matched([rule("x", {"any": [{"regex": r"landed\. An"}]})], art) == {}


def test_regex_finds_matches_in_a_sentence_longer_than_its_window() -> None:
    body = "word " * 400 + "the target phrase " + "word " * 10 + "end."
    r = rule("long", {"any": [{"regex": "target phrase"}]})
    found = matched([r], article(body))
    assert found["long"].evidence[0].start == body.index("target phrase")


def test_condition_fields_narrow_the_rule_fields() -> None:
    r = rule("scoped", {"all": [{"any": ["ceasefire"], "fields": ["title"]}, "Corvania"]})
    assert "scoped" in matched([r], article("Corvania agreed.", title="Ceasefire agreed"))
    assert matched([r], article("Corvania agreed a ceasefire.", title="Port news")) == {}


def test_page_chrome_is_never_searched_only_title_summary_body() -> None:
    r = rule("r", {"any": ["ceasefire"]}, fields=["title", "summary", "body"])
    art = article("Markets were calm.", title="Port", summary="A ceasefire held.")
    assert matched([r], art)["r"].field == "summary"
    with pytest.raises(ValueError, match="'title', 'summary' or 'body'"):
        rule("chrome", {"any": ["ceasefire"]}, fields=["navigation"])


def test_language_section_and_age_filters() -> None:
    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    rules = [rule("lang", {"any": ["truce"]}, languages=["en"]),
             rule("section", {"any": ["truce"]}, sections=["World"]),
             rule("fresh", {"any": ["truce"]}, max_age="6h")]
    text = "A truce held."
    assert sorted(matched(rules, article(text, language="en-GB", section="world",
                                         published_at=now - timedelta(hours=1)), now=now)) \
        == ["fresh", "lang", "section"]
    assert sorted(matched(rules, article(text, language="fr", section="sport",
                                         published_at=now - timedelta(hours=7)), now=now)) == []
    # Unknown language or section: left out; unknown publication date: kept.
    assert sorted(matched(rules, article(text), now=now)) == ["fresh"]


def test_threshold_and_first_seen_rules_give_per_article_matches() -> None:
    rules = [rule("t", {"any": ["truce"]}, kind="threshold",
                  threshold={"articles": 3, "sources": 2, "within": "6h"}),
             rule("f", {"any": ["truce"]}, kind="first_seen", first_seen={"days": 30})]
    assert sorted(matched(rules, article("A truce held."))) == ["f", "t"]
    assert rules[0].threshold is not None
    assert rules[0].threshold.within == timedelta(hours=6)


def test_event_sentences_and_event_terms_do_not_match_by_themselves() -> None:
    r = rule("summit", {"any": ["Corvania"]},
             event={"terms": ["summit", "talks"], "window_days": [0, 14]})
    compiled = CompiledRules([r])
    art = article("Corvania said little. Leaders will meet at a summit next Tuesday. Talks "
                  "follow.", title="Corvania summit")
    assert compiled.event_sentences(art, r) == [
        ("title", 0, 15, "Corvania summit"),
        ("body", 22, 65, "Leaders will meet at a summit next Tuesday."),
        ("body", 66, 79, "Talks follow."),
    ]
    assert compiled.evaluate(article("A summit next week.")) == []
    (m,) = compiled.evaluate(art)
    assert m.event_date is None


def test_regex_only_rules_are_evaluated_without_any_term() -> None:
    r = rule("digits", {"any": [{"regex": r"\b\d{3}-\d{4}\b"}]})
    assert "digits" in matched([r], article("Call 555-0199 now."))


def test_evidence_offsets_survive_unicode_that_changes_length_when_lowered() -> None:
    r = rule("r", {"any": ["Istanbul", "ceasefire", "leaders"]})
    art = article("İİ İstanbul hosted the “cease‑fire” talks; the leaders’ statement followed.")
    found = matched([r], art)
    assert_offsets(art, found["r"])
    assert [e.text for e in found["r"].evidence] == ["İstanbul", "cease‑fire", "leaders"]


def test_every_condition_occurrence_used_is_evidence() -> None:
    r = rule("r", {"all": ["ceasefire", {"any": ["Corvania", "Estmark"]}],
                   "none": ["football"]})
    art = article("Corvania signed a ceasefire. Estmark welcomed the ceasefire.",
                  title="Ceasefire in Corvania")
    m = matched([r], art)["r"]
    assert [(e.field, e.text) for e in m.evidence] == [
        ("title", "Ceasefire"), ("title", "Corvania"), ("body", "Corvania"),
        ("body", "ceasefire"), ("body", "Estmark"), ("body", "ceasefire")]
    assert_offsets(art, m)
    assert (m.field, m.sentence) == ("body", "Corvania signed a ceasefire.")
