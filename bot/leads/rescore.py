"""Re-scoring stored leads: after a rules change, and as a scheduled decay sweep.

Engagement fades with time, so a stored score is only true when it was
computed; the sweep recomputes the scores of leads still in play (``new``,
``mql``, ``recycled``) page by page, each page in its own short transaction,
and applies the stage moves the new scores imply under the lifecycle policy
(a falling score never demotes; a rules change may qualify new MQLs).

Scores come from the leads' kept states (``bot.leads.kept_scores``), so a
sweep costs about the same per lead however long its history; a change of
the engagement or hot rules makes the states anew, page by page, here and
not on the ingest path.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from bot.core.lifecycle import is_history
from bot.leads.kept_scores import score_stored, state_fingerprint
from bot.leads.qualify import Qualifier, score_changed
from bot.leads.unit_of_work import UnitOfWork
from bot.runtime.clock import Clock
from bot.runtime.schedule import Schedule
from storage import event_store, score_states
from storage.app_state import read_state, write_state
from storage.enums import Stage
from storage.leads import last_activities

log = logging.getLogger(__name__)

IN_PLAY = (Stage.NEW.value, Stage.MQL.value, Stage.RECYCLED.value)
RULES_KEY = "scoring_rules_fingerprint"
DECAY_SWEEP_SECONDS = 3600


def rescore_all(
    work: UnitOfWork, qualifier: Qualifier, now: datetime, *, page_size: int = 500
) -> tuple[int, int]:
    """Recompute every in-play lead's score; returns (leads rescored, stage moves)."""
    after, count, moves = 0, 0, 0
    while True:
        with work.begin() as tx:
            conn = tx.conn
            leads = event_store.leads_page(conn, stages=IN_PLAY, after_id=after, limit=page_size)
            if not leads:
                return count, moves
            fingerprint = state_fingerprint(qualifier.rules)
            history = _history(conn, leads, qualifier, now)
            for swept in score_stored(conn, qualifier.rules, leads, now):
                lead, result = swept.lead, qualifier.rescored(swept.score, now)
                if not score_states.save_swept(
                    conn, lead["id"], lead["scored_at"], result.columns, swept.revision,
                    swept.state, fingerprint,
                ):  # fmt: skip
                    continue  # an event scored it meanwhile; that score stands
                count += 1
                fresh = {**lead, **result.columns}
                announce = lead["id"] not in history
                moved = qualifier.requalify(tx, fresh, result.score, now, announce=announce)
                if moved is None and announce:
                    score_changed(tx, lead, fresh, now)
                moves += moved is not None
        after = leads[-1]["id"]


def _history(
    conn: Connection, leads: Sequence[Mapping[Any, Any]], qualifier: Qualifier, now: datetime
) -> set[int]:
    """The ids of the leads that are history: moved for reports, never announced."""
    touched = last_activities(conn, [lead["id"] for lead in leads])
    within = qualifier.rules.threshold.announce_within_days
    return {
        lead["id"]
        for lead in leads
        if is_history(
            imported=lead["imported_at"] is not None,
            newest_activity=touched.get(lead["id"], (None, None))[0],
            newest_live_activity=touched.get(lead["id"], (None, None))[1],
            first_seen_at=lead["first_seen_at"],
            now=now,
            within_days=within,
        )
    }


def rules_fingerprint(qualifier: Qualifier) -> str:
    return hashlib.sha256(qualifier.rules.model_dump_json().encode()).hexdigest()


def rescore_if_rules_changed(work: UnitOfWork, qualifier: Qualifier, now: datetime) -> bool:
    """Re-score everything when the rules differ from those the stored scores came from."""
    fingerprint = rules_fingerprint(qualifier)
    with work.read() as conn:
        if read_state(conn, RULES_KEY) == fingerprint:
            return False
    count, moves = rescore_all(work, qualifier, now)
    with work.begin() as tx:
        write_state(tx.conn, RULES_KEY, fingerprint, now)
    log.info("rules changed: leads re-scored", extra={"leads": count, "stage_moves": moves})
    return True


def build_missing_states(
    work: UnitOfWork, qualifier: Qualifier, now: datetime, *, page_size: int = 500
) -> int:
    """Build the kept score state of every lead without one under the current rules.

    Leads out of play, and every lead of a database that predates kept
    states, get theirs here rather than in the transaction of their next
    event. Returns how many were built.
    """
    fingerprint = state_fingerprint(qualifier.rules)
    after, built = 0, 0
    while True:
        with work.begin() as tx:
            leads = score_states.leads_without_state(
                tx.conn, fingerprint, after_id=after, limit=page_size
            )
            if not leads:
                return built
            for swept in score_stored(tx.conn, qualifier.rules, leads, now):
                built += score_states.save_if_unchanged(
                    tx.conn, swept.lead["id"], swept.revision, swept.state, fingerprint
                )
        after = leads[-1]["id"]


def add_rescore_jobs(
    schedule: Schedule, work: UnitOfWork, qualifier: Qualifier, clock: Clock
) -> None:
    """At start-up, re-score if the rules changed and build missing states; hourly, sweep."""

    async def on_start() -> None:
        await asyncio.to_thread(rescore_if_rules_changed, work, qualifier, clock())
        await asyncio.to_thread(build_missing_states, work, qualifier, clock())

    async def decay_sweep() -> None:
        count, moves = await asyncio.to_thread(rescore_all, work, qualifier, clock())
        log.info("decay sweep done", extra={"leads": count, "stage_moves": moves})

    schedule.once("rescore-if-rules-changed", on_start)
    schedule.every("decay-sweep", DECAY_SWEEP_SECONDS, decay_sweep)
