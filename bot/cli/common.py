"""What every ``leadbot`` command shares: errors, settings, rules files and the database.

Errors go to stderr, one ``error:`` line each, so a command's output can be
piped; each command chooses its exit code.

Settings, rules, SQLAlchemy and everything else a command works with are
imported inside the functions that use them: ``leadbot --help`` loads every
command module, and should answer at once.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from bot.config.rules import LeadbotConfig
    from bot.config.settings import Settings

err = Console(stderr=True, soft_wrap=True)

_DURATION = re.compile(r"^(\d+)([hdw])$")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def fail(lines: list[str], code: int = 2) -> NoReturn:
    """Print each line as an error and leave with ``code``."""
    for line in lines:
        err.print(f"[red]error:[/red] {escape(line)}", highlight=False)
    raise typer.Exit(code)


def settings_or_exit(code: int = 2, **overrides: object) -> Settings:
    """The settings from the environment, or each problem with them and an exit."""
    from bot.config.settings import ConfigError, load_settings

    try:
        return load_settings(**overrides)
    except ConfigError as exc:
        fail(exc.problems, code)


def config_or_exit(path: Path | None, code: int = 2) -> LeadbotConfig:
    """The rules file at ``path`` (``None``: the packaged rules), or its problems and an exit."""
    from bot.config.rules import load_config
    from bot.config.yaml_places import RulesError

    try:
        return load_config(path)
    except RulesError as exc:
        where = str(path) if path else "default rules"
        fail([f"{where} is invalid:", *(f"  {p}" for p in exc.problems)], code)


def safe_url(settings: Settings) -> str:
    """The database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)


def missing_sqlite_file(settings: Settings) -> Path | None:
    """The SQLite file the settings name when it does not exist yet, else ``None``.

    SQLite creates a missing file on connect, so a command that only reads
    must look before it connects, or it leaves an empty database behind.
    """
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    if url.query.get("uri") or url.database.startswith("file:"):
        return None  # a URI filename (mode=ro, …) says for itself whether to create the file
    path = Path(url.database)
    return None if path.exists() else path


def database_location(settings: Settings) -> str:
    """SQLite as an absolute file path (a relative one depends on where you started)."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return f"SQLite file {Path(url.database).resolve()}"
    return safe_url(settings)


def engine_or_exit(settings: Settings, code: int = 2, upgrade_hint: str = "") -> Engine:
    """An engine on a database whose schema is current, or why not and an exit.

    A SQLite file that does not exist yet is reported without being created.
    """
    from storage.db import make_engine
    from storage.migrate import pending_migration

    if (path := missing_sqlite_file(settings)) is not None:
        hint = f"run `leadbot db upgrade` first{upgrade_hint}"
        fail([f"there is no database at {path.resolve()}; {hint}"], code)
    engine = make_engine(settings.database_url)
    try:
        problem = pending_migration(engine)
    except Exception as exc:
        fail([f"cannot open the database {safe_url(settings)}: {exc}"], code)
    if problem:
        fail([f"{problem}; run `leadbot db upgrade` first{upgrade_hint}"], code)
    return engine


def parse_since(text: str) -> timedelta:
    """A window such as ``12h``, ``30d`` or ``2w``."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise typer.BadParameter("use a number and a unit: 12h, 30d or 2w")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
