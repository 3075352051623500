"""A failed write leaves no personal data in the logs above DEBUG.

The database is made to refuse the lead (a CHECK constraint on PostgreSQL,
whose error quotes the failing row; a trigger on SQLite), then every log
record above DEBUG, tracebacks included, is searched for the lead's data.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from bot.runtime.logs import JsonFormatter
from tests.support.ingest import activity_event, live_app

PERSON = {"first_name": "Zelda", "last_name": "Quaxley", "phone": "+49 30 9876543"}
EMAIL = "zelda.quaxley@example.com"


@pytest.fixture
def failing_db(db_url: str) -> Iterator[str]:
    """``db_url``, where storing the lead ``EMAIL`` fails inside the database."""
    from storage.db import make_engine

    engine = make_engine(db_url)
    if engine.dialect.name == "sqlite":
        create = (
            "CREATE TRIGGER forced_failure BEFORE INSERT ON lead WHEN NEW.email LIKE 'zelda%' "
            "BEGIN SELECT RAISE(ABORT, 'forced failure'); END"
        )
        drop = "DROP TRIGGER forced_failure"
    else:
        create = "ALTER TABLE lead ADD CONSTRAINT forced_failure CHECK (email NOT LIKE 'zelda%')"
        drop = "ALTER TABLE lead DROP CONSTRAINT forced_failure"
    with engine.begin() as conn:
        conn.execute(text(create))
    try:
        yield db_url
    finally:
        with engine.begin() as conn:
            conn.execute(text(drop))
        engine.dispose()


def test_a_failed_write_logs_ids_but_no_personal_data(failing_db, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    with live_app(failing_db) as app:
        response = app.post({**activity_event(EMAIL, **PERSON), "id": "form-99"})
        assert response.status_code == 500
        assert response.json()["error"] == "storage_failed"
        assert app.counts() == {"event": 0, "lead": 0, "activity": 0}
    formatter = JsonFormatter()
    above_debug = [r for r in caplog.records if r.levelno > logging.DEBUG]
    logged = "\n".join(formatter.format(record) for record in above_debug)
    assert "event batch failed" in logged
    assert "form-99" in logged  # the event is named by its id
    for secret in ("zelda", "Zelda", "Quaxley", "9876543"):
        assert secret not in logged
