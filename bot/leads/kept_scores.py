"""Score leads from their kept states, so an event costs the same however long the history.

Ingest (:func:`score_touched`) and the sweeps (:func:`score_stored`) load each
lead's state, bring it to ``now`` with the batch's new activities, score it,
and store it again. The reads a state needs come from :class:`StoredHistory`:
the few activities that crossed an expiry line or stopped being future-dated
(usually none), one rule's activities in the rare case a sum lies too near a
rounding boundary, and the whole history only for a lead without a state
(a new lead, after a rules change, an import or an erasure).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.engine import Connection

from bot.config.rules import ScoringRules
from bot.core.incremental import score, up_to_date
from bot.core.score_state import ScoreState, Span, Stamped, dump, load, micros
from bot.core.scoring import ActivityRecord, Score, compiled
from storage import event_store, score_states

_FINGERPRINTS: dict[int, str] = {}
#: bumped when the stored form of a state changes, so older states are built anew
STATE_FORMAT = 1


def state_fingerprint(rules: ScoringRules) -> str:
    """What kept states depend on: the engagement and hot rules (fit changes keep them)."""
    found = _FINGERPRINTS.get(id(rules))
    if found is None:
        parts = [r.model_dump(mode="json") for r in (*rules.engagement, *rules.hot)]
        found = hashlib.sha256(
            orjson.dumps([STATE_FORMAT, len(rules.engagement), parts])
        ).hexdigest()
        _FINGERPRINTS.clear()  # one rules object is in use at a time
        _FINGERPRINTS[id(rules)] = found
    return found


def _stamped(row: Mapping[Any, Any]) -> Stamped:
    return Stamped(row["type"], micros(row["occurred_at"]), row["properties"] or {}, row.get("id"))


@dataclass
class StoredHistory:
    """One lead's activities in the database (``bot.core.incremental.History``).

    ``batch_events`` are the events of the transaction being applied: their
    activities are stored already but not yet counted in the state.
    """

    conn: Connection
    lead_id: int
    batch_events: frozenset[int]
    preloaded: Sequence[Mapping[Any, Any]] | None = None

    def read(self, span: Span) -> tuple[list[Stamped], int | None]:
        rows = score_states.activities_between(
            self.conn, self.lead_id, span.start, span.end, span.type
        )
        found = [_stamped(row) for row in rows if row["event_id"] not in self.batch_events]
        after = span.neighbour == "after"
        at = span.end if after else span.start
        near = score_states.neighbour(self.conn, self.lead_id, at, span.type, after=after)
        return found, None if near is None else micros(near)

    def of_type(self, kind: str) -> list[ActivityRecord]:
        rows = score_states.activities_of_type(self.conn, self.lead_id, kind)
        return [ActivityRecord.from_row(row) for row in rows]

    def everything(self) -> list[Stamped]:
        rows = self.preloaded
        if rows is None:
            rows = event_store.activities_for(self.conn, [self.lead_id])[self.lead_id]
        return [_stamped(row) for row in rows]


def score_touched(
    conn: Connection,
    rules: ScoringRules,
    leads: Mapping[int, Mapping[str, Any]],
    fresh: Mapping[int, Sequence[Mapping[str, Any]]],
    now: datetime,
) -> dict[int, Score]:
    """Scores of the leads a batch touched (lead id → lead row with the merged profile).

    ``fresh`` holds each lead's activity rows stored by this batch. The caller
    holds the leads (ingest's row locks), so the states are simply rewritten.
    """
    plan, fingerprint, moment = compiled(rules), state_fingerprint(rules), micros(now)
    stored = score_states.load_states(conn, leads, fingerprint)
    kept = {lead_id: _usable(stored.get(lead_id)) for lead_id in leads}
    # a lead this transaction created has no history but the batch's (and no state:
    # every transaction that touches a lead leaves one)
    everything: dict[int, Sequence[Mapping[Any, Any]]] = {
        lead_id: fresh.get(lead_id, ())
        for lead_id, lead in leads.items()
        if lead_id not in stored and lead["first_seen_at"] == now and lead["version"] == 1
    }
    missing = [lead_id for lead_id, state in kept.items() if state is None]
    missing = [lead_id for lead_id in missing if lead_id not in everything]
    if missing:
        everything.update(event_store.activities_for(conn, missing))
    scores, states = {}, {}
    for lead_id, lead in leads.items():
        rows = fresh.get(lead_id, ())
        events = frozenset(row["event_id"] for row in rows)
        history = StoredHistory(conn, lead_id, events, everything.get(lead_id))
        stamped = [_stamped(row) for row in rows]
        state = up_to_date(kept[lead_id], plan, moment, stamped, history)
        scores[lead_id] = score(state, plan, lead, history)
        states[lead_id] = dump(state)
    score_states.save_states(conn, states, fingerprint)
    return scores


@dataclass(frozen=True)
class Swept:
    """A stored lead scored by a sweep, with the state to keep and the revision it came from."""

    lead: Mapping[Any, Any]
    score: Score
    state: list[Any]
    revision: int | None


def score_stored(
    conn: Connection, rules: ScoringRules, leads: Sequence[Mapping[Any, Any]], now: datetime
) -> list[Swept]:
    """Scores of stored leads at ``now`` (sweeps); nothing is written.

    The caller writes each lead's score and state only if nobody changed them
    since they were read (``score_states.save_swept``, ``keep_state``).
    """
    plan, moment = compiled(rules), micros(now)
    stored = score_states.load_states(
        conn, [lead["id"] for lead in leads], state_fingerprint(rules)
    )
    kept = {lead["id"]: _usable(stored.get(lead["id"])) for lead in leads}
    missing = [lead_id for lead_id, state in kept.items() if state is None]
    preloaded = event_store.activities_for(conn, missing) if missing else {}
    swept = []
    for lead in leads:
        lead_id = lead["id"]
        history = StoredHistory(conn, lead_id, frozenset(), preloaded.get(lead_id))
        state = up_to_date(kept[lead_id], plan, moment, (), history)
        result = score(state, plan, lead, history)
        revision = stored[lead_id].revision if lead_id in stored else None
        swept.append(Swept(lead, result, dump(state), revision))
    return swept


def _usable(kept: score_states.StoredState | None) -> ScoreState | None:
    """The stored state, or None when there is none that can be used (it is built anew)."""
    if kept is None or kept.state is None:
        return None
    try:
        return load(kept.state)
    except (ValueError, TypeError):  # unreadable: rebuilding is always correct
        return None
