"""Rules compiled for a run, with the rules that could not be compiled set aside.

Here rather than in pipeline.rule_evaluation so that `newswatch rules check` and `match`
compile rules without loading the warehouse and the alert channels.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rules.entities import Entity
from rules.errors import RuleError
from rules.matcher import CompiledRules
from rules.models import Rule

logger = logging.getLogger("newswatch.rules")

# What compiling a rule can raise: the rules' own errors, and the regex engine refusing a
# pattern the guard let through (rules.conditions turns those into UnsafeRegex; these are
# the engine's own, should one get past).
COMPILE_ERRORS = (RuleError, re.error, OverflowError, RecursionError)


@dataclass
class RuleSet:
    """Rules compiled once per run, with the rules that could not be compiled set aside."""

    compiled: CompiledRules
    entities: Mapping[str, Entity]
    problems: list[str] = field(default_factory=list)

    @property
    def by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.compiled.rules}


def compile_rules(rules: Sequence[Rule], entities: Mapping[str, Entity]) -> RuleSet:
    """All rules at once; if that fails, each alone, so one rule that cannot be compiled (a
    pattern the engine refuses) is reported and the others still run."""
    try:
        compiled = CompiledRules(list(rules), entities)
        # Rules the matcher left out (an entity missing from the watchlist) are problems too.
        return RuleSet(compiled, entities, list(compiled.problems))
    except COMPILE_ERRORS as exc:
        logger.debug("compiling %d rules together failed (%s: %s); compiling each alone to "
                     "find the rules at fault", len(rules), type(exc).__name__, exc)
    good, problems = [], []
    for rule in rules:
        try:
            CompiledRules([rule], entities)
        except COMPILE_ERRORS as exc:
            problems.append(f"rule {rule.id}: cannot be compiled, skipped: "
                            f"{type(exc).__name__}: {exc}")
        else:
            good.append(rule)
    compiled = CompiledRules(good, entities)
    return RuleSet(compiled, entities, problems + list(compiled.problems))
