"""What vendor deliveries make of leads: field types, names, aliases, mappings, two vendors."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.config.rules import default_rules_text, parse_config
from bot.leads.forget import forget_lead
from bot.leads.unit_of_work import UnitOfWork
from bot.sources.registry import SOURCES
from storage.models import Lead, Outbox, Transition
from storage.rows import LeadRow
from tests.support.ingest import INGEST_ONLY, live_app
from tests.support.slack import slack_app
from tests.support.sources import SECRETS, activities, deliver, events, fixture, leads


@pytest.fixture
def app(db_url):
    with live_app(db_url, features=INGEST_ONLY, **SECRETS) as live:
        yield live


def typeform(title: str, fields: list[tuple], *, hidden: dict | None = None, event: str = "ev1"):
    """A Typeform response: ``fields`` are (ref, title, field type, answer without ``field``)."""
    return json.dumps(
        {
            "event_id": event,
            "event_type": "form_response",
            "form_response": {
                "form_id": "frm1",
                "token": f"tok-{event}",
                "submitted_at": datetime.now(UTC).isoformat(),
                "hidden": hidden or {},
                "definition": {
                    "id": "frm1",
                    "title": title,
                    "fields": [
                        {"id": f"id_{ref}", "ref": ref, "title": text, "type": kind, **extra}
                        for ref, text, kind, _, *rest in fields
                        for extra in [rest[0] if rest else {}]
                    ],
                },
                "answers": [
                    {**answer, "field": {"id": f"id_{ref}", "type": kind}}
                    for ref, _, kind, answer, *_ in fields
                    if answer is not None
                ],
            },
        },
        ensure_ascii=False,
    ).encode()


def test_unusual_field_types_become_fields_or_attributes(app) -> None:
    matrix = {
        "properties": {
            "fields": [
                {
                    "id": "id_row_speed",
                    "ref": "row_speed",
                    "title": "Speed",
                    "type": "multiple_choice",
                },
                {
                    "id": "id_row_price",
                    "ref": "row_price",
                    "title": "Price",
                    "type": "multiple_choice",
                },
            ]
        }
    }
    body = typeform(
        "Contact us",
        [
            (
                "mail",
                "Where can we reach you?",
                "email",
                {"type": "email", "email": "Ana@Example.PT"},
            ),
            (
                "tel",
                "Best number to call",
                "phone_number",
                {"type": "phone_number", "phone_number": "+351 21 123 4567"},
            ),
            (
                "plan",
                "Which plan interests you?",
                "multiple_choice",
                {"type": "choice", "choice": {"label": "Enterprise"}},
            ),
            (
                "tools",
                "Which tools do you use?",
                "multiple_choice",
                {"type": "choices", "choices": {"labels": ["Slack", "HubSpot"], "other": "Notion"}},
            ),
            (
                "deck",
                "Upload your RFP",
                "file_upload",
                {"type": "file_url", "file_url": "https://files.example/rfp.pdf"},
            ),
            ("rating", "Rate us", "matrix", None, matrix),
            (
                "row_speed",
                "Speed",
                "multiple_choice",
                {"type": "choice", "choice": {"label": "Good"}},
            ),
            (
                "row_price",
                "Price",
                "multiple_choice",
                {"type": "choice", "choice": {"label": "Fair"}},
            ),
            ("agree", "I accept the terms", "legal", {"type": "boolean", "boolean": True}),
            (
                "size",
                "How many employees?",
                "dropdown",
                {"type": "choice", "choice": {"label": "51-200"}},
            ),
            (
                "whatever",
                "A question added last week",
                "brand_new_type",
                {"type": "brand_new_type", "brand_new_type": {"nested": [1, 2]}},
            ),
        ],
        hidden={"utm_source": "newsletter", "utm_medium": "email", "partner": "acme"},
    )
    response = deliver(app, "typeform", body)
    assert response.status_code == 202, response.text
    lead = leads(app)["ana@example.pt"]
    assert lead["phone"] == "+351211234567"
    assert lead["company_size"] == 51
    assert lead["source"] == "newsletter"  # no form or source default: the utm_source
    assert lead["utm"] == {"utm_source": "newsletter", "utm_medium": "email"}
    assert lead["attributes"] == {
        "plan": "Enterprise",
        "tools": ["Slack", "HubSpot", "Notion"],
        "deck": "https://files.example/rfp.pdf",
        "row_speed": "Good",
        "row_price": "Fair",
        "agree": True,
        "whatever": {"nested": [1, 2]},
        "partner": "acme",
    }
    [activity] = activities(app)
    assert activity["properties"]["form_name"] == "Contact us"


def test_non_ascii_names_and_labels_are_kept(app) -> None:
    payload = json.loads(fixture("tally", "payload_docs_example_all_field_types.json"))
    payload["eventId"] = "non-ascii-1"
    payload["data"]["fields"] = [
        {"key": "q_name", "label": "Vollständiger Name", "type": "INPUT_TEXT",
         "value": "Zoë Ångström-Łukasiewicz"},
        {"key": "q_mail", "label": "E-Mail", "type": "INPUT_EMAIL",
         "value": "zoe@ångström.example"},
        {"key": "q_firma", "label": "Firma", "type": "INPUT_TEXT", "value": "株式会社ミライ"},
        {"key": "q_size", "label": "Größe des Teams", "type": "INPUT_TEXT", "value": "12"},
        {"key": "q_role", "label": "職種", "type": "INPUT_TEXT", "value": "エンジニア"},
    ]  # fmt: skip
    body = json.dumps(payload, ensure_ascii=False).encode()
    response = deliver(app, "tally", body)
    assert response.status_code == 202, response.text
    [lead] = leads(app).values()
    assert lead["email"] == "zoe@ångström.example"
    assert (lead["first_name"], lead["last_name"]) == ("Zoë", "Ångström-Łukasiewicz")
    assert lead["company"] == "株式会社ミライ"
    assert lead["attributes"] == {"grosse_des_teams": "12", "q_role": "エンジニア"}


def test_a_value_too_long_for_its_field_is_left_out_with_a_warning(app) -> None:
    body = typeform(
        "Contact us",
        [
            ("email", "Email", "email", {"type": "email", "email": "long@example.com"}),
            ("company", "Company", "short_text", {"type": "text", "text": "x" * 400}),
        ],
    )
    response = deliver(app, "typeform", body)
    assert response.status_code == 202, response.text
    assert any("lead.company" in w and "left out" in w for w in response.json()["warnings"])
    assert leads(app)["long@example.com"]["company"] is None
    assert events(app)[0]["payload"] == json.loads(body)  # the stored payload keeps it


def test_an_invalid_email_keeps_the_payload_for_audit(app) -> None:
    body = typeform(
        "Contact us", [("email", "Email", "short_text", {"type": "text", "text": "nope@"})]
    )
    response = deliver(app, "typeform", body)
    assert response.status_code == 202
    assert events(app)[0]["status"] == "unmapped"
    assert app.counts()["lead"] == 0


def test_segment_events_reach_the_lead_through_its_user_id(app) -> None:
    for name in ("identify", "track", "group"):
        body = fixture("segment", f"payload_webhooks_destination_{name}.json")
        response = deliver(app, "segment", body)
        assert response.status_code == 202, response.text
    lead = leads(app)["achilles@segment.com"]
    assert (lead["company"], lead["industry"], lead["company_size"]) == (
        "Initech",
        "Technology",
        329,
    )
    assert [(a["lead_id"], a["type"]) for a in activities(app)] == [
        (lead["id"], "purchased_an_item")
    ]
    assert {e["status"] for e in events(app)} == {"accepted"}
    other_user = deliver(app, "segment", fixture("segment", "payload_spec_track_complete.json"))
    assert other_user.json()["lead_id"] is None
    assert "user:AiUGstSDIg" in other_user.json()["warnings"][-1]


def test_segment_batch_joins_whatever_the_order(app) -> None:
    track = {"type": "track", "messageId": "m-track", "userId": "u-42", "event": "Demo Requested"}
    identify = {"type": "identify", "messageId": "m-id", "userId": "u-42",
                "traits": {"email": "ida@example.com", "title": "CTO"}}  # fmt: skip
    response = deliver(app, "segment", json.dumps([track, identify]).encode())
    assert response.status_code == 202, response.text
    lead_ids = {result["lead_id"] for result in response.json()["results"]}
    assert lead_ids == {leads(app)["ida@example.com"]["id"]}
    assert [a["type"] for a in activities(app)] == ["demo_request"]


def test_erasing_a_lead_forgets_its_aliases(app) -> None:
    deliver(app, "segment", fixture("segment", "payload_webhooks_destination_identify.json"))
    with UnitOfWork(app.engine).begin() as work:
        lead = LeadRow.from_mapping(work.conn.execute(select(Lead.__table__)).mappings().one())
        forget_lead(work, lead, now=datetime.now(UTC))
    response = deliver(
        app, "segment", fixture("segment", "payload_webhooks_destination_track.json")
    )
    assert response.status_code == 202 and response.json()["lead_id"] is None


def test_calendly_routing_form_and_no_show_join_the_invitee(app) -> None:
    deliver(app, "calendly", fixture("calendly", "payload_docs_invitee_created_SECONDHAND.json"))
    routing = fixture("calendly", "payload_docs_routing_form_submission_created_SECONDHAND.json")
    assert deliver(app, "calendly", routing).status_code == 202
    no_show = {
        "event": "invitee_no_show.created",
        "created_at": "2020-11-24T10:00:00.000000Z",
        "payload": {
            "uri": "https://api.calendly.com/invitee_no_shows/NS1",
            "invitee": "https://api.calendly.com/scheduled_events/AAAAAAAAAAAAAAAA/invitees/AAAAAAAAAAAAAAAA",
            "created_at": "2020-11-24T10:00:00.000000Z",
        },
    }
    assert deliver(app, "calendly", json.dumps(no_show).encode()).status_code == 202
    lead = leads(app)["test@example.com"]
    assert lead["industry"] == "IT & Software"
    assert [a["type"] for a in activities(app)] == [
        "meeting_booked",
        "form_submit",
        "meeting_no_show",
    ]
    assert {a["lead_id"] for a in activities(app)} == {lead["id"]}


MAPPING = """
sources:
  typeform:
    fields:
      readable_ref_multiple_choice: attributes.favourite_city
      Readable_Ref_Long_Text: ignore
    forms:
      lT4Z3j: {activity: demo_request, source: website, campaign: city-survey}
  segment:
    activities:
      "purchased an item": purchase
