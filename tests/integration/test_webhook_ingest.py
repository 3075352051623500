"""Signed lead events over real HTTP: what is stored, and what is refused."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.demo.client import signed_request
from storage.models import Activity, Event, Lead
from tests.support.ingest import SECRET, activity_event, live_app

NOTHING = {"event": 0, "lead": 0, "activity": 0}


@pytest.fixture
def app(db_url):
    with live_app(db_url) as live:
        yield live


def test_activity_event_creates_a_normalised_lead(app) -> None:
    response = app.post(
        activity_event(
            "  Jane.Doe@Example.COM ",
            name="Jane  van Doe",
            country="Germany",
            phone="030 1234567",
            company_size="201-500",
            crm_rating="A",
        )
    )
    assert response.status_code == 202, response.text
    lead_id = response.json()["lead_id"]
    with app.engine.connect() as conn:
        lead = conn.execute(select(Lead.__table__)).mappings().one()
        activity = conn.execute(select(Activity.__table__)).mappings().one()
    assert lead["id"] == lead_id
    assert lead["email"] == "jane.doe@example.com"
    assert (lead["first_name"], lead["last_name"]) == ("Jane", "van Doe")
    assert lead["country"] == "DE"
    assert lead["phone"] == "+49301234567"
    assert lead["company_size"] == 201
    assert lead["attributes"] == {"crm_rating": "A"}
    assert activity["type"] == "demo_request"
    assert activity["properties"] == {"page": "/demo"}


def test_same_delivery_twice_stores_one_event(app) -> None:
    first = app.post(activity_event(), msg_id="msg_dup")
    again = app.post(activity_event(), msg_id="msg_dup")
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json() == {"id": "msg_dup", "lead_id": first.json()["lead_id"], "duplicate": True}
    assert app.counts() == {"event": 1, "lead": 1, "activity": 1}


def test_event_id_in_body_wins_over_delivery_id(app) -> None:
    document = {**activity_event(), "id": "form-42"}
    assert app.post(document, msg_id="msg_a").status_code == 202
    assert app.post(document, msg_id="msg_b").json()["duplicate"] is True
    assert app.counts()["event"] == 1


def test_batch_stores_each_event_and_recognises_redelivery(app) -> None:
    batch = {
        "events": [
            activity_event("a@example.com"),
            {"type": "lead.profile", "lead": {"email": "b@example.com", "job_title": "CTO"}},
            activity_event("a@example.com"),
        ]
    }
    response = app.post(batch, msg_id="msg_batch")
    assert response.status_code == 202
    results = response.json()["results"]
    assert [r["id"] for r in results] == ["msg_batch#0", "msg_batch#1", "msg_batch#2"]
    assert results[0]["lead_id"] == results[2]["lead_id"] != results[1]["lead_id"]
    assert app.counts() == {"event": 3, "lead": 2, "activity": 2}
    replay = app.post(batch, msg_id="msg_batch")
    assert replay.status_code == 200
    assert all(r["duplicate"] for r in replay.json()["results"])
    assert app.counts() == {"event": 3, "lead": 2, "activity": 2}


def test_later_events_update_profile_but_keep_first_touch_source(app) -> None:
    app.post(activity_event(source="webinar", job_title="Manager", campaign="q4"))
    app.post(activity_event(source="google-ads", job_title="Director", company="Acme"))
    with app.engine.connect() as conn:
        lead = conn.execute(select(Lead.__table__)).mappings().one()
    assert lead["job_title"] == "Director"
    assert lead["company"] == "Acme"
    assert (lead["source"], lead["campaign"]) == ("webinar", "q4")


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (
            lambda h: {**h, "webhook-signature": "v1,AAAA" + h["webhook-signature"][7:]},
            "does not match",
        ),
        (lambda h: {k: v for k, v in h.items() if k != "webhook-signature"}, "missing"),
        (lambda h: {**h, "webhook-signature": "garbage"}, "does not match"),
        (lambda h: {**h, "webhook-id": "msg_other"}, "does not match"),
    ],
    ids=["forged", "missing", "malformed", "replayed-under-other-id"],
)
def test_bad_signature_is_refused_and_nothing_stored(app, mangle, message) -> None:
    headers, body = signed_request(SECRET, activity_event(), msg_id="msg_1")
    response = app.client.post(f"{app.url}/webhooks/generic", content=body, headers=mangle(headers))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_signature"
    assert message in response.json()["message"]
    assert app.counts() == NOTHING


def test_wrong_secret_and_stale_timestamp_are_refused(app) -> None:
    other = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODk="
    assert app.post(activity_event(), secret=other).status_code == 401
    stale = datetime.now(UTC) - timedelta(minutes=6)
    headers, body = signed_request(SECRET, activity_event(), at=stale)
    response = app.client.post(f"{app.url}/webhooks/generic", content=body, headers=headers)
    assert response.status_code == 401
    assert "tolerance" in response.json()["message"]
    assert app.counts() == NOTHING


def _signed_raw(app, body: bytes, content_type: str = "application/json"):
    headers, _ = signed_request(SECRET, None)
    from standardwebhooks import Webhook

    at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
    headers["webhook-signature"] = Webhook(SECRET).sign(
        headers["webhook-id"], at, body.decode("utf-8", "replace")
    )
    headers["content-type"] = content_type
    return app.client.post(f"{app.url}/webhooks/generic", content=body, headers=headers)


def test_malformed_json_is_400(app) -> None:
    response = _signed_raw(app, b'{"type": "lead.activity", "lead": ')
    assert response.status_code == 400
    assert response.json()["error"] == "malformed_json"
    assert app.counts() == NOTHING


def test_wrong_content_type_is_415(app) -> None:
    response = _signed_raw(
        app, b"email=a@example.com", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert app.counts() == NOTHING


def test_oversized_body_is_413_with_or_without_length(app) -> None:
    big = json.dumps(activity_event(note="x" * 300_000)).encode()
    assert _signed_raw(app, big).status_code == 413

    def chunks():
        for _ in range(40):
            yield b" " * 10_000

    headers, _ = signed_request(SECRET, {})
    streamed = app.client.post(f"{app.url}/webhooks/generic", content=chunks(), headers=headers)
    assert streamed.status_code == 413
    assert app.counts() == NOTHING


def test_every_invalid_field_is_listed_with_its_path(app) -> None:
    response = app.post(
        {
            "events": [
                {
                    "type": "lead.activity",
                    "lead": {"email": "not-an-email"},
                    "activity": {"type": "Demo!"},
                },
                {
                    "type": "lead.outcome",
                    "lead": {"email": "b@example.com"},
                    "outcome": {"result": "maybe", "currency": "XXY"},
                    "ocurred_at": "yesterday",
                },
            ]
        }
    )
    assert response.status_code == 422
    paths = {e["path"] for e in response.json()["errors"]}
    assert paths == {
        "events[0].lead.email",
        "events[0].activity.type",
        "events[1].outcome.result",
        "events[1].outcome.currency",
        "events[1].ocurred_at",
    }
    assert app.counts() == NOTHING


@pytest.mark.parametrize(
    "lead",
    [
        {"first_name": "x" * 10_000},
        {"company": "ü" * 301},
        {"first_name": "Null\u0000Byte"},
        {"attributes": {"note": "a\u0000"}},
        {"bad key!": 1},
    ],
    ids=["10kB-name", "long-unicode", "nul-in-field", "nul-in-attribute", "bad-attribute-key"],
)
def test_hostile_values_are_refused_clearly(app, lead) -> None:
    response = app.post(activity_event(**lead))
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"].startswith("lead")
    assert app.counts() == NOTHING


def test_hostile_text_is_stored_verbatim_and_safely(app) -> None:
    hostile = {
        "first_name": "<!channel> *bold*",
        "last_name": "'); DROP TABLE lead; --",
        "company": "Ünïcødé 株式会社 🚀",
        "job_title": "Head\tof\x07 Growth",
    }
    assert app.post(activity_event(**hostile)).status_code == 202
    with app.engine.connect() as conn:
        lead = conn.execute(select(Lead.__table__)).mappings().one()
    assert lead["first_name"] == "<!channel> *bold*"
    assert lead["last_name"] == "'); DROP TABLE lead; --"
    assert lead["company"] == "Ünïcødé 株式会社 🚀"
    assert lead["job_title"] == "Head of Growth"


def test_unrecognised_country_is_kept_with_a_warning(app) -> None:
    response = app.post(activity_event(country="Narnia"))
    assert response.status_code == 202
    assert "Narnia" in response.json()["warnings"][0]
    with app.engine.connect() as conn:
        lead = conn.execute(select(Lead.__table__)).mappings().one()
    assert lead["country"] is None
    assert lead["attributes"]["country_unrecognised"] == "Narnia"


def test_unknown_source_is_404(app) -> None:
    headers, body = signed_request(SECRET, activity_event())
    response = app.client.post(f"{app.url}/webhooks/nope", content=body, headers=headers)
    assert response.status_code == 404
    assert "generic" in response.json()["message"]


def test_raw_payload_is_kept_for_audit(app) -> None:
    document = activity_event(country="Germany")
    app.post(document, msg_id="msg_audit")
    with app.engine.connect() as conn:
        event = conn.execute(select(Event.__table__)).mappings().one()
    assert event["payload"] == document
    assert (event["source"], event["external_id"], event["type"]) == (
        "generic",
        "msg_audit",
        "lead.activity",
    )


def test_health_and_metrics(app) -> None:
    app.post(activity_event(), msg_id="m1")
    app.post(activity_event(), msg_id="m1")
    app.client.post(
        f"{app.url}/webhooks/generic", content=b"{}", headers={"content-type": "application/json"}
    )
    assert app.client.get(f"{app.url}/healthz").json() == {"status": "ok", "database": "ok"}
    text = app.client.get(f"{app.url}/metrics").text
    assert 'leadbot_events_accepted_total{source="generic"} 1.0' in text
    assert 'leadbot_events_duplicate_total{source="generic"} 1.0' in text
    assert (
        'leadbot_webhook_requests_rejected_total{reason="invalid_signature",source="generic"} 1.0'
        in text
    )
    assert "leadbot_webhook_request_seconds_bucket" in text


def test_logs_carry_ids_but_no_personal_data(app, caplog) -> None:
    from bot.runtime.logs import JsonFormatter

    caplog.set_level(logging.INFO)
    person = {"first_name": "Zelda", "last_name": "Quaxley", "phone": "+49 30 9876543"}
    assert app.post(activity_event("zelda.quaxley@example.com", **person)).status_code == 202
    app.post({"type": "lead.profile", "lead": {"email": "broken"}})
    formatter = JsonFormatter()
    logged = "\n".join(formatter.format(record) for record in caplog.records)
    assert "events stored" in logged
    for secret in ("zelda", "Zelda", "Quaxley", "9876543"):
        assert secret not in logged
