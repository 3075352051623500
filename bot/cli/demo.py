"""``leadbot demo``: send the sample leads to a running server and say where to watch them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from bot.cli.common import fail, settings_or_exit
from bot.core.wording import counted
from bot.demo.leads import SampleLead, sample_leads, send_demo

if TYPE_CHECKING:
    import httpx

SAMPLE_COUNT = len(sample_leads())

console = Console(soft_wrap=True, highlight=False)


def demo_command(
    url: Annotated[
        str | None,
        typer.Option(
            help="Base URL of the running server.",
            show_default="LEADBOT_PUBLIC_URL, else http://LEADBOT_HOST:PORT",
        ),
    ] = None,
    count: Annotated[
        int, typer.Option(min=1, max=SAMPLE_COUNT, help="How many of the sample leads to send.")
    ] = SAMPLE_COUNT,
    pause: Annotated[
        float, typer.Option(min=0, help="Seconds between leads, so cards arrive one by one.")
    ] = 0.5,
    source: Annotated[
        str | None,
        typer.Option(
            help="Send one lead the way a vendor would instead: typeform, tally, webflow, "
            "calendly, segment or unbounce (signed with that source's secret)."
        ),
    ] = None,
    history: Annotated[
        Path | None,
        typer.Option(
            dir_okay=False,
            help="Instead: write a labelled lead history (CSV) and its import mapping "
            "(FILE-mapping.yaml) to learn rules from; no server needed.",
        ),
    ] = None,
    rows: Annotated[int, typer.Option(min=100, max=1_000_000, help="Leads in the history.")] = 4000,
    base_rate: Annotated[
        float, typer.Option(min=0.01, max=0.9, help="Share of the history's leads that are won.")
    ] = 0.2,
    seed: Annotated[int, typer.Option(help="Another seed, another history.")] = 1,
) -> None:
    """Send sample leads (hot, lukewarm, disqualified) to a running server, or one vendor's;
    or with --history write a labelled history to calibrate rules on."""
    if history is not None:
        write_history(history, rows=rows, base_rate=base_rate, seed=seed)
        return
    import httpx

    from bot.cli.sources import send_sample
    from bot.sandbox.component import sandbox_url

    settings = settings_or_exit()
    base_url = (url or settings.base_url).rstrip("/")
    watch = sandbox_url(base_url) if settings.sandbox else "your Slack sales channel"
    if source is not None:
        send_sample(source, base_url, watch)
        return
    leads = sample_leads()[:count]
    console.print(f"Sending {counted(len(leads), 'sample lead')} to {base_url}/webhooks/generic")
    console.print(f"Watch the cards arrive at [bold]{watch}[/bold]\n")

    def report(lead: SampleLead, response: httpx.Response) -> None:
        if response.is_success:
            events = len(lead.activities)
            console.print(
                f"  [green]✓[/green] {escape(lead.name)} — {escape(lead.describe())}: "
                f"{counted(events, 'event')} → expect {lead.expectation()}"
            )
        else:
            console.print(f"  [red]✗[/red] {escape(lead.name)}: {response.status_code}")

    try:
        with httpx.Client(timeout=10) as client:
            responses = send_demo(
                client,
                base_url,
                settings.effective_webhook_secret(),
                leads=leads,
                pause=lambda: time.sleep(pause),
                report=report,
            )
    except httpx.HTTPError as exc:
        console.print(f"[red]error:[/red] cannot reach {base_url}: {escape(str(exc))}")
        console.print("Is the server running? Start it with `make run` or `leadbot serve`.")
        raise typer.Exit(1) from None
    last = responses[-1]
    if not last.is_success:
        console.print(
            f"[red]error:[/red] the server answered {last.status_code}: {escape(last.text)}"
        )
        if last.status_code == 401:
            console.print("Run the demo with the server's LEADBOT_WEBHOOK_SECRET.")
        raise typer.Exit(1)
    mqls = [lead for lead in leads if lead.expect == "mql"]
    hot = sum(lead.hot for lead in mqls)
    cards = counted(len(mqls), "MQL card")
    console.print(f"\nDone: {cards} ({hot} hot) should now be in {watch}.")
    if settings.sandbox:
        console.print("Accept or reject them there, and try /leads pending in the message box.")


def write_history(path: Path, *, rows: int, base_rate: float, seed: int) -> None:
    """Write the generated history and its mapping, and say what to run next."""
    from bot.history.synthetic import generate_history

    mapping = path.with_name(f"{path.stem}-mapping.yaml")
    taken = [str(p) for p in (path, mapping) if p.exists()]
    if taken:
        fail([f"{', '.join(taken)} already exists; remove it or choose another file name"], 1)
    generated = generate_history(rows, base_rate=base_rate, seed=seed)
    generated.write(path, mapping)
    status = generated.header.index("Status")
    outcomes = [row[status] for row in generated.rows]
    decided = sum(s != "Open" for s in outcomes)
    won = outcomes.count("Won")
    console.print(
        f"Wrote {path}: {rows:,} leads, {decided:,} with an outcome ({won / decided:.0%} won, "
        f"the rest lost), {rows - decided:,} still open; and its mapping {mapping}."
    )
    console.print("How the outcome was generated: docs/calibration.md (the generated history).")
    rules = path.with_name(f"{path.stem}-rules.yaml")
    console.print("\nLearn rules from it in a database of its own:")
    for line in (
        f"export LEADBOT_DATABASE_URL=sqlite:///{path.with_suffix('.db')}",
        "leadbot db upgrade",
        f"leadbot import {path} --mapping {mapping}",
        f"leadbot calibrate --outcome converted --holdout 0.3 --split time --out {rules}",
        f"leadbot rules whatif {rules}",
    ):
        console.print(f"  {escape(line)}")
