"""``leadbot forget EMAIL``: erase a lead's personal data from the command line.

The same erasure as ``/leads forget``, for the data-protection request that
reaches whoever runs the server rather than a Slack admin. It runs every
component's erasure effect, so Slack messages are replaced and webhook
subscribers told; the running server's workers deliver those within their
poll interval (about a second).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from bot.cli.common import config_or_exit, engine_or_exit, fail, settings_or_exit

#: exit status when there is no such lead
ERROR = 1

console = Console(soft_wrap=True)


def forget_command(
    email: Annotated[str, typer.Argument(help="The lead's email address.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a lead's personal data (as /leads forget): Slack messages and subscribers too."""
    from bot.app import app_effects
    from bot.leads.forget import already_erased, forget_lead
    from bot.leads.unit_of_work import UnitOfWork
    from storage.leads import lead_by_email

    settings = settings_or_exit(ERROR)
    engine = engine_or_exit(settings, ERROR)
    config = config_or_exit(settings.config_path)
    address = email.strip().lower()  # as stored; erased leads' placeholders too
    with engine.connect() as conn:
        lead = lead_by_email(conn, address)
    if lead is None:
        fail([f"no lead has the email address {address}"], ERROR)
    if lead.erased_at is not None:
        console.print(escape(already_erased(lead, f"on {lead.erased_at:%Y-%m-%d}")))
        return
    if not yes:
        typer.confirm(
            f"Erase the personal data of lead {lead.id} ({address})? This cannot be undone.",
            abort=True,
        )
    # the features' erasure effects, as the server runs them
    with UnitOfWork(engine, app_effects(config)).begin() as work:
        lead = lead_by_email(work.conn, address)
        assert lead is not None  # nobody deletes leads
        erased = forget_lead(work, lead, now=datetime.now(UTC))
    console.print(escape(erased.summary()))
