"""``leadbot sources`` and ``leadbot demo --source NAME``: the native lead sources at a glance."""

from __future__ import annotations

from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bot.cli.common import engine_or_exit, fail, settings_or_exit

console = Console(soft_wrap=True, highlight=False)


def sources_command() -> None:
    """List the lead sources: the URL to give each vendor, whether it is on, its last delivery."""
    from bot.sources.registry import SOURCES  # here, so `leadbot --help` stays quick
    from storage.deliveries import last_deliveries

    settings = settings_or_exit()
    engine = engine_or_exit(settings)
    with engine.connect() as conn:
        last = last_deliveries(conn, ["generic", *SOURCES])
    table = Table(title="Lead sources")
    for column in ("source", "state", "URL to give the vendor", "last delivery"):
        table.add_column(column)
    generic = "sandbox" if settings.webhook_secret is None else "on"
    url = f"{settings.base_url}/webhooks/generic"
    table.add_row("generic", _STATES[generic], url, _when(last.get("generic")))
    for source in SOURCES.values():
        secret = source.secret(settings)
        if secret is None:
            state = f"{_STATES['off']}: set {source.secret_env}"
        else:
            state = _STATES["sandbox" if secret == source.sandbox_secret else "on"]
        shown = secret if secret == source.sandbox_secret else None  # a public development token
        table.add_row(
            source.name, state, escape(source.url(settings, shown)), _when(last.get(source.name))
        )
    console.print(table)
    console.print("How to set each one up in the vendor's UI: docs/sources.md")


_STATES = {
    "on": "[green]on[/green]",
    "sandbox": "[green]on[/green] (sandbox secret)",
    "off": "[red]off[/red]",
}


def _when(last: tuple[datetime, str] | None) -> str:
    if last is None:
        return "never"
    at, status = last
    note = "" if status == "accepted" else f" ({status})"
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC{note}"


def send_sample(name: str, base_url: str, watch: str) -> None:
    """``leadbot demo --source NAME``: one vendor's sample delivery, signed, to a running server."""
    import httpx

    from bot.sources.registry import SOURCES
    from bot.sources.samples import sample

    source = SOURCES.get(name)
    if source is None:
        raise typer.BadParameter(f"use one of {', '.join(SOURCES)}", param_hint="--source")
    settings = settings_or_exit()
    secret = source.secret(settings)
    if secret is None:
        fail(
            [f"the {source.title} source is off: set {source.secret_env} (here and on the server)"],
            1,
        )
    delivery = sample(name, secret, datetime.now(UTC))
    console.print(f"Sending a signed {source.title} delivery to {base_url}{source.path}")
    console.print(f"Watch the card arrive at [bold]{watch}[/bold]\n")
    try:
        with httpx.Client(timeout=10) as client:
            for request in delivery.requests:
                response = client.post(
                    base_url + request.path, content=request.body, headers=request.headers
                )
                if not response.is_success:
                    answer = f"{response.status_code}: {escape(response.text)}"
                    console.print(f"[red]error:[/red] the server answered {answer}")
                    raise typer.Exit(1)
    except httpx.HTTPError as exc:
        console.print(f"[red]error:[/red] cannot reach {base_url}: {escape(str(exc))}")
        console.print("Is the server running? Start it with `make run` or `leadbot serve`.")
        raise typer.Exit(1) from None
    console.print(f"  [green]✓[/green] {escape(delivery.person)}")
    console.print(f"\nDone: {escape(delivery.email)} should now be an MQL card in {watch}.")
