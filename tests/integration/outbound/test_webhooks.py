"""Outbound webhooks end to end: stage changes → outbox → signed HTTP on loopback, per backend."""

from __future__ import annotations

import json
import time

from standardwebhooks import Webhook

from storage import outbox
from tests.support.servers import free_port
from tests.support.webhooks import (
    SUBSCRIBER_SECRET,
    Receiver,
    leadbot,
    receiving,
    subscriber,
    wait_until,
)

VP = {"job_title": "VP Marketing", "company": "Acme", "company_size": 250, "country": "DE"}


def demo_request(email: str) -> dict:
    return {"type": "lead.activity", "lead": {"email": email, **VP},
            "activity": {"type": "demo_request"}}  # fmt: skip


def outcome(email: str, result: str, **extra: object) -> dict:
    return {"type": "lead.outcome", "lead": {"email": email},
            "outcome": {"result": result, **extra}}  # fmt: skip


def settled(app) -> bool:
    rows = app.outbox()
    return bool(rows) and all(r["status"] in (outbox.DONE, outbox.DEAD) for r in rows)


def test_a_decision_reaches_the_subscriber_signed_and_once(db_url) -> None:
    receiver = Receiver()
    with receiving(receiver) as url, leadbot(db_url, [subscriber("crm", f"{url}/crm")]) as app:
        assert app.post(demo_request("vp@acme.example")).status_code == 202
        receiver.wait_for(1)
        app.decide("vp@acme.example", "sql")
        receiver.wait_for(3)
        deal = outcome("vp@acme.example", "won", amount=12000, currency="EUR")
        assert app.post(deal).status_code == 202
        receiver.wait_for(4)
        time.sleep(0.3)  # room for a duplicate to show up
        rows = app.outbox()

    assert receiver.rejected == []
    assert len(receiver.deliveries) == 4
    for delivery in receiver.deliveries:  # verified once more, outside the receiver
        verified = Webhook(SUBSCRIBER_SECRET).verify(delivery.body, delivery.headers)
        assert verified == delivery.event
        assert delivery.headers["webhook-id"] == delivery.event["id"]
    mql, accepted, assigned, won = (d.event for d in receiver.deliveries)
    assert [e["type"] for e in (mql, accepted, assigned, won)] == [
        "lead.mql",
        "lead.accepted",
        "lead.assigned",
        "lead.won",
    ]
    assert assigned["data"]["assignment"] == {
        "owner": "U0ALICE",
        "by": "slack:U0ALICE",
        "how": "accepted",
    }
    assert accepted["data"]["transition"] | {"at": None} == {
        "from": "mql",
        "to": "sql",
        "actor": "slack:U0ALICE",
        "reason": None,
        "note": None,
        "at": None,
    }
    lead = won["data"]["lead"]
    assert (lead["email"], lead["stage"], lead["owner"]) == ("vp@acme.example", "won", "U0ALICE")
    assert (lead["amount"], lead["currency"]) == (12000, "EUR")
    assert (lead["fit"], lead["engagement"], lead["score"]) == (45, 40, 85)
    assert {"kind": "fit", "label": "VP or head of department", "points": 20} in lead["reasons"]
    assert "amount" not in accepted["data"]["lead"]
    assert [(r["kind"], r["target"], r["status"], r["attempts"]) for r in rows] == [
        ("webhook", "crm", "done", 1)
    ] * 4


def test_each_subscriber_gets_only_the_events_it_asked_for(db_url) -> None:
    receiver = Receiver()
    with receiving(receiver) as url:
        subscribers = [
            subscriber("crm", f"{url}/crm", events=["lead.won", "lead.lost"]),
            subscriber("warehouse", f"{url}/warehouse"),
        ]
        with leadbot(db_url, subscribers) as app:
            app.post(demo_request("a@acme.example"))
            app.post(demo_request("b@acme.example"))
            wait_until(lambda: len(receiver.delivered("warehouse")) == 2)
            app.decide("a@acme.example", "recycled", reason="not ready yet")
            app.decide("b@acme.example", "sql")
            app.post(outcome("b@acme.example", "lost", reason="went with a competitor"))
            receiver.wait_for(1, path="crm")
            receiver.wait_for(7, path="warehouse")
            time.sleep(0.3)

    assert [d.type for d in receiver.delivered("crm")] == ["lead.lost"]
    by_lead: dict[str, list[str]] = {}
    for d in receiver.delivered("warehouse"):
        by_lead.setdefault(d.event["data"]["lead"]["email"], []).append(d.type)
    assert by_lead == {
        "a@acme.example": ["lead.mql", "lead.rejected", "lead.recycled"],
        "b@acme.example": ["lead.mql", "lead.accepted", "lead.assigned", "lead.lost"],
    }
    rejected = next(d.event for d in receiver.deliveries if d.type == "lead.rejected")
    assert rejected["data"]["transition"]["reason"] == "not ready yet"
    assert rejected["data"]["transition"]["to"] == "recycled"
    [lost] = receiver.delivered("crm")
    assert lost.event["data"]["transition"]["reason"] == "went with a competitor"


