"""The calibrated rules file as YAML: what was learnt, and the rest of the current rules."""

from __future__ import annotations

from typing import Any

import yaml

from bot.config.probability import ProbabilityConfig
from bot.config.rules import FitRule, LeadbotConfig


def render(
    current: LeadbotConfig,
    fit: list[FitRule],
    disqualify: list[Any],
    mql: int,
    probability: ProbabilityConfig | None,
) -> str:
    """Learnt fit points, threshold and probability; every other section as it is now.

    The current file's ``probability:`` section describes its own points, so
    it never carries over: the new one replaces it, or there is none.
    """
    data = current.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
    data.pop("probability", None)
    scoring = data["scoring"]
    scoring["threshold"] = {
        "mql": mql,
        "recycle_cooldown_days": current.scoring.threshold.recycle_cooldown_days,
    }
    scoring["fit"] = [_rule_dict(r) for r in fit]
    scoring["disqualify"] = [_rule_dict(r) for r in disqualify]
    if probability is not None:
        data["probability"] = probability.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _rule_dict(rule: Any) -> dict[str, Any]:
    raw = rule.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
    if "all" in raw:
        raw["all"] = [_rule_dict(condition) for condition in rule.conditions]
    first = {k: raw.pop(k) for k in ("label", "field") if k in raw}
    last = {k: raw.pop(k) for k in ("points", "reason") if k in raw}
    return {**first, **raw, **last}
