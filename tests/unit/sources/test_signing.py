"""Signature checks against the published vectors, and the traps each scheme sets."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from bot.sources import calendly, jsjson, segment, tally, typeform, unbounce, webflow
from bot.sources.delivery import Delivery, SignatureError
from bot.sources.signing import encode, hmac_digest
from handlers.webhooks.generic import standard_headers
from tests.support.sources import FIXTURES

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def delivery(body: bytes, **headers: str) -> Delivery:
    return Delivery("POST", "https://leads.example/webhooks/x", headers, body)


def test_typeform_vector_verifies_and_its_wrong_secret_does_not() -> None:
    body = (FIXTURES / "typeform" / "payload_example_2023_compact_signed_bytes.json").read_bytes()
    signed = delivery(
        body, **{"typeform-signature": "sha256=VsvwNrh0fT5VWF+05H3azXZXJyFkhHTtONMxIVm6PZ4="}
    )
    typeform.verify(signed, "123456", NOW)
    with pytest.raises(SignatureError, match="does not match"):
        typeform.verify(signed, "123", NOW)
    assert (
        typeform.sign(body, "123456", NOW)["Typeform-Signature"]
        == signed.headers["typeform-signature"]
    )


@pytest.mark.parametrize(
    ("secret", "msg_id", "stamp", "file", "expected", "forged"),
    [
        (
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
            "payload_testvector_python_js_go_ruby.json",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=",
        ),
        (
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553,
            "payload_testvector_rust.json",
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
            "v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=",
        ),
    ],
    ids=["python-js-go-ruby", "rust"],
)  # fmt: skip
def test_standard_webhooks_vectors(secret, msg_id, stamp, file, expected, forged) -> None:
    """The generic route's scheme: the vectors sign as published, under either header spelling."""
    body = (FIXTURES / "standard-webhooks" / file).read_text()
    assert Webhook(secret).sign(msg_id, datetime.fromtimestamp(stamp, UTC), body) == expected
    assert expected != forged
    svix = standard_headers(
        {"Svix-Id": msg_id, "Svix-Timestamp": str(stamp), "Svix-Signature": expected}
    )
    assert svix["webhook-id"] == msg_id and svix["webhook-signature"] == expected
    both = standard_headers({"webhook-id": "a", "svix-id": "b"})
    assert both["webhook-id"] == "a"


def test_tally_accepts_the_raw_or_the_re_serialised_body_only() -> None:
    pretty = (FIXTURES / "tally" / "payload_docs_example_all_field_types.json").read_bytes()
    compact = jsjson.stringify(json.loads(pretty)).encode()
    signature = encode(hmac_digest("s3cret", compact), "base64")
    tally.verify(delivery(compact, **{"tally-signature": signature}), "s3cret", NOW)
    tally.verify(delivery(pretty, **{"tally-signature": signature}), "s3cret", NOW)
    changed = pretty.replace(b"alice@example.com", b"alice@example.org")
    with pytest.raises(SignatureError):
        tally.verify(delivery(changed, **{"tally-signature": signature}), "s3cret", NOW)


def test_segment_is_hex_hmac_sha1() -> None:
    body = b'{"type":"identify","userId":"u1"}'
    headers = segment.sign(body, "abc123", NOW)
    assert headers["X-Signature"] == hmac_digest("abc123", body, "sha1").hex()
    segment.verify(delivery(body, **{"x-signature": headers["X-Signature"].upper()}), "abc123", NOW)
    sha256 = hmac_digest("abc123", body).hex()
    with pytest.raises(SignatureError):
        segment.verify(delivery(body, **{"x-signature": sha256}), "abc123", NOW)


def _webflow(body: bytes, stamp: str, secret: str = "wf") -> Delivery:
    signature = encode(hmac_digest(secret, stamp.encode() + b":" + body), "hex")
    return delivery(body, **{"x-webflow-timestamp": stamp, "x-webflow-signature": signature})


