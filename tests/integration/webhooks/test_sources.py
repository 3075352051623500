"""Each vendor's documented payloads, signed as the vendor signs them, over real HTTP.

What a vendor sees: 202 once stored, 200 for a redelivery, 401 (and nothing
stored) for a forged, missing or stale signature, 404 naming the variable
when the source is off, and 202 with a warning for a payload that names no
lead, which is kept for audit.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from bot.sources.registry import SOURCES
from tests.support.ingest import INGEST_ONLY, live_app
from tests.support.sources import SECRETS, activities, deliver, events, fixture, leads

NOTHING = {"event": 0, "lead": 0, "activity": 0}


def unbounce_form(vendor: str, name: str) -> bytes:
    """The documented data.json, posted as Unbounce posts it: form-encoded with the page fields."""
    return urlencode(
        {
            "page_id": "a2838d98-4cf4-11df-a3fd-00163e372d58",
            "page_name": "My Landing Page",
            "page_url": "http://my-landing-page.ca/",
            "variant": "a",
            "data.json": fixture(vendor, name).decode(),
        }
    ).encode()


#: (vendor, fixture without payload_ and .json, the lead's email, its activity or None)
DOCUMENTED = [
    ("typeform", "example_2023_via_triggerdev", "laura@example.com", "form_submit"),
    ("typeform", "example_2023_compact_signed_bytes", "laura@example.com", "form_submit"),
    ("tally", "docs_example_all_field_types", "alice@example.com", "form_submit"),
    ("webflow", "docs_form_submission_example", "zaphod@heartofgold.ai", "form_submit"),
    ("webflow", "docs_tutorial_delivery_email_form", "hello@gmail.com", "form_submit"),
    ("webflow", "docs_v1_legacy_form_submission", "some.one@home.com", "form_submit"),
    ("calendly", "docs_invitee_created_SECONDHAND", "test@example.com", "meeting_booked"),
    ("calendly", "docs_invitee_canceled_SECONDHAND", "test@example.com", "meeting_canceled"),
    ("segment", "spec_identify_complete", "peter@example.com", None),
    ("segment", "spec_identify_typical", "peter@example.com", None),
    ("segment", "webhooks_destination_identify", "achilles@segment.com", None),
    ("unbounce", "docs_form_submit_data_json", "test@test.com", "form_submit"),
]  # fmt: skip


def body_of(vendor: str, name: str) -> bytes:
    file = f"payload_{name}.json"
    return unbounce_form(vendor, file) if vendor == "unbounce" else fixture(vendor, file)


@pytest.fixture
def app(db_url):
    with live_app(db_url, features=INGEST_ONLY, **SECRETS) as live:
        yield live


@pytest.mark.parametrize(
    ("vendor", "name", "email", "activity"), DOCUMENTED, ids=[f"{v}-{n}" for v, n, *_ in DOCUMENTED]
)
def test_documented_payload_reaches_its_lead_once(app, vendor, name, email, activity) -> None:
    body = body_of(vendor, name)
    first = deliver(app, vendor, body)
    assert first.status_code == 202, first.text
    assert first.json()["lead_id"] == leads(app)[email]["id"]
    assert [a["type"] for a in activities(app)] == ([activity] if activity else [])
    stored = events(app)
    assert [(e["source"], e["status"]) for e in stored] == [(vendor, "accepted")]

    again = deliver(app, vendor, body)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert len(events(app)) == 1 and len(activities(app)) == (1 if activity else 0)


@pytest.mark.parametrize(
    ("vendor", "name"),
    [(v, n) for v, n, *_ in DOCUMENTED],
    ids=[f"{v}-{n}" for v, n, *_ in DOCUMENTED],
)
def test_one_changed_byte_is_refused_and_nothing_is_stored(app, vendor, name) -> None:
    body = body_of(vendor, name)
    source = SOURCES[vendor]
    secret = SECRETS[source.setting]
    if source.token_in_url:  # Unbounce signs nothing: its one secret is the token
        changed_token = secret[:-1] + chr(ord(secret[-1]) ^ 0x01)
        response = deliver(app, vendor, body, path=f"{source.path}/{changed_token}")
    else:
        headers = source.sign(body, secret, datetime.now(UTC))
        changed = bytearray(body)
        changed[body.index(b"@") - 1] ^= 0x01  # inside the email: what a forger would change
        response = app.client.post(
            f"{app.url}{source.path}", content=bytes(changed), headers=headers
        )
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_signature"
    assert app.counts() == NOTHING


def test_typeform_published_vector_verifies_byte_for_byte(app) -> None:
    body = fixture("typeform", "payload_example_2023_compact_signed_bytes.json")
    headers = {
        "content-type": "application/json",
        "typeform-signature": "sha256=VsvwNrh0fT5VWF+05H3azXZXJyFkhHTtONMxIVm6PZ4=",
    }
    response = app.client.post(f"{app.url}/webhooks/typeform", content=body, headers=headers)
    assert response.status_code == 202, response.text
    lead = leads(app)["laura@example.com"]
    assert lead["first_name"] == "Laura" and lead["source"] == "typeform"
    assert lead["attributes"]["readable_ref_multiple_choice"] == "London"
    assert lead["attributes"]["user_id"] == "abc123456"  # a hidden field


def _minutes_ago(minutes: float) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes)


def _seconds_timestamp(body: bytes) -> dict[str, str]:
    """Webflow's headers with the timestamp in seconds, correctly signed: still refused."""
    from bot.sources.signing import encode, hmac_digest

    stamp = str(int(datetime.now(UTC).timestamp()))
    secret = SECRETS["webflow_secret"]
    signature = encode(hmac_digest(secret, stamp.encode() + b":" + body), "hex")
    return {"x-webflow-timestamp": stamp, "x-webflow-signature": signature}


