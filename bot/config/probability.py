"""The ``probability:`` section of the rules file: how often leads with these points got there.

``leadbot calibrate`` writes it. The probability of the outcome for a lead
with ``total`` points is the logistic curve ``1 / (1 + exp(-(intercept +
slope × total)))``, fitted on the outcomes the rules were learnt from
(``bot.history.probability`` explains how). A lead a disqualify rule matches
gets the share of such leads that reached the outcome. Hand-written rules
have no section, and then points are all there is to show::

    probability:
      outcome: accepted
      leads: 4526          # how many outcomes it was fitted on
      intercept: -4.2
      slope: 0.035         # per point
      disqualified: 0.01
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt


class ProbabilityConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    outcome: Literal["converted", "accepted", "won"]
    leads: PositiveInt
    intercept: float
    #: positive: more points never mean a lower probability
    slope: PositiveFloat
    disqualified: float | None = Field(default=None, ge=0, le=1)

    def at(self, total: float, *, disqualified: bool = False) -> float:
        """The probability for a lead with this total (or a disqualified one, when known)."""
        if disqualified and self.disqualified is not None:
            return self.disqualified
        log_odds = self.intercept + self.slope * total
        if log_odds < -700:  # math.exp would overflow; the probability is 0 to any precision
            return 0.0
        return 1 / (1 + math.exp(-log_odds))
