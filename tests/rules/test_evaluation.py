"""`newswatch rules eval` on a small labelled fixture whose scores are worked out by hand.

truce-watch (all of [truce|ceasefire] and [army|rebels|militia], none of trade):
  a1, a2 labelled true and matched            -> tp 2
  a5 labelled false, "truce" + "army" matched -> fp 1 (a record-label feud)
  a3 labelled true, no truce word             -> fn (missing any: [truce, ceasefire])
  a7 labelled true, "trade" in the body       -> fn (excluded by none: trade)
  a4 (trade), a6 (harbour) labelled false     -> tn 2
harbour: a6 true matched (tp), a8 false matched (fp), a1 false not matched (tn).
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.app import app
from pipeline.config import Config, load_rules, rule_files
from rules.evaluation import read_labels, score
from rules.matcher import CompiledRules

FIXTURE = Path(__file__).parent / "eval_fixture"
RULES, LABELS = FIXTURE / "rules.yaml", FIXTURE / "labels.jsonl"
runner = CliRunner()

EXPECTED = """\
rule truce-watch: precision 0.67, recall 0.50, F1 0.57 (tp 2, fp 1, fn 2, tn 2; 7 labelled)
  false positive: https://news.example/a5 'Record labels call a truce'
    fired: truce -> 'truce' in title, body
    fired: army -> 'army' in body
    sentence: Two record labels called a truce in their feud.
  false negative: https://news.example/a3 'Fighting stops in the valley'
    missing: any: [truce, ceasefire]
    held: any: [army, rebels, militia] ('rebels')
    sentence: The rebels laid down their arms on Tuesday.
  false negative: https://news.example/a7 'Rebels and army agree a truce'
    held: any: [truce, ceasefire] ('truce')
    held: any: [army, rebels, militia] ('army', 'Rebels')
    excluded: none: trade ('trade')
    sentence: The rebels and the army agreed a truce.
rule harbour: precision 0.50, recall 1.00, F1 0.67 (tp 1, fp 1, fn 0, tn 1; 3 labelled)
  false positive: https://news.example/a8 'Harbour strike ends'
    fired: harbour -> 'Harbour' in title, body
    sentence: Dockers at the harbour went back to work.