REFUSED = [
    ("typeform", {"typeform-signature": None}, None, "missing Typeform-Signature"),
    ("typeform", {"typeform-signature": "sha256=" + "A" * 44}, None, "does not match"),
    ("typeform", {"typeform-signature": "sha256=" + "ab" * 32}, None, "does not match"),  # hex
    ("tally", {"tally-signature": None}, None, "missing Tally-Signature"),
    ("tally", {"tally-signature": "bm90IGEgc2lnbmF0dXJl"}, None, "does not match"),
    ("webflow", {"x-webflow-signature": None}, None, "created in the Webflow dashboard"),
    ("webflow", {}, 6, "too old"),
    ("webflow", "seconds", None, "too old"),
    ("calendly", {}, 4, "too old"),
    ("calendly", {"calendly-webhook-signature": "t=1700000000"}, None, "must read t="),
    ("calendly", {"calendly-webhook-signature": None}, None, "missing Calendly"),
    ("segment", {"x-signature": "0" * 40}, None, "does not match"),
    ("segment", {"x-signature": None}, None, "missing X-Signature"),
]
BODIES = {
    "typeform": ("typeform", "payload_example_2023_via_triggerdev.json"),
    "tally": ("tally", "payload_docs_example_all_field_types.json"),
    "webflow": ("webflow", "payload_docs_form_submission_example.json"),
    "calendly": ("calendly", "payload_docs_invitee_created_SECONDHAND.json"),
    "segment": ("segment", "payload_webhooks_destination_identify.json"),
}


@pytest.mark.parametrize(("vendor", "headers", "age", "message"), REFUSED)
def test_forged_missing_and_stale_signatures_are_refused(app, vendor, headers, age, message):
    body = fixture(*BODIES[vendor])
    if headers == "seconds":
        headers = _seconds_timestamp(body)
    at = _minutes_ago(age) if age else None
    response = deliver(app, vendor, body, at=at, headers=headers)
    assert response.status_code == 401, response.text
    assert message in response.json()["message"]
    assert app.counts() == NOTHING


@pytest.mark.parametrize(("vendor", "age"), [("webflow", 4), ("calendly", 2)])
def test_a_delivery_inside_the_window_is_accepted(app, vendor, age) -> None:
    response = deliver(app, vendor, fixture(*BODIES[vendor]), at=_minutes_ago(age))
    assert response.status_code == 202, response.text


def test_unbounce_token_in_the_url_or_as_a_bearer_header(app) -> None:
    body = unbounce_form("unbounce", "payload_docs_form_submit_data_json.json")
    token = SECRETS["unbounce_token"]
    form = {"content-type": "application/x-www-form-urlencoded"}
    no_token = app.client.post(f"{app.url}/webhooks/unbounce", content=body, headers=form)
    assert no_token.status_code == 401 and "missing token" in no_token.json()["message"]
    wrong = app.client.post(
        f"{app.url}/webhooks/unbounce", content=body, headers={**form, "authorization": "Bearer x"}
    )
    assert wrong.status_code == 401
    assert app.counts() == NOTHING
    bearer = app.client.post(
        f"{app.url}/webhooks/unbounce",
        content=body,
        headers={**form, "authorization": f"Bearer {token}"},
    )
    assert bearer.status_code == 202, bearer.text
    in_url = app.client.post(f"{app.url}/webhooks/unbounce/{token}", content=body, headers=form)
    assert in_url.status_code == 200 and in_url.json()["duplicate"] is True


