"""The "Measure a rule" section of docs/rules.md (rules.reference renders it).

tests/rules/test_evaluation.py runs its worked example: the two rule files, the labels file and
the command, and checks that the output is the one shown here.
"""

from __future__ import annotations

import json

FIRST_RULE = """\
rules:
  - id: truce
    name: Truce
    match:
      all:
        - any: [truce, ceasefire]
        - any: [army, rebels, militia]
    channels: [desk-email]
"""
_LABELLED = [
    ("https://example.org/1", "Rebels agree a truce",
     "The army and the rebels agreed a truce on Monday.", True),
    ("https://example.org/2", "Guns fall silent", "The rebels laid down their arms on Tuesday.",
     True),
    ("https://example.org/3", "Record labels call a truce",
     "Two record labels called a truce. An army of fans cheered.", False),
    ("https://example.org/4", "Trade truce extended",
     "The trade truce was extended by ninety days.", False),
]
LABELS = "".join(json.dumps({"url": url, "title": title, "body": body,
                             "labels": {"truce": label}}) + "\n"
                 for url, title, body, label in _LABELLED)
FIRST_OUTPUT = """\
rule truce: precision 0.50, recall 0.50, F1 0.50 (tp 1, fp 1, fn 1, tn 1; 4 labelled)
  false positive: https://example.org/3 'Record labels call a truce'
    fired: truce -> 'truce' in title, body
    fired: army -> 'army' in body
    sentence: Two record labels called a truce.
  false negative: https://example.org/2 'Guns fall silent'
    missing: any: [truce, ceasefire]
    held: any: [army, rebels, militia] ('rebels')
    sentence: The rebels laid down their arms on Tuesday.
4 labelled article(s), 1 rule(s) scored
"""
BETTER_RULE = """\
rules:
  - id: truce
    name: Truce
    match:
      any:
        - {sentence: [truce, army]}
        - {sentence: [truce, rebels]}
        - {sentence: [truce, militia]}
        - all:
            - any: [{near: [lay down, arms], within: 3}, {near: [laid down, arms], within: 3}]
            - any: [army, rebels, militia]
    channels: [desk-email]
"""
BETTER_OUTPUT = """\
rule truce: precision 1.00, recall 1.00, F1 1.00 (tp 2, fp 0, fn 0, tn 2; 4 labelled)
4 labelled article(s), 1 rule(s) scored
"""
COMMAND = "newswatch rules eval truce.yaml --labels truce-labels.jsonl"


FLOORS = (
    "Keep the labels file next to the rules and run the command in CI with floors: "
    f"`{COMMAND} --min-precision 0.9 --min-recall 0.9` exits 1 (naming the rule and the "
    "figure) when a change makes a rule worse; `--json` prints the same as one JSON "
    "object. A labelled article without `published_at` resolves its event dates against "
    "`--reference DATE` (default: now), and stderr says how many articles did so: label "
    "items whose \"next week\" means a week you know with their `published_at`, or give "
    "the day they were written as `--reference`. "
    "Tune on one set of labels and check on another you did not look at while "
    "tuning: a rule that has learned its test articles by heart scores well on them only. "
    "`make eval` does this for the shipped `ceasefire` rule (eval/ceasefire_devset.py).")


def section() -> list[str]:
    """The section's lines."""
    return [
        "## Measure a rule",
        "",
        "A rule is a guess at what an article about something says. `newswatch rules eval` "
        "tells how good the guess is: give it articles you have labelled yourself, and it "
        "prints the rule's precision (how many of its alerts were wanted), recall (how many "
        "of the wanted articles it found), F1, the counts behind them, and every false "
        "positive with the condition that fired and every false negative with its nearest "
        "miss: the clause that held and the one that did not. It sends nothing and needs no "
        "warehouse.",
        "",
        "1. Write the rule (`truce.yaml`):",
        "",
        "```yaml", FIRST_RULE.rstrip(), "```",
        "",
        "2. Label a few articles, one JSON object a line (`truce-labels.jsonl`): `url`, "
        "`title`, `body` (optional `summary`, `published_at`, `source`, `language`) and "
        "`labels`, the answer for each rule id (an article without a label for a rule does "
        "not count for it). Label real articles, and include the hard ones: those that use "
        "the words about something else.",
        "",
        "```json", LABELS.rstrip(), "```",
        "",
        f"3. Run `{COMMAND}`:",
        "",
        "```text", FIRST_OUTPUT.rstrip(), "```",
        "",
        "The false positive is a music-industry truce that mentions an army of fans somewhere "
        "else in the article; the false negative says the rebels laid down their arms without "
        "the word truce. So ask for the fighters in the same sentence as the truce, and add "
        "what reporters write instead (`lay down` does not find `laid down`: write both):",
        "",
        "```yaml", BETTER_RULE.rstrip(), "```",
        "",
        "```text", BETTER_OUTPUT.rstrip(), "```",
        "",
        FLOORS,
        "",
        "### From the alerts themselves",
        "",
        "Every alert shows a short id and the command that rates it: `newswatch feedback "
        "3f9c2a1b relevant` (or `irrelevant`, with `--note \"why\"`). Ratings are stored in "
        "the warehouse (`alert_feedback`; rating again replaces the earlier rating), and "
        "`v_rule_quality` gives each rule's precision per week over the rated alerts. "
        "`newswatch rules eval truce.yaml --from-feedback --since 30d` scores a changed rule "
        "against what the desk said about the alerts of the last 30 days (the stored text of "
        "each rated article is the article), and `--write-labels rated.jsonl` keeps them as a "
        "labels file. Rated alerts only tell about articles a rule matched: they measure "
        "precision, and recall only among them, so keep a labels file of articles the rule "
        "should find too.",
        "",
    ]
