"""Each vendor's payload as generic events: pure, no HTTP, no database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.config.sources import SourcesConfig
from bot.sources import calendly, segment, tally, typeform, unbounce, webflow
from bot.sources.delivery import Delivery, PayloadError, SourceEvent
from bot.sources.inbound import inbound_events
from tests.support.sources import FIXTURES

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
PLAIN = SourcesConfig()


def read(vendor: str, name: str) -> bytes:
    return (FIXTURES / vendor / f"payload_{name}.json").read_bytes()


def translate(
    module: Any, body: bytes, content_type: str = "application/json"
) -> list[SourceEvent]:
    return module.translate(Delivery("POST", "u", {"content-type": content_type}, body), PLAIN, NOW)


def test_tally_resolves_option_ids_and_drops_the_checkbox_echoes() -> None:
    [event] = translate(tally, read("tally", "docs_example_all_field_types"))
    attributes = event.document["lead"]["attributes"]
    assert attributes["multiple_choice"] == "In progress"
    assert attributes["checkboxes"] == ["Swimming", "Skiing"]
    assert attributes["ranking"] == ["Pear", "Apple", "Banana"]
    assert attributes["matrix"] == {"Quality": ["Satisfied"], "Speed": ["Neutral"]}
    assert not any(key.startswith("checkboxes_") for key in attributes)
    assert event.aliases == ("respondent:dwQKYm",)
    assert event.document["id"] == "a4cb511e-d513-4fa5-baee-b815d718dfd1"


def test_typeform_keeps_author_refs_but_not_generated_ones() -> None:
    payload = json.loads(read("typeform", "example_2023_via_triggerdev"))
    payload["form_response"]["definition"]["fields"][0]["ref"] = "01GRC8GR2017M6WW347T86VV39"
    [event] = translate(typeform, json.dumps(payload).encode())
    attributes = event.document["lead"]["attributes"]
    assert "thanks_answer_60906475_what_s_it_like_where_you_live_tell_us_in" in attributes
    assert attributes["readable_ref_picture_choice"] == ["London", "Sydney"]
    assert event.document["activity"]["properties"]["score"] == 9


def test_webflow_reads_the_legacy_body_and_numeric_phones() -> None:
    [legacy] = translate(webflow, read("webflow", "docs_v1_legacy_form_submission"))
    assert legacy.document["lead"]["name"] == "Some One"
    assert legacy.document["id"] == "6321ca84df3949bfc6752327"
    [v2] = translate(webflow, read("webflow", "docs_form_submission_example"))
    assert v2.document["lead"]["phone"] == "+15550000000"
    assert v2.document["occurred_at"] == "2022-09-14T12:35:16.117000+00:00"


def test_calendly_ids_and_aliases_are_the_invitee() -> None:
    [created] = translate(calendly, read("calendly", "docs_invitee_created_SECONDHAND"))
    [routing] = translate(
        calendly, read("calendly", "docs_routing_form_submission_created_SECONDHAND")
    )
    assert created.document["id"].startswith("invitee.created:https://api.calendly.com/")
    assert created.aliases == routing.aliases  # api.calendly.com and calendly.com hosts
    assert "email" not in routing.document["lead"]
    rescheduled = json.loads(read("calendly", "docs_invitee_canceled_SECONDHAND"))
    rescheduled["payload"]["rescheduled"] = True
    [moved] = translate(calendly, json.dumps(rescheduled).encode())
    assert moved.document["activity"]["type"] == "meeting_rescheduled"


def test_segment_reads_reserved_traits_and_batches() -> None:
    [identify] = translate(segment, read("segment", "spec_identify_complete"))
    lead = identify.document["lead"]
    assert (lead["email"], lead["name"], lead["country"]) == (
        "peter@example.com",
        "Peter Gibbons",
        "USA",
    )
    assert identify.aliases == ("user:97980cfea0067", "anonymous:507f191e810c19729de860ea")
    track = {"type": "track", "messageId": "m1", "userId": "u1", "event": "Trial Started",
             "properties": {"total billed": 830, "plan": "pro"}}  # fmt: skip
    for body in (json.dumps([track, track]), json.dumps({"batch": [track]})):
        events = translate(segment, body.encode())
        assert {e.document["activity"]["type"] for e in events} == {"trial_signup"}
    [event] = translate(segment, json.dumps(track).encode())
    assert event.document["activity"]["properties"] == {
        "event": "Trial Started",
        "total_billed": 830,
        "plan": "pro",
    }
    [alias] = translate(segment, b'{"type":"alias","previousId":"a","userId":"b","messageId":"m9"}')
    assert alias.problem is not None and "alias" in alias.problem


def test_segment_user_id_that_is_an_email_names_the_lead() -> None:
    [event] = translate(
        segment, b'{"type":"track","event":"Pricing Viewed","userId":"Ana@Acme.example"}'
    )
    assert event.document["lead"]["email"] == "Ana@Acme.example"
    assert event.document["activity"]["type"] == "pricing_view"


def test_unbounce_arrays_time_and_url_utm() -> None:
    submission = json.loads(read("unbounce", "docs_form_submit_data_json"))
    submission["interests"] = ["a", "b"]
    form = urlencode({"page_id": "p1", "page_url": "https://x.example/?utm_source=ads&x=1",
                      "data.json": json.dumps(submission)}).encode()  # fmt: skip
    [event] = translate(unbounce, form, "application/x-www-form-urlencoded")
    assert event.document["occurred_at"] == "2023-06-06T22:57:00+00:00"
    lead = event.document["lead"]
    assert lead["email"] == "test@test.com" and lead["utm"] == {"utm_source": "ads"}
    assert lead["attributes"] == {"interests": ["a", "b"]}  # the page's own fields are not answers
    [again] = translate(unbounce, form, "application/x-www-form-urlencoded")
    assert again.document["id"] == event.document["id"]
    submission["email"] = ["other@test.com"]
    other = urlencode({"page_id": "p1", "data.json": json.dumps(submission)}).encode()
    [second] = translate(unbounce, other, "application/x-www-form-urlencoded")
    assert second.document["id"] != event.document["id"]  # same page, same minute, another person


def test_a_body_that_cannot_be_decoded_is_a_payload_error() -> None:
    with pytest.raises(PayloadError):
        translate(typeform, b"not json")
    with pytest.raises(PayloadError):
        translate(unbounce, b"data.json=%7Bbroken", "application/x-www-form-urlencoded")


def test_inbound_validates_like_the_generic_route() -> None:
    [event] = inbound_events(
        translate(webflow, read("webflow", "docs_form_submission_example")), NOW
    )
    assert event.profile.email == "zaphod@heartofgold.ai"
    assert event.profile.fields["phone"] == "+15550000000"
    assert event.raw["payload"]["id"] == "6321ca84df3949bfc6752327"  # the vendor's payload
    nul = SourceEvent({"id": "n1", "type": "lead.profile", "lead": {"email": "a@b.example",
                       "attributes": {"note": "a\x00b"}}}, {"x": "a\x00b"})  # fmt: skip
    [cleaned] = inbound_events([nul], NOW)
    assert cleaned.raw == {"x": "ab"} and "note" not in cleaned.profile.attributes
    assert any("NUL" in w for w in cleaned.profile.warnings)
