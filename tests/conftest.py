"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``LEADBOT_TEST_POSTGRES_URL`` (default: the local
server, user ``postgres``). Each run creates a throwaway database and drops it
at the end. Outside CI an unreachable server skips those tests with the
reason shown; with ``CI=true`` it fails them, so a broken set-up is never
mistaken for a green run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from bot.config.settings import Settings
from storage.db import make_engine
from storage.migrate import upgrade
from tests.support.ci import IN_CI
from tests.support.postgres import throwaway_database, truncate_all

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(autouse=True)
def _no_real_slack_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's real tokens (environment or ``.env``) must never leak into a test run."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "LEADBOT_")) and name != "LEADBOT_TEST_POSTGRES_URL":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setitem(Settings.model_config, "env_file", None)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}", pool=False)
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    admin_url = os.environ.get("LEADBOT_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    try:
        admin = make_engine(admin_url, pool=False, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # the server's absence is what we report
        reason = f"PostgreSQL unreachable at {make_url(admin_url).render_as_string()}: {exc}"
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: PostgreSQL tests must run)")
        pytest.skip(reason)
    admin.dispose()
    with throwaway_database(admin_url, "leadbot_test") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "leadbot.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_database")
    truncate_all(url)
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()
