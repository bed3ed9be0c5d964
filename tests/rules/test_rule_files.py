"""Rule, channel and source files through pipeline.config.load_config: every problem, precisely."""

from __future__ import annotations

import textwrap
from pathlib import Path

from alerts.channels import EnvRef
from pipeline.config import Config, load_config

REPO = Path(__file__).resolve().parents[2]

SOURCES = """\
sources:
  - id: harbour-times
    url: https://harbour-times.example/feed.xml
"""

CHANNELS = """\
channels:
  - name: desk
    url: {$env: NEWSWATCH_DESK_URL}
    format: email
    timezone: Europe/Paris
  - name: chat
    url: json://localhost/hook
    format: markdown
"""

GOOD_RULE = """\
rules:
  - id: good
    name: Good rule
    match:
      any: [truce]
    channels: [chat]
"""


def write_config(tmp_path: Path, rules: dict[str, str], *, channels: str = CHANNELS,
                 sources: str = SOURCES) -> Path:
    root = tmp_path / "config"
    (root / "rules").mkdir(parents=True)
    (root / "sources.yaml").write_text(sources, "utf-8")
    (root / "channels.yaml").write_text(channels, "utf-8")
    for name, text in rules.items():
        (root / "rules" / name).write_text(textwrap.dedent(text), "utf-8")
    return root


def problem_lines(config: Config, root: Path) -> list[str]:
    return [str(p).replace(f"{root}/", "") for p in config.problems]


def test_the_repository_config_loads_without_problems() -> None:
    config = load_config(REPO / "config")
    assert config.problems == []
    assert [r.id for r in config.rules] == ["ceasefire", "leaders-summits", "leaders-watchlist",
                                            "upcoming-summits",
                                            "ceasefire-wave"]
    assert "antonio-guterres" in config.entities
    assert list(config.channels) == ["desk-email", "desk-slack"]
    assert config.channels["desk-slack"].format == "slack"
    assert config.channels["desk-email"].url == EnvRef.model_validate(
        {"$env": "NEWSWATCH_EMAIL_URL"})
    assert len(config.sources) >= 15     # tests/test_shipped_config.py checks them further


def test_valid_tmp_config_loads_everything(tmp_path: Path) -> None:
    root = write_config(tmp_path, {"good.yaml": GOOD_RULE})
    config = load_config(root)
    assert config.problems == []
    assert [r.id for r in config.rules] == ["good"]
    assert [s.id for s in config.sources] == ["harbour-times"]
    desk = config.channels["desk"]
    assert desk.url == EnvRef.model_validate({"$env": "NEWSWATCH_DESK_URL"})
    assert desk.secret_names() == ["NEWSWATCH_DESK_URL"]
    assert (desk.format, desk.timezone) == ("email", "Europe/Paris")
    assert config.channels["chat"].url == "json://localhost/hook"


def test_typo_key_is_reported_at_the_key_with_a_suggestion(tmp_path: Path) -> None:
    root = write_config(tmp_path, {"typo.yaml": """\
        rules:
          - id: typo
            name: Typo
            match:
              any: [ceasefire]
            chanels: [desk]
        """})
    config = load_config(root)
    assert problem_lines(config, root) == [
        "rules/typo.yaml:2:5: rules[0].channels: Field required",
        "rules/typo.yaml:6:5: rules[0].chanels: unknown key; did you mean 'channels'? allowed: "
        "id, name, description, severity, match, fields, sources, channels, enabled, "
        "realert, digest, flood_limit, template, kind, languages, sections, max_age, event, "
        "threshold, first_seen",
    ]
    problem = config.problems[1]
    assert (problem.file, problem.line, problem.column) == (
        str(root / "rules" / "typo.yaml"), 6, 5)
    assert config.rules == []


def test_typo_inside_a_nested_condition_points_at_it(tmp_path: Path) -> None:
    root = write_config(tmp_path, {"nested.yaml": """\
        rules:
          - id: nested
            name: Nested
            match:
              all:
                - ceasefire
                - {any: [Corvania], nnoe: [football]}
            channels: [desk]
        """})
    lines = problem_lines(load_config(root), root)
    assert ("rules/nested.yaml:7:29: rules[0].match.all[1].nnoe: unknown key; "
            "did you mean 'none'? allowed: any, all, none, fields") in lines


