"""Fixtures of the chaos suite, and the figures it prints at the end of the run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.chaos.cluster import Instance, upgrade, write_rules
from tests.chaos.slack_fake import SlackFake
from tests.support.postgres import truncate_all
from tests.support.servers import free_port

#: one line per measured figure, printed after the run
FIGURES: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES:
        terminalreporter.section("chaos figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture
def figures() -> list[str]:
    return FIGURES


@pytest.fixture
def slack() -> Iterator[SlackFake]:
    fake = SlackFake(free_port())
    fake.come_up()
    yield fake
    fake.go_down()


@pytest.fixture
def postgres_url(postgres_database: str) -> str:
    truncate_all(postgres_database)
    return postgres_database


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'leadbot.db'}"
    upgrade(url, tmp_path)
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def any_db_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


InstanceFactory = Callable[..., Instance]


@pytest.fixture
def instances(tmp_path: Path, slack: SlackFake) -> Iterator[InstanceFactory]:
    """Build instances (not started) on a database; all are stopped after the test."""
    built: list[Instance] = []

    def build(database_url: str, *, name: str | None = None, digests: bool = False) -> Instance:
        rules = write_rules(tmp_path / f"rules-{len(built)}.yaml", digests=digests)
        name = name or f"instance-{len(built)}"
        logs = tmp_path / f"{name}.log"
        instance = Instance(name, database_url, rules, slack.api_url, logs)
        built.append(instance)
        return instance

    yield build
    for instance in built:
        instance.stop()
