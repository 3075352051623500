"""The ingest benchmark's yardstick: parse the JSON, insert one row with raw sqlite3, commit.

No signature check, validation, normalisation or lead logic: the floor a
Python ASGI server on SQLite cannot beat, measured in the same run as the
real server so the ratio means something on any machine.
"""

from __future__ import annotations

import json
import os
import sqlite3

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

connection = sqlite3.connect(os.environ["BASELINE_DB"], check_same_thread=False)
connection.execute("PRAGMA journal_mode=WAL")
connection.execute("PRAGMA synchronous=NORMAL")
connection.execute(
    "CREATE TABLE IF NOT EXISTS event (id INTEGER PRIMARY KEY, external_id TEXT, payload TEXT)"
)


async def receive(request: Request) -> JSONResponse:
    body = await request.body()
    document = json.loads(body)
    cursor = connection.execute(
        "INSERT INTO event (external_id, payload) VALUES (?, ?)",
        (request.headers.get("webhook-id"), json.dumps(document)),
    )
    connection.commit()
    return JSONResponse({"id": cursor.lastrowid}, status_code=202)


app = Starlette(routes=[Route("/webhooks/generic", receive, methods=["POST"])])
