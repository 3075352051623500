"""Score a lead from its kept state: the reads it needs come from a :class:`History`.

The state (``bot.core.score_state``) holds what the score needs; a history
answers the few questions the state cannot: which activities crossed a line
since the state's time (usually none), one rule's activities when its sum is
too near a rounding boundary to be sure (rarely), or everything, when there is
no usable state. The storage layer implements it; tests implement it in memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from bot.core.decay_sum import Overflow
from bot.core.score_state import (
    ScoreState,
    Span,
    Stamped,
    advance,
    build,
    evaluate,
    fold,
    settle_exactly,
    spans,
)
from bot.core.scoring import ActivityRecord, Plan, Score


class History(Protocol):
    """One lead's stored activities, including those of the batch being applied."""

    def read(self, span: Span) -> tuple[Sequence[Stamped], int | None]:
        """Activities in the span, without the batch's; and the span's neighbour (with them)."""
        ...

    def of_type(self, kind: str) -> Sequence[ActivityRecord]:
        """Every activity of this type, by time then id."""
        ...

    def everything(self) -> Sequence[Stamped]:
        """Every activity."""
        ...


def up_to_date(
    state: ScoreState | None, plan: Plan, now: int, fresh: Sequence[Stamped], history: History
) -> ScoreState:
    """``state`` moved to ``now`` with the ``fresh`` activities counted; built anew without one."""
    if state is not None:
        needed = spans(state, plan, now)
        if needed is not None:
            try:
                advance(state, plan, now, [(span, *history.read(span)) for span in needed])
            except Overflow:
                pass
            else:
                fold(state, plan, fresh)
                return state
    return build(plan, now, history.everything())


def score(state: ScoreState, plan: Plan, profile: Mapping[str, Any], history: History) -> Score:
    """The score ``score_lead`` gives at ``state.as_of``."""
    result = evaluate(state, plan, profile)
    if isinstance(result, Score):
        return result
    exact = {
        index: settle_exactly(state, plan, index, history.of_type(plan.engagement[index].type))
        for index in result
    }
    settled = evaluate(state, plan, profile, exact)
    assert isinstance(settled, Score)
    return settled
