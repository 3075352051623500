"""``leadbot outbox …``: see what is queued or dead-lettered, and send dead items again."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bot.cli.common import engine_or_exit, fail, settings_or_exit
from storage.enums import OutboxStatus

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

outbox_app = typer.Typer(
    help="Inspect queued deliveries and retry dead-lettered ones.", no_args_is_help=True
)


#: outbox commands exit with 1 on any error
ERROR = 1


def _engine() -> Engine:
    return engine_or_exit(settings_or_exit(ERROR), ERROR)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


@outbox_app.command("list")
def list_command(
    status: Annotated[
        OutboxStatus | None, typer.Option(help="Only items with this status.", case_sensitive=False)
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
) -> None:
    """List outbox items: what is waiting, in flight, done or dead."""
    from storage import outbox

    engine = _engine()
    with engine.connect() as conn:
        items = outbox.list_items(conn, status=status.value if status else None, limit=limit)
    table = Table(title="outbox" + (f" ({status.value})" if status else ""))
    for column in (
        "id",
        "kind",
        "target",
        "dedupe key",
        "status",
        "attempts",
        "next attempt (UTC)",
        "last error",
    ):
        table.add_column(column, justify="right" if column in {"id", "attempts"} else "left")
    for item in items:
        table.add_row(
            *(
                escape(cell)
                for cell in (
                    str(item.id),
                    item.kind,
                    item.target,
                    item.dedupe_key,
                    item.status,
                    str(item.attempts),
                    _when(item.next_attempt_at) if item.status == outbox.PENDING else "",
                    item.last_error or "",
                )
            )
        )
    Console(soft_wrap=True).print(table if items else "no outbox items")


@outbox_app.command("retry")
def retry_command(item_id: Annotated[int, typer.Argument(help="The item's id.")]) -> None:
    """Send a dead item again, from a fresh start."""
    from storage import outbox

    engine = _engine()
    with engine.begin() as conn:
        if outbox.retry_item(conn, item_id):
            Console().print(f"outbox item {item_id} queued again")
            return
        item = outbox.get_item(conn, item_id)
    if item is None:
        fail([f"no outbox item {item_id}"], ERROR)
    fail([f"outbox item {item_id} is {item.status}, not dead: only dead items are retried"], ERROR)