"""


def test_the_rules_file_overrides_fields_activities_and_form_defaults(db_url) -> None:
    rules = parse_config(default_rules_text().replace("sources: {}\n", MAPPING.lstrip()))
    with live_app(db_url, features=INGEST_ONLY, rules=rules, **SECRETS) as app:
        deliver(app, "typeform", fixture("typeform", "payload_example_2023_via_triggerdev.json"))
        deliver(app, "segment", fixture("segment", "payload_webhooks_destination_identify.json"))
        deliver(app, "segment", fixture("segment", "payload_webhooks_destination_track.json"))
        laura = leads(app)["laura@example.com"]
        assert (laura["source"], laura["campaign"]) == ("website", "city-survey")
        assert laura["attributes"]["favourite_city"] == "London"
        assert "readable_ref_long_text" not in laura["attributes"]
        assert [a["type"] for a in activities(app)] == ["demo_request", "purchase"]


async def test_a_typeform_fill_then_a_calendly_booking_is_one_lead_qualified_once(db_url) -> None:
    contact = typeform(
        "Contact us",
        [
            (
                "email",
                "Work email",
                "email",
                {"type": "email", "email": "hannah.weber@lumenwerk.example"},
            ),
            ("name", "Your name", "short_text", {"type": "text", "text": "Hannah Weber"}),
            ("role", "Job title", "short_text", {"type": "text", "text": "VP Marketing"}),
            ("company", "Company", "short_text", {"type": "text", "text": "Lumenwerk GmbH"}),
            ("size", "Company size", "short_text", {"type": "text", "text": "201-500"}),
            ("country", "Country", "short_text", {"type": "text", "text": "Germany"}),
        ],
    )
    booking = json.loads(fixture("calendly", "payload_docs_invitee_created_SECONDHAND.json"))
    booking["payload"].update(
        email="Hannah.Weber@Lumenwerk.example",
        name="Hannah Weber",
        created_at=datetime.now(UTC).isoformat(),
    )
    booking_body = json.dumps(booking).encode()
    async with slack_app(db_url, **SECRETS) as app:

        async def send(vendor: str, body: bytes) -> int:
            source = SOURCES[vendor]
            headers = source.sign(body, SECRETS[source.setting], datetime.now(UTC))
            response = await app.http.post(source.path, content=body, headers=headers)
            return response.status_code

        assert await send("typeform", contact) == 202
        with app.services.engine.connect() as conn:
            assert conn.execute(select(Lead.stage)).scalar_one() == "new"  # a form is not enough
        assert await send("calendly", booking_body) == 202
        assert await send("calendly", booking_body) == 200
        await app.ws.wait_for_calls("chat.postMessage", 3)  # marketing, sales and urgent
        await _outbox_drained(app.services.engine)
        with app.services.engine.connect() as conn:
            [lead] = conn.execute(select(Lead.__table__)).mappings().all()
            moves = (
                conn.execute(select(Transition.to_stage).where(Transition.lead_id == lead["id"]))
                .scalars()
                .all()
            )
        assert lead["stage"] == "mql" and lead["hot"] is True
        assert moves == ["mql"]
        assert len(app.ws.calls("chat.postMessage")) == 3
        assert [m.channel for m in app.cards("C0SALES")] == ["C0SALES"]


async def _outbox_drained(engine, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            waiting = conn.execute(
                select(func.count())
                .select_from(Outbox)
                .where(Outbox.status.in_(["pending", "in_flight"]))
            ).scalar_one()
        if waiting == 0:
            return
        await asyncio.sleep(0.02)
    raise TimeoutError("the outbox did not drain")
