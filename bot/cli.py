"""The ``leadbot`` command line: ``leadbot --help`` lists every command."""

from __future__ import annotations

import base64
import secrets
import sys
from typing import Annotated, NoReturn

import httpx
import typer
from rich.console import Console

from bot.cli_rules import init_command, rules_app
from bot.config import ConfigError, Settings, load_settings

app = typer.Typer(
    name="leadbot",
    help="Turn raw lead events into qualified sales handoffs in Slack.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema: apply and inspect migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(rules_app, name="rules", help="Scoring rules: check, explain, what-if.")
app.command("init")(init_command)

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def fail(lines: list[str], code: int = 2) -> NoReturn:
    for line in lines:
        err.print(f"[red]error:[/red] {line}", highlight=False, markup=True)
    raise typer.Exit(code)


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        fail(exc.problems)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on [LEADBOT_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [PORT or LEADBOT_PORT].")] = None,
) -> None:
    """Start the server (webhooks, Slack, health and metrics)."""
    import uvicorn

    from bot.app import create_app
    from bot.logs import configure_logging
    from bot.rules import RulesError, load_config
    from storage.db import make_engine
    from storage.migrate import pending_migration

    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    try:
        settings = load_settings(**overrides)
    except ConfigError as exc:
        fail(exc.problems)
    engine = make_engine(settings.database_url)
    try:
        problem = pending_migration(engine)
    except Exception as exc:
        fail([f"cannot open the database {_safe_url(settings)}: {exc}"])
    if problem:
        fail([f"{problem}; run `leadbot db upgrade` first (make run does it for you)"])
    try:
        config = load_config(settings.config_path)
    except RulesError as exc:
        fail(exc.problems)
    configure_logging(settings.log_level)
    _banner(settings)
    uvicorn.run(
        create_app(settings, engine=engine, config=config),
        host=settings.host,
        port=settings.port,
        log_config=None,
        timeout_graceful_shutdown=10,
    )


def _safe_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)


def _banner(settings: Settings) -> None:
    mode = (
        "sandbox (no SLACK_BOT_TOKEN: Slack is simulated in-process)"
        if settings.sandbox
        else ("Slack workspace over Socket Mode" if settings.socket_mode else "Slack workspace")
    )
    console.print(f"[bold]leadbot[/bold] listening on {settings.base_url}", highlight=False)
    console.print(f"  mode:     {mode}", highlight=False)
    console.print(f"  database: {_safe_url(settings)}", highlight=False)
    console.print(f"  webhook:  POST {settings.base_url}/webhooks/generic", highlight=False)
    if settings.sandbox:
        console.print(
            "  connect a workspace: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET "
            "(README: Connecting Slack)",
            highlight=False,
        )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration (safe to run repeatedly)."""
    from storage.db import make_engine
    from storage.migrate import current_revision, upgrade

    settings = settings_or_exit()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    console.print(f"database {_safe_url(settings)} is at revision {current_revision(engine)}")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision and whether migrations are pending."""
    from storage.db import make_engine
    from storage.migrate import current_revision, head_revision, pending_migration

    settings = settings_or_exit()
    engine = make_engine(settings.database_url)
    console.print(f"current: {current_revision(engine)}  head: {head_revision()}")
    if problem := pending_migration(engine):
        fail([f"{problem}; run `leadbot db upgrade`"], code=1)


@app.command()
def secret() -> None:
    """Print a new random webhook secret (whsec_…) for LEADBOT_WEBHOOK_SECRET."""
    console.print("whsec_" + base64.b64encode(secrets.token_bytes(32)).decode())


@app.command("send-test-event")
def send_test_event(
    url: Annotated[str, typer.Option(help="Server base URL.")] = "http://127.0.0.1:3000",
    email: Annotated[str, typer.Option(help="The test lead's email.")] = "jane.doe@example.com",
) -> None:
    """Sign an example demo-request event and send it to a running server."""
    from bot.webhook_client import example_event, send_event

    settings = settings_or_exit()
    endpoint = url.rstrip("/") + "/webhooks/generic"
    try:
        with httpx.Client(timeout=10) as client:
            response = send_event(
                client, endpoint, settings.effective_webhook_secret(), example_event(email)
            )
    except httpx.HTTPError as exc:
        fail([f"cannot reach {endpoint}: {exc} (is `leadbot serve` running?)"], code=1)
    console.print(f"{response.status_code} {response.text}", highlight=False)
    if response.status_code >= 300:
        raise typer.Exit(1)


def main() -> None:
    app(prog_name="leadbot")


if __name__ == "__main__":
    sys.exit(main())