def test_webflow_timestamps_are_milliseconds_within_five_minutes() -> None:
    body = b'{"triggerType":"form_submission"}'
    millis = int(NOW.timestamp() * 1000)
    webflow.verify(_webflow(body, str(millis - 299_000)), "wf", NOW)
    with pytest.raises(SignatureError, match="too old"):
        webflow.verify(_webflow(body, str(millis - 301_000)), "wf", NOW)
    with pytest.raises(SignatureError, match="too old"):  # seconds read as milliseconds: 1970
        webflow.verify(_webflow(body, str(millis // 1000)), "wf", NOW)
    with pytest.raises(SignatureError, match="future"):
        webflow.verify(_webflow(body, str(millis + 400_000)), "wf", NOW)
    signed = _webflow(body, str(millis))
    tampered = Delivery(
        "POST", signed.url, {**signed.headers, "x-webflow-timestamp": str(millis - 1)}, body
    )
    with pytest.raises(SignatureError, match="does not match"):
        webflow.verify(tampered, "wf", NOW)


def test_calendly_tolerance_and_rotated_signatures() -> None:
    body = b'{"event":"invitee.created"}'
    fresh = calendly.sign(body, "key", NOW - timedelta(minutes=2, seconds=59))
    calendly.verify(delivery(body, **{k.lower(): v for k, v in fresh.items()}), "key", NOW)
    stale = calendly.sign(body, "key", NOW - timedelta(minutes=3, seconds=1))
    with pytest.raises(SignatureError, match="too old"):
        calendly.verify(delivery(body, **{k.lower(): v for k, v in stale.items()}), "key", NOW)
    header = fresh["Calendly-Webhook-Signature"]
    rotated = header.replace("v1=", "v1=" + "0" * 64 + ",v1=")
    calendly.verify(delivery(body, **{"calendly-webhook-signature": rotated}), "key", NOW)
    with pytest.raises(SignatureError, match="must read"):
        calendly.verify(delivery(body, **{"calendly-webhook-signature": "v1=abc"}), "key", NOW)


def test_unbounce_token_from_the_url_or_a_bearer_header() -> None:
    unbounce.verify(Delivery("POST", "u", {}, b"", token="tok-123"), "tok-123", NOW)
    unbounce.verify(delivery(b"", authorization="Bearer tok-123"), "tok-123", NOW)
    with pytest.raises(SignatureError, match="does not match"):
        unbounce.verify(Delivery("POST", "u", {}, b"", token="tok-124"), "tok-123", NOW)
    with pytest.raises(SignatureError, match="missing token"):
        unbounce.verify(delivery(b"", authorization="Basic dG9rLTEyMw=="), "tok-123", NOW)


#: what Node.js 20's JSON.stringify(JSON.parse(text)) writes, for each text (run once, copied)
NODE = [
    ("10.0", "10"),
    ("1e-7", "1e-7"),
    ("1e21", "1e+21"),
    ("1e20", "100000000000000000000"),
    ("1.5e16", "15000000000000000"),
    ("0.000001234", "0.000001234"),
    ("-0.0", "0"),
    ("12345678901234567890", "12345678901234567000"),
    ("9007199254740993", "9007199254740992"),
    ("5e-324", "5e-324"),
    ('{"b":1,"2":2,"1":3,"a":[true,null]}', '{"1":3,"2":2,"b":1,"a":[true,null]}'),
    ('"x\\u2028\\u007f\\n\\u0001\\ud800"', '"x\u2028\x7f\\n\\u0001\\ud800"'),
    ('{"name": "Zoë", "n": 2.50}', '{"name":"Zoë","n":2.5}'),
]


@pytest.mark.parametrize(("text", "expected"), NODE)
def test_stringify_writes_what_node_writes(text: str, expected: str) -> None:
    assert jsjson.stringify(json.loads(text)) == expected
