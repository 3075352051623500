"""Svix, the most common Standard Webhooks sender, names the headers ``svix-*``: both work."""

from __future__ import annotations

import pytest

from bot.demo.client import signed_request
from tests.support.ingest import INGEST_ONLY, SECRET, activity_event, live_app


@pytest.fixture
def app(db_url):
    with live_app(db_url, features=INGEST_ONLY) as live:
        yield live


@pytest.mark.parametrize("spelling", ["webhook", "svix"])
def test_svix_header_spellings_are_accepted(app, spelling) -> None:
    headers, body = signed_request(SECRET, activity_event(), msg_id="msg_svix_1")
    renamed = {name.replace("webhook-", f"{spelling}-"): value for name, value in headers.items()}
    response = app.client.post(f"{app.url}/webhooks/generic", content=body, headers=renamed)
    assert response.status_code == 202, response.text
    assert response.json()["id"] == "msg_svix_1"


def test_a_forged_svix_signature_is_refused(app) -> None:
    headers, body = signed_request(SECRET, activity_event())
    renamed = {name.replace("webhook-", "svix-"): value for name, value in headers.items()}
    renamed["svix-signature"] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="
    response = app.client.post(f"{app.url}/webhooks/generic", content=body, headers=renamed)
    assert response.status_code == 401
    assert app.counts() == {"event": 0, "lead": 0, "activity": 0}