8 labelled article(s), 2 rule(s) scored
"""


def test_eval_prints_scores_and_every_miss_with_why() -> None:
    result = runner.invoke(app, ["rules", "eval", str(RULES), "--labels", str(LABELS)])
    assert result.exit_code == 0, result.output
    assert result.stdout == EXPECTED


def test_eval_json_has_the_same_counts_and_misses() -> None:
    result = runner.invoke(app, ["rules", "eval", str(RULES), "--labels", str(LABELS), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    truce, harbour = data["rules"]
    assert (truce["rule"], truce["tp"], truce["fp"], truce["fn"], truce["tn"]) == (
        "truce-watch", 2, 1, 2, 2)
    assert truce["precision"] == 2 / 3 and truce["recall"] == 0.5
    assert [m["url"] for m in truce["false_negatives"]] == ["https://news.example/a3",
                                                            "https://news.example/a7"]
    assert truce["false_negatives"][1]["why"][-1] == "excluded: none: trade ('trade')"
    assert (harbour["tp"], harbour["fp"], harbour["fn"], harbour["tn"]) == (1, 1, 0, 1)
    assert harbour["recall"] == 1.0 and data["below_floor"] == [] and data["problems"] == []


def test_floors_exit_1_and_name_the_rule() -> None:
    ok = runner.invoke(app, ["rules", "eval", str(RULES), "--labels", str(LABELS),
                             "--min-precision", "0.5", "--min-recall", "0.5"])
    assert ok.exit_code == 0, ok.output
    low = runner.invoke(app, ["rules", "eval", str(RULES), "--labels", str(LABELS),
                              "--min-recall", "0.6"])
    assert low.exit_code == 1
    assert "rule truce-watch: recall 0.50 is below the floor 0.60" in low.stderr
    assert "harbour" not in low.stderr


def test_bad_lines_and_unknown_rules_are_reported_and_the_rest_scored(tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    good = LABELS.read_text(encoding="utf-8").splitlines()[0]
    labels.write_text(good + "\n" + '{"url": "u", "title": "t"}\n'
                      + '{"url": "v", "title": "t", "body": "b", "labels": {"nope": true}}\n',
                      encoding="utf-8")
    result = runner.invoke(app, ["rules", "eval", str(RULES), "--labels", str(labels)])
    assert result.exit_code == 1
    assert "rule truce-watch: precision 1.00, recall 1.00" in result.stdout
    assert f"{labels}:2: labels must be an object" in result.stderr
    assert "labels name rule 'nope', which is not among the rules" in result.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    neither = runner.invoke(app, ["rules", "eval", str(RULES)])
    assert neither.exit_code == 2 and "--labels FILE.jsonl or --from-feedback" in neither.stderr
    missing = runner.invoke(app, ["rules", "eval", str(RULES), "--labels",
                                  str(tmp_path / "none.jsonl")])
    assert missing.exit_code == 2 and "no such file" in missing.stderr


def test_score_is_usable_without_the_cli() -> None:
    config = Config()
    load_rules(rule_files(RULES), config, check_channels=False)
    problems: list[str] = []
    results = score(CompiledRules(config.rules), read_labels(LABELS, problems))
    assert problems == []
    assert [(r.rule_id, r.tp, r.fp, r.fn, r.tn) for r in results] == [
        ("truce-watch", 2, 1, 2, 2), ("harbour", 1, 1, 0, 1)]
    assert results[0].f1 is not None and round(results[0].f1, 4) == round(4 / 7, 4)


def test_the_worked_example_in_docs_rules_md_prints_what_it_shows(tmp_path: Path) -> None:
    from rules import measure_doc

    labels = tmp_path / "truce-labels.jsonl"
    labels.write_text(measure_doc.LABELS, encoding="utf-8")
    for rule, output, code in ((measure_doc.FIRST_RULE, measure_doc.FIRST_OUTPUT, 1),
                               (measure_doc.BETTER_RULE, measure_doc.BETTER_OUTPUT, 0)):
        path = tmp_path / "truce.yaml"
        path.write_text(rule, encoding="utf-8")
        shown = runner.invoke(app, ["rules", "eval", str(path), "--labels", str(labels)])
        assert (shown.exit_code, shown.stdout) == (0, output)
        floors = runner.invoke(app, ["rules", "eval", str(path), "--labels", str(labels),
                                     "--min-precision", "0.9", "--min-recall", "0.9"])
        assert floors.exit_code == code, floors.output


EVENT_RULES = """\
rules:
  - id: summit-soon
    name: Summit soon
    match: {any: [summit]}
    event: {terms: [summit], window_days: [0, 30], upcoming: true}
    channels: [desk]
"""


def test_undated_labelled_articles_resolve_event_dates_against_reference(
        tmp_path: Path) -> None:
    """Without a publication date an event rule could never hold; eval resolves such articles
    against --reference (or now) and says so on stderr, as `newswatch match` does."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(EVENT_RULES, "utf-8")
    labels = tmp_path / "labels.jsonl"
    rows = [("https://x.example/1", "The summit opens on 8 December 2026.", True),
            ("https://x.example/2", "The summit opened on 1 December 2026.", False)]
    labels.write_text("".join(json.dumps({"url": u, "title": "Summit", "body": b,
                                          "labels": {"summit-soon": v}}) + "\n"
                              for u, b, v in rows), "utf-8")
    result = runner.invoke(app, ["rules", "eval", str(rules), "--labels", str(labels),
                                 "--reference", "2026-12-02"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("rule summit-soon: precision 1.00, recall 1.00")
    assert ("2 labelled article(s) without published_at: event dates resolved against "
            "2026-12-02T00:00+00:00 (--reference)") in result.stderr
    # A dated article keeps its own date: published after the summit, it is not upcoming.
    labels.write_text(json.dumps({"url": "https://x.example/3", "title": "Summit",
                                  "body": rows[0][1], "published_at": "2026-12-10T09:00Z",
                                  "labels": {"summit-soon": False}}) + "\n", "utf-8")
    result = runner.invoke(app, ["rules", "eval", str(rules), "--labels", str(labels),
                                 "--reference", "2026-12-02"])
    assert "tn 1" in result.stdout and "without published_at" not in result.stderr
