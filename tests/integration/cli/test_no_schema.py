"""Every command that opens the database, on one that is missing or has no schema yet.

The answer is one line naming ``leadbot db upgrade`` (no traceback), and a
missing SQLite file is not created by asking.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from bot.config.rules import default_rules_text

MAPPING = "key: Email\ncolumns:\n  Email: email\n"


#: every command that opens the database; {dir} is a directory with the files they read
COMMANDS = [
    "serve",
    "db current",
    "rules explain ann@acme.example",
    "rules whatif {dir}/candidate.yaml",
    "rules insights",
    "outbox list",
    "outbox retry 1",
    "digest send --channel C0SALES",
    "digest send --channel C0SALES --dry-run",
    "forget ann@acme.example --yes",
    "import {dir}/leads.csv --mapping {dir}/mapping.yaml",
    "calibrate --outcome converted --out {dir}/out.yaml",
]


def arguments(command: str, tmp_path: Path) -> list[str]:
    (tmp_path / "candidate.yaml").write_text(default_rules_text())
    (tmp_path / "leads.csv").write_text("Email\nann@acme.example\n")
    (tmp_path / "mapping.yaml").write_text(MAPPING)
    return command.format(dir=tmp_path).split()


def run(args: list[str], database: Path) -> tuple[int, list[str]]:
    env = {"LEADBOT_DATABASE_URL": f"sqlite:///{database}", "COLUMNS": "200"}
    result = CliRunner().invoke(app, args, env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    return result.exit_code, errors


@pytest.mark.parametrize("command", COMMANDS)
def test_a_missing_database_is_named_and_not_created(tmp_path: Path, command: str) -> None:
    database = tmp_path / "leadbot.db"
    code, errors = run(arguments(command, tmp_path), database)
    assert code != 0
    assert len(errors) == 1, errors
    assert errors[0].startswith(
        f"error: there is no database at {database}; run `leadbot db upgrade`"
    )
    assert not database.exists()
    assert not database.with_name("leadbot.db-wal").exists()


@pytest.mark.parametrize("command", COMMANDS)
def test_a_database_without_the_schema_gets_one_line(tmp_path: Path, command: str) -> None:
    database = tmp_path / "empty.db"
    sqlite3.connect(database).close()
    code, errors = run(arguments(command, tmp_path), database)
    assert code != 0
    assert len(errors) == 1, errors
    assert "the database has no leadbot schema yet; run `leadbot db upgrade`" in errors[0]
