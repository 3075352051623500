"""A password in front of the sandbox page when it is open to other machines.

HTTP Basic authentication: the browser asks once and sends the password
with every request of the page (its fetches and its event stream too), and
nothing needs to be stored on the server. Any user name is accepted.
"""

from __future__ import annotations

import base64
import binascii
import secrets

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

REALM = "leadbot sandbox"


class PasswordGate:
    """ASGI: pass requests that carry ``password`` on to ``app``; answer others 401."""

    def __init__(self, app: ASGIApp, password: str) -> None:
        self.app = app
        self._password = password.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._allows(Headers(scope=scope).get("authorization")):
            await self.app(scope, receive, send)
            return
        refusal = PlainTextResponse(
            "the sandbox needs its password (LEADBOT_SANDBOX_PASSWORD)",
            status_code=401,
            headers={"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'},
        )
        await refusal(scope, receive, send)

    def _allows(self, authorization: str | None) -> bool:
        scheme, _, encoded = (authorization or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            _, _, given = base64.b64decode(encoded, validate=True).partition(b":")
        except (binascii.Error, ValueError):
            return False
        return secrets.compare_digest(given, self._password)
