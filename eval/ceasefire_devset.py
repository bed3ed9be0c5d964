"""The ceasefire rule's labelled development set, scored with `newswatch rules eval`.

Question asked of every document: "is this news about a ceasefire or truce in an armed
conflict?" Two sources, each split into `dev` (tuned on) and `heldout` (only scored):

- eval/ceasefire_labels.jsonl: labels of CoNLL-2003 documents (Reuters wire, August 1996) by
  id (`conll-train:N` is the N-th document of eng.train.gz: split dev; `conll-testa:N` of
  eng.testa.gz: split heldout). The text is not in the repository (it may not be
  redistributed): it is read from ../shared/corpus/conll2003-dev at run time, and the set is
  skipped when that folder is absent. Documents whose answer is unclear (a press digest with
  one truce line among twenty, a political settlement signed after a truce) are left out.
- eval/ceasefire_written.jsonl: short wire-style items written by the project, with their
  text: the corpus has about twenty ceasefire stories, too few to measure recall, and none of
  the trade, music or sports "truces" a rule must leave alone.

`python -m eval.ceasefire_devset` writes the labels files under data/eval/ and prints the
`rules eval` scores of config/rules/ceasefire.yaml on each split (`--show` lists the misses).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from eval.conll_corpus import corpus_dir, documents

HERE = Path(__file__).resolve().parent
LABELS = HERE / "ceasefire_labels.jsonl"
WRITTEN = HERE / "ceasefire_written.jsonl"
RULE_ID = "ceasefire"
SPLITS = ("dev", "heldout")


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def build(out_dir: Path, corpus: Path | None = None) -> dict[str, Path] | None:
    """The `rules eval` labels files, one per split and source (`dev`, `dev-conll`, ...);
    None when the corpus is absent."""
    folder = corpus_dir(corpus)
    if folder is None:
        return None
    docs = documents(folder)
    lines: dict[str, list[str]] = {}
    for item in _read(LABELS):
        doc = docs[item["id"]]
        row = {"url": item["id"], "title": doc.title, "body": doc.body,
               "labels": {RULE_ID: item["ceasefire"]}}
        for name in (item["split"], f"{item['split']}-conll"):
            lines.setdefault(name, []).append(json.dumps(row, ensure_ascii=False))
    for item in _read(WRITTEN):
        row = {"url": item["id"], "title": item["title"], "body": item["body"],
               "labels": {RULE_ID: item["ceasefire"]}}
        for name in (item["split"], f"{item['split']}-written"):
            lines.setdefault(name, []).append(json.dumps(row, ensure_ascii=False))
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, rows in sorted(lines.items()):
        paths[name] = out_dir / f"ceasefire-{name}.jsonl"
        paths[name].write_text("\n".join(rows) + "\n", encoding="utf-8")
    return paths


def rules_eval(rules: Path, labels: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """`newswatch rules eval RULES --labels LABELS ...`, as a user would run it."""
    # Run from the repository, so that its own packages are the ones imported.
    return subprocess.run([sys.executable, "-m", "cli.app", "rules", "eval",
                           str(rules.resolve()), "--labels", str(labels.resolve()), *extra],
                          capture_output=True, text=True, check=False, cwd=HERE.parent)


def scores(rules: Path, labels: Path) -> dict[str, Any]:
    done = rules_eval(rules, labels, "--json")
    if not done.stdout.strip():
        raise RuntimeError(f"rules eval printed nothing: {done.stderr.strip()}")
    data = json.loads(done.stdout)
    return next(r for r in data["rules"] if r["rule"] == RULE_ID)


def _line(name: str, result: dict[str, Any]) -> tuple[str, str]:
    def figure(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.2f}"
    return (f"rule ceasefire, {name}",
            f"precision {figure(result['precision'])}, recall {figure(result['recall'])} "
            f"(tp {result['tp']}, fp {result['fp']}, fn {result['fn']}, tn {result['tn']})")


def run(config_dir: Path = Path("config"), out_dir: Path = Path("data/eval"),
        corpus: Path | None = None) -> list[tuple[str, str]]:
    """Rows for `python -m eval`: the rule's scores per split and source."""
    paths = build(out_dir, corpus)
    if paths is None:
        return [("rule ceasefire on the labelled set", "skipped: ../shared/corpus is absent")]
    rules = config_dir / "rules" / "ceasefire.yaml"
    names = ("dev", "dev-conll", "dev-written", "heldout", "heldout-conll", "heldout-written")
    return [_line(name, scores(rules, paths[name])) for name in names if name in paths]


def main(argv: list[str]) -> int:
    rows = run()
    for name, figure in rows:
        print(f"  {name:<48} {figure}")
    if "--show" in argv:
        done = rules_eval(Path("config/rules/ceasefire.yaml"),
                          Path("data/eval/ceasefire-dev.jsonl"))
        print(done.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