def test_a_receiver_down_for_a_while_gets_the_event_once_after_recovery(db_url) -> None:
    port = free_port()
    receiver = Receiver()
    receiver.answers["lead.mql"].extend([503, 503])
    with leadbot(db_url, [subscriber("crm", f"http://127.0.0.1:{port}/crm")]) as app:
        app.post(demo_request("vp@acme.example"))
        # nobody listens: connection refused, counted as attempts
        wait_until(lambda: app.outbox() and app.outbox()[0]["attempts"] >= 2)
        assert app.outbox()[0]["status"] == outbox.PENDING
        assert "ConnectError" in app.outbox()[0]["last_error"]
        with receiving(receiver, port=port):
            wait_until(lambda: settled(app))
            time.sleep(0.3)
        [row] = app.outbox()

    assert [d.status for d in receiver.deliveries] == [503, 503, 200]
    assert len({d.headers["webhook-id"] for d in receiver.deliveries}) == 1
    assert row["status"] == outbox.DONE and row["attempts"] >= 5  # refused twice, 503 twice, 200


def test_410_gone_is_dead_lettered_at_once_and_can_be_sent_again(db_url) -> None:
    receiver = Receiver()
    receiver.answers["lead.mql"].append(410)
    with receiving(receiver) as url, leadbot(db_url, [subscriber("crm", f"{url}/crm")]) as app:
        app.post(demo_request("vp@acme.example"))
        wait_until(lambda: settled(app))
        time.sleep(0.5)  # longer than every retry wait of the test schedule
        [dead] = app.outbox()
        assert (dead["status"], dead["attempts"], dead["last_error"]) == ("dead", 1, "HTTP 410")
        assert len(receiver.deliveries) == 1

        with app.engine.begin() as conn:  # what `leadbot outbox retry ID` does
            assert outbox.retry_item(conn, dead["id"])
        receiver.wait_for(1)
        wait_until(lambda: settled(app))
    assert [d.status for d in receiver.deliveries] == [410, 200]


def test_429_with_retry_after_is_honoured_without_counting_an_attempt(db_url) -> None:
    receiver = Receiver()
    receiver.answers["lead.mql"].append((429, {"Retry-After": "1"}))
    with receiving(receiver) as url, leadbot(db_url, [subscriber("crm", f"{url}/crm")]) as app:
        app.post(demo_request("vp@acme.example"))
        receiver.wait_for(1)
        wait_until(lambda: settled(app))
        [row] = app.outbox()

    first, second = receiver.deliveries
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 1.0
    assert (row["status"], row["attempts"]) == ("done", 1)  # the 429 was not an attempt


def test_a_leads_events_arrive_in_order_while_other_leads_go_ahead(db_url) -> None:
    receiver = Receiver()
    receiver.answers["first@acme.example lead.mql"].extend([503, 503, 503])
    with receiving(receiver) as url, leadbot(db_url, [subscriber("crm", f"{url}/crm")]) as app:
        app.post(demo_request("first@acme.example"))
        wait_until(lambda: receiver.deliveries)
        app.decide("first@acme.example", "sql")
        app.post(outcome("first@acme.example", "won", amount=500, currency="USD"))
        app.post(demo_request("second@acme.example"))
        receiver.wait_for(5)
        time.sleep(0.3)

    calls = [(d.event["data"]["lead"]["email"].split("@")[0], d.type, d.status)
             for d in receiver.deliveries]  # fmt: skip
    first = [(t, s) for who, t, s in calls if who == "first"]
    assert first == [
        ("lead.mql", 503),
        ("lead.mql", 503),
        ("lead.mql", 503),
        ("lead.mql", 200),
        ("lead.accepted", 200),
        ("lead.assigned", 200),
        ("lead.won", 200),
    ]
    # the second lead did not wait for the first one's retries
    assert calls.index(("second", "lead.mql", 200)) < calls.index(("first", "lead.mql", 200))


def test_erasing_a_lead_cancels_what_was_not_delivered_and_tells_subscribers(db_url) -> None:
    receiver = Receiver()
    receiver.answers["lead.mql"].append((429, {"Retry-After": "600"}))  # paused for 10 min
    with receiving(receiver) as url:
        subscribers = [
            subscriber("warehouse", f"{url}/warehouse", events=["lead.mql"]),
            subscriber("crm", f"{url}/crm", events=["lead.erased"]),
            subscriber("archive", f"{url}/archive", events=["lead.won"]),
        ]
        with leadbot(db_url, subscribers) as app:
            app.post(demo_request("vp@acme.example"))
            wait_until(lambda: receiver.deliveries and app.outbox()[0]["status"] == "pending")

            erased = app.forget("vp@acme.example")
            receiver.wait_for(1)
            wait_until(lambda: settled(app))
            rows = app.outbox()

    assert erased.elsewhere == (
        "lead.erased goes to crm; 1 webhook event not yet delivered will never be sent",
    )
    mql, erasure = receiver.deliveries
    assert (mql.path, mql.type, mql.status) == ("warehouse", "lead.mql", 429)
    assert (erasure.path, erasure.type, erasure.status) == ("crm", "lead.erased", 200)
    assert erasure.event["data"] == {"lead": {"id": 1, "version": 3}}
    assert erasure.headers["webhook-id"] == erasure.event["id"] == "evt_1_3_erased"
    assert [(r["target"], r["status"], r["last_error"]) for r in rows] == [
        ("warehouse", "dead", "not sent: the lead's personal data was erased"),
        ("crm", "done", None),
    ]
    assert "vp@acme.example" not in json.dumps([r["payload"] for r in rows])
