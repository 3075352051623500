"""``leadbot --help`` and every command's help, as a newcomer reads them."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
import typer
from typer.testing import CliRunner

from bot.cli.main import app

#: what the commands work with; none of it is needed to list them
HEAVY_MODULES = (
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "pydantic",
    "pydantic_settings",
    "yaml",
    "httpx",
    "standardwebhooks",
    "slack_sdk",
    "slack_bolt",
    "aiohttp",
    "starlette",
    "uvicorn",
    "apscheduler",
    "pycountry",
    "phonenumbers",
    "sklearn",
    "numpy",
    # leadbot's own: settings and rules (pydantic), the app and its components
    "bot.config",
    "bot.app",
    "bot.slack",
    "storage.db",
    "storage.models",
)

LISTED = """
import json, sys
from bot.cli.main import main
sys.argv = ["leadbot", "--help"]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def test_leadbot_help_lists_the_commands_without_importing_what_they_use() -> None:
    done = subprocess.run(
        [sys.executable, "-c", LISTED], capture_output=True, text=True, timeout=60, check=True
    )
    output, _, modules = done.stdout.rpartition("\n[")
    assert "serve" in output and "calibrate" in output
    imported = json.loads("[" + modules)
    assert [m for m in imported if m.startswith(HEAVY_MODULES)] == []


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


COMMANDS = _commands(typer.main.get_group(app))


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) or "leadbot" for p in COMMANDS])
def test_help_texts_read_cleanly(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output  # a flag takes no value
    assert " ." not in result.output and " ," not in result.output  # nothing swallowed


def test_demo_help_names_the_default_url() -> None:
    result = CliRunner().invoke(app, ["demo", "--help"], env={"COLUMNS": "200"})
    assert "[default: (LEADBOT_PUBLIC_URL, else http://LEADBOT_HOST:PORT)]" in result.output
