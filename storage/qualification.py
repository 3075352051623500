"""Store and read the answers sales gave to the qualification questions when accepting a lead.

Answers are written in the transaction of the acceptance they belong to and
keyed by the lead's version after it, like the transition itself. Readers get
the answers of a lead's latest acceptance: a lead recycled and accepted again
was qualified anew.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, RowMapping, func, insert, select, update

from storage.models import Lead, QualificationAnswer

_lead = Lead.__table__  # type: ignore[attr-defined]
_answer = QualificationAnswer.__table__  # type: ignore[attr-defined]
_INSERT = insert(_answer)
#: the kind of answer erasure clears: free text may say anything about the person
TEXT = "text"


class GivenAnswer(Protocol):
    """What an answer provides (``bot.core.qualification.Answer``)."""

    @property
    def question(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def value(self) -> str | None: ...


def record_answers(
    conn: Connection, *, lead_id: int, version: int, answers: Sequence[GivenAnswer], at: datetime
) -> None:
    """Store ``answers`` with the transition that gave the lead ``version``."""
    conn.execute(
        _INSERT,
        [
            {
                "lead_id": lead_id,
                "version": version,
                "position": position,
                "question": answer.question,
                "label": answer.label,
                "kind": answer.kind,
                "answer": answer.value,
                "at": at,
            }
            for position, answer in enumerate(answers)
        ],
    )


_COLUMNS = (_answer.c.question, _answer.c.label, _answer.c.kind, _answer.c.answer)


def latest_answers(conn: Connection, lead_id: int) -> list[RowMapping]:
    """The answers of the lead's latest acceptance, in the order they were asked."""
    latest = (
        select(func.max(_answer.c.version)).where(_answer.c.lead_id == lead_id).scalar_subquery()
    )
    query = (
        select(*_COLUMNS)
        .where(_answer.c.lead_id == lead_id, _answer.c.version == latest)
        .order_by(_answer.c.position)
    )
    return list(conn.execute(query).mappings())


def answered_leads(conn: Connection, *, since: datetime | None = None) -> list[RowMapping]:
    """Answers of every lead's latest acceptance with the lead's stage now, oldest first.

    Rows of one lead come together, in the order the questions were asked.

    Leads decided before ``since`` and erased leads are left out, as rules
    insights leave them out of the criteria.
    """
    latest = (
        select(_answer.c.lead_id, func.max(_answer.c.version).label("version"))
        .group_by(_answer.c.lead_id)
        .subquery()
    )
    query: Any = (
        select(_answer.c.lead_id, _lead.c.stage, *_COLUMNS)
        .join(
            latest,
            (latest.c.lead_id == _answer.c.lead_id) & (latest.c.version == _answer.c.version),
        )
        .join(_lead, _lead.c.id == _answer.c.lead_id)
        .where(_lead.c.erased_at.is_(None))
        .order_by(_answer.c.at, _answer.c.lead_id, _answer.c.position)
    )
    if since is not None:
        query = query.where(_lead.c.decided_at >= since)
    return list(conn.execute(query).mappings())


def erase_text_answers(conn: Connection, lead_id: int) -> int:
    """Clear the lead's free-text answers (choices stay: they are the options of a question)."""
    result = conn.execute(
        update(_answer)
        .where(_answer.c.lead_id == lead_id, _answer.c.kind == TEXT, _answer.c.answer.is_not(None))
        .values(answer=None)
    )
    return int(result.rowcount)