def test_unknown_top_level_key_without_a_close_match(tmp_path: Path) -> None:
    root = write_config(tmp_path, {"extra.yaml": GOOD_RULE + "version: 2\n"})
    config = load_config(root)
    assert problem_lines(config, root) == [
        "rules/extra.yaml:7:1: version: unknown key; allowed: rules"]
    assert [r.id for r in config.rules] == ["good"]


def test_several_errors_in_one_file_are_all_reported(tmp_path: Path) -> None:
    root = write_config(tmp_path, {"many.yaml": """\
        rules:
          - id: Bad Id
            name: Bad
            match: {any: [ceasefire]}
            channels: [desk]
          - id: urgent
            name: Urgent
            severity: urgent
            match: {any: [truce]}
            fields: [title, headline]
            channels: [desk]
          - id: fine
            name: Fine
            match: {any: [truce]}
            channels: [desk]
        """})
    config = load_config(root)
    assert problem_lines(config, root) == [
        "rules/many.yaml:2:9: rules[0].id: 'Bad Id' is not a valid id: use lower-case "
        "letters a-z, digits, - and _, starting with a letter or digit, at most 64 characters; "
        "e.g. bad-id",
        "rules/many.yaml:8:15: rules[1].severity: Input should be 'low', 'medium', 'high' "
        "or 'critical'",
        "rules/many.yaml:10:21: rules[1].fields[1]: Input should be 'title', 'summary' or 'body'",
    ]
    assert [r.id for r in config.rules] == ["fine"]


def test_invalid_yaml_is_reported_with_its_line(tmp_path: Path) -> None:
    root = write_config(tmp_path, {"broken.yaml": """\
        rules:
          - id: broken
            name: Broken
            match: {any: [truce]
            channels: [desk]
        """})
    config = load_config(root)
    assert problem_lines(config, root) == [
        "rules/broken.yaml:5:5: invalid YAML: expected ',' or '}', but got '<scalar>'"]


def test_a_broken_rule_file_does_not_stop_the_valid_rules_of_another(tmp_path: Path) -> None:
    root = write_config(tmp_path, {
        "a_broken.yaml": "rules:\n  - id: [unclosed\n",
        "b_good.yaml": GOOD_RULE,
        "c_invalid.yaml": "rules:\n  - id: half\n    name: Half\n",
    })
    config = load_config(root)
    assert [r.id for r in config.rules] == ["good"]
    assert problem_lines(config, root) == [
        "rules/a_broken.yaml:3:1: invalid YAML: expected ',' or ']', but got '<stream end>'",
        "rules/c_invalid.yaml:2:5: rules[0].match: Field required",
        "rules/c_invalid.yaml:2:5: rules[0].channels: Field required",
    ]


def test_unknown_channel_is_reported_where_the_rule_names_it(tmp_path: Path) -> None:
    root = write_config(tmp_path, {"pager.yaml": """\
        rules:
          - id: pager
            name: Pager
            match: {any: [ceasefire]}
            channels: [desk, pager]
        """, "z_good.yaml": GOOD_RULE})
    config = load_config(root)
    assert problem_lines(config, root) == [
        "rules/pager.yaml:5:15: rules[0].channels: unknown channel 'pager'; known channels: "
        "chat, desk"]
    assert [r.id for r in config.rules] == ["good"]


def test_a_channel_typo_is_reported_with_the_rules_other_problems(tmp_path: Path) -> None:
    root = write_config(tmp_path, {"typo.yaml": """\
        rules:
          - id: typo
            name: Typo
            severity: urgent
            match: {any: [ceasefire]}
            channels: [dsek]
        """})
    config = load_config(root)
    assert problem_lines(config, root) == [
        "rules/typo.yaml:4:15: rules[0].severity: Input should be 'low', 'medium', 'high' or "
        "'critical'",
        "rules/typo.yaml:6:15: rules[0].channels: unknown channel 'dsek'; did you mean desk?"]