def test_unbounce_json_body_is_read_like_the_form(app) -> None:
    submission = json.loads(fixture("unbounce", "payload_docs_form_submit_data_json.json"))
    body = json.dumps({"page_id": "p-1", "data.json": json.dumps(submission)}).encode()
    response = deliver(app, "unbounce", body, headers={"content-type": "application/json"})
    assert response.status_code == 202, response.text
    assert "test@test.com" in leads(app)


def test_tally_signature_over_the_re_serialised_body_is_accepted(app) -> None:
    """Tally signs JSON.stringify(body): a pretty-printed or re-spaced body still verifies."""
    from bot.sources import jsjson
    from bot.sources.signing import encode, hmac_digest

    pretty = fixture("tally", "payload_docs_example_all_field_types.json")
    assert pretty.startswith(b"{\n")  # not the bytes Tally signed
    signed = jsjson.stringify(json.loads(pretty)).encode()
    signature = encode(hmac_digest(SECRETS["tally_secret"], signed), "base64")
    response = deliver(app, "tally", pretty, headers={"tally-signature": signature})
    assert response.status_code == 202, response.text


def test_a_source_that_is_off_answers_404_naming_its_variable(db_url) -> None:
    workspace = {"slack_bot_token": "xoxb-test", "slack_signing_secret": "test-signing-secret"}
    with live_app(db_url, features=INGEST_ONLY, **workspace) as app:
        body = fixture("typeform", "payload_example_2023_via_triggerdev.json")
        response = deliver(app, "typeform", body)
        assert response.status_code == 404
        assert "LEADBOT_TYPEFORM_SECRET" in response.json()["message"]
        assert app.counts() == NOTHING


def test_sandbox_mode_turns_every_source_on_with_its_development_secret(db_url) -> None:
    with live_app(db_url, features=INGEST_ONLY) as app:
        for source in SOURCES.values():
            secret = source.secret(app.services.settings)
            assert secret == source.sandbox_secret
        body = fixture("segment", "payload_webhooks_destination_identify.json")
        headers = SOURCES["segment"].sign(
            body, SOURCES["segment"].sandbox_secret, datetime.now(UTC)
        )
        response = app.client.post(f"{app.url}/webhooks/segment", content=body, headers=headers)
        assert response.status_code == 202


def test_a_payload_naming_no_lead_is_kept_for_audit_with_a_warning(app) -> None:
    body = fixture("segment", "payload_spec_track_typical.json")  # no email, no user id
    response = deliver(app, "segment", body)
    assert response.status_code == 202, response.text
    answer = response.json()
    assert answer["lead_id"] is None and answer["duplicate"] is False
    assert any("stored for audit only" in w for w in answer["warnings"])
    [stored] = events(app)
    assert (stored["status"], stored["lead_id"]) == ("unmapped", None)
    assert stored["payload"] == json.loads(body)
    assert "no email" in stored["error"]
    assert app.counts() == {"event": 1, "lead": 0, "activity": 0}
    assert deliver(app, "segment", body).status_code == 200
    metrics = app.client.get(f"{app.url}/metrics").text
    assert 'leadbot_events_unmapped_total{source="segment"} 1.0' in metrics
    assert 'leadbot_events_accepted_total{source="segment"} 0.0' in metrics


def test_an_unsupported_kind_is_kept_for_audit_not_refused(app) -> None:
    body = json.dumps({"event_id": "ev-partial-1", "event_type": "form_deleted"}).encode()
    response = deliver(app, "typeform", body)
    assert response.status_code == 202
    assert "not a form response" in " ".join(response.json()["warnings"])
    assert events(app)[0]["status"] == "unmapped"


def test_a_body_that_is_not_json_is_400_after_the_signature(app) -> None:
    response = deliver(app, "typeform", b"email=a@example.com")
    assert response.status_code == 400 and response.json()["error"] == "malformed_payload"
    assert app.counts() == NOTHING


def test_metrics_count_each_source_apart(app) -> None:
    deliver(app, "webflow", fixture(*BODIES["webflow"]))
    deliver(app, "webflow", fixture(*BODIES["webflow"]), headers={"x-webflow-signature": "00"})
    metrics = app.client.get(f"{app.url}/metrics").text
    assert 'leadbot_events_accepted_total{source="webflow"} 1.0' in metrics
    assert (
        'leadbot_webhook_requests_rejected_total{reason="invalid_signature",source="webflow"} 1.0'
        in metrics
    )