def test_duplicate_rule_ids_are_reported_and_the_first_kept(tmp_path: Path) -> None:
    root = write_config(tmp_path, {"a.yaml": GOOD_RULE, "b.yaml": """\
        rules:
          - id: other
            name: Other
            match: {any: [dam]}
            channels: [desk]
          - id: good
            name: Good again
            match: {any: [ceasefire]}
            channels: [desk]
        """})
    config = load_config(root)
    assert problem_lines(config, root) == [
        "rules/b.yaml:6:9: rules[1].id: the id 'good' is already used at rules/a.yaml:2; "
        "ids must be unique because alerts are keyed on them"]
    assert [(r.id, r.name) for r in config.rules] == [("good", "Good rule"), ("other", "Other")]


def test_a_condition_made_only_of_none_is_rejected(tmp_path: Path) -> None:
    root = write_config(tmp_path, {"none.yaml": """\
        rules:
          - id: everything
            name: Everything
            match:
              none: [football]
            channels: [desk]
          - id: nested
            name: Nested none
            match:
              any:
                - ceasefire
                - none: [truce]
            channels: [desk]
        """})
    config = load_config(root)
    message = ("needs `any` or `all` (a condition made only of `none` would "
               "match every article)")
    lines = problem_lines(config, root)
    assert lines[0] == f"rules/none.yaml:5:7: rules[0].match: {message}"
    assert f"rules/none.yaml:12:11: rules[1].match.any[1]: {message}" in lines
    assert config.rules == []


def test_an_empty_rule_list_is_reported(tmp_path: Path) -> None:
    root = write_config(tmp_path, {"empty.yaml": "rules: []\n", "good.yaml": GOOD_RULE})
    config = load_config(root)
    assert problem_lines(config, root) == [
        "rules/empty.yaml:1:8: rules: List should have at least 1 item after validation, not 0"]
    assert [r.id for r in config.rules] == ["good"]


def test_env_reference_urls_are_parsed(tmp_path: Path) -> None:
    channels = CHANNELS + "  - name: pager\n    url: {$env: PAGER_URL}\n"
    root = write_config(tmp_path, {"good.yaml": GOOD_RULE}, channels=channels)
    config = load_config(root)
    assert config.problems == []
    assert config.channels["pager"].url == EnvRef.model_validate({"$env": "PAGER_URL"})
    assert config.channels["pager"].format == "text"
    assert config.channels["pager"].timezone == "UTC"


def test_inline_credentials_and_bad_env_names_are_rejected(tmp_path: Path) -> None:
    channels = """\
channels:
  - name: mail
    url: mailtos://desk:hunter22@smtp.example.org?to=desk@example.org
  - name: hook
    url: json://hooks.example.org/?password=hunter22
  - name: env
    url: {$env: 1NOT_A_NAME}
  - name: ok
    url: {$env: OK_URL}
"""
    root = write_config(tmp_path, {"good.yaml": GOOD_RULE.replace("[chat]", "[ok]")},
                        channels=channels)
    config = load_config(root)
    fix = "put it in an environment variable: url: {$env: NAME}"
    lines = problem_lines(config, root)
    assert lines[0] == ("channels.yaml:3:10: channels[0].url: holds a credential (a user name "
                        f"or password); {fix}")
    assert lines[1] == ("channels.yaml:5:10: channels[1].url: holds a credential (a password "
                        f"or key in the query); {fix}")
    assert ("channels.yaml:7:17: channels[2].url.$env: String should match pattern "
            "'^[A-Za-z_][A-Za-z0-9_]*$'") in lines
    assert not any("hunter22" in line for line in lines)
    assert list(config.channels) == ["ok"]
    assert [r.id for r in config.rules] == ["good"]


def test_unknown_time_zone_is_rejected(tmp_path: Path) -> None:
    channels = CHANNELS.replace("Europe/Paris", "Europe/Pariss")
    root = write_config(tmp_path, {"good.yaml": GOOD_RULE}, channels=channels)
    config = load_config(root)
    assert problem_lines(config, root) == [
        "channels.yaml:5:15: channels[0].timezone: unknown time zone "
        "'Europe/Pariss'; use an IANA name such as Europe/London"]
    assert list(config.channels) == ["chat"]


def test_missing_files_are_reported(tmp_path: Path) -> None:
    root = tmp_path / "empty-config"
    root.mkdir()
    config = load_config(root)
    assert problem_lines(config, root) == [
        "sources.yaml: file not found", "channels.yaml: file not found"]
    assert config.rules == [] and config.sources == [] and config.channels == {}
