"""A realistic, correctly signed delivery from each vendor, for ``leadbot demo --source NAME``.

Each sample is a person asking for a demo the way that vendor would carry
it (a Typeform "Request a demo" form, a Calendly booking, a Segment
``identify`` then ``track``…), chosen to qualify under the packaged rules, so
a newcomer sees the lead reach Slack. Ids and times are fresh on every call.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from bot.sources.registry import SOURCES


@dataclass(frozen=True)
class SampleRequest:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Sample:
    source: str
    #: who the lead is, for the progress line
    person: str
    email: str
    requests: list[SampleRequest]


def sample(name: str, secret: str, now: datetime) -> Sample:
    """The sample delivery of source ``name``, signed with ``secret``."""
    source = SOURCES[name]
    person, email, bodies = _BUILDERS[name](now)
    path = f"{source.path}/{secret}" if source.token_in_url else source.path
    requests = [SampleRequest(path, source.sign(body, secret, now), body) for body in bodies]
    if source.token_in_url:  # the URL carries the token: no credential header
        requests = [
            SampleRequest(r.path, {"content-type": r.headers["content-type"]}, r.body)
            for r in requests
        ]
    return Sample(name, person, email, requests)


def _json(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def _stamp(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _typeform(now: datetime) -> tuple[str, str, list[bytes]]:
    email = "hannah.weber@lumenwerk.example"
    questions: list[tuple[str, str, str, dict[str, Any]]] = [
        ("first_name", "What's your first name?", "short_text", {"type": "text", "text": "Hannah"}),
        ("last_name", "And your last name?", "short_text", {"type": "text", "text": "Weber"}),
        ("work_email", "Your work email", "email", {"type": "email", "email": email}),
        ("company", "Company name", "short_text", {"type": "text", "text": "Lumenwerk GmbH"}),
        ("role", "Your role", "short_text", {"type": "text", "text": "VP Marketing"}),
        ("team_size", "How many employees does your company have?", "multiple_choice",
         {"type": "choice", "choice": {"label": "201-500"}}),
        ("country", "Country", "dropdown", {"type": "choice", "choice": {"label": "Germany"}}),
        ("phone", "Phone number", "phone_number",
         {"type": "phone_number", "phone_number": "+49 30 901820"}),
    ]  # fmt: skip
    ids = {ref: uuid.uuid4().hex[:12] for ref, *_ in questions}
    payload = {
        "event_id": uuid.uuid4().hex[:10],
        "event_type": "form_response",
        "form_response": {
            "form_id": "dEm0Rq",
            "token": uuid.uuid4().hex,
            "landed_at": _stamp(now - timedelta(minutes=3)),
            "submitted_at": _stamp(now),
            "hidden": {"utm_source": "linkedin", "utm_campaign": "spring-demo"},
            "definition": {
                "id": "dEm0Rq",
                "title": "Request a demo",
                "fields": [
                    {"id": ids[ref], "ref": ref, "title": title, "type": kind}
                    for ref, title, kind, _ in questions
                ],
            },
            "answers": [
                {**answer, "field": {"id": ids[ref], "type": kind, "ref": ref}}
                for ref, _, kind, answer in questions
            ],
        },
    }
    return "Hannah Weber, VP Marketing at Lumenwerk GmbH (DE)", email, [_json(payload)]


def _tally(now: datetime) -> tuple[str, str, list[bytes]]:
    email = "siobhan.ni.bhriain@corrib-analytics.example"
    sizes = [{"id": str(uuid.uuid4()), "text": text} for text in ("1-50", "51-200", "201-1000")]
    fields = [
        {"key": "question_nm", "label": "Full name", "type": "INPUT_TEXT",
         "value": "Siobhán Ní Bhriain"},
        {"key": "question_em", "label": "Work email", "type": "INPUT_EMAIL", "value": email},
        {"key": "question_co", "label": "Company", "type": "INPUT_TEXT",
         "value": "Corrib Analytics"},
        {"key": "question_jt", "label": "Job title", "type": "INPUT_TEXT",
         "value": "Head of Growth"},
        {"key": "question_sz", "label": "Company size", "type": "MULTIPLE_CHOICE",
         "value": [sizes[1]["id"]], "options": sizes},
        {"key": "question_ct", "label": "Country", "type": "INPUT_TEXT", "value": "Ireland"},
        {"key": "question_ut", "label": "utm_source", "type": "HIDDEN_FIELDS",
         "value": "newsletter"},
    ]  # fmt: skip
    payload = {
        "eventId": str(uuid.uuid4()),
        "eventType": "FORM_RESPONSE",
        "createdAt": _stamp(now),
        "data": {
            "responseId": uuid.uuid4().hex[:6],
            "submissionId": uuid.uuid4().hex[:6],
            "respondentId": uuid.uuid4().hex[:6],
            "formId": "wMdem0",
            "formName": "Book a demo",
            "createdAt": _stamp(now),
            "fields": fields,
        },
    }
    return "Siobhán Ní Bhriain, Head of Growth at Corrib Analytics (IE)", email, [_json(payload)]


def _webflow(now: datetime) -> tuple[str, str, list[bytes]]:
    email = "mateo.garcia@brightlane.example"
    data = {
        "First Name": "Mateo",
        "Last Name": "García",
        "Work Email": email,
        "Company": "Brightlane",
        "Job Title": "Director of Sales Operations",
        "Company Size": "1000+",
        "Country": "Spain",
    }
    payload = {
        "triggerType": "form_submission",
        "payload": {
            "name": "Request a demo",
            "siteId": "65427cf400e02b306eaa049c",
            "data": data,
            "schema": [
                {
                    "fieldName": name,
                    "fieldType": "FormTextInput",
                    "fieldElementId": str(uuid.uuid4()),
                }
                for name in data
            ],
            "submittedAt": _stamp(now),
            "id": uuid.uuid4().hex[:24],
            "formId": "65429eadebe8a9f3a30fd3m0",
        },
    }
    return "Mateo García, Director of Sales Operations at Brightlane (ES)", email, [_json(payload)]


def _calendly(now: datetime) -> tuple[str, str, list[bytes]]:
    email = "amelia.clarke@northstar-freight.example"
    event, invitee = uuid.uuid4().hex[:16].upper(), uuid.uuid4().hex[:16].upper()
    answers = [
        ("Company", "Northstar Freight"),
        ("Job title", "Chief Operating Officer"),
        ("How many employees does your company have?", "650"),
        ("Country", "United Kingdom"),
    ]
    payload = {
        "event": "invitee.created",
        "created_at": _stamp(now),
        "created_by": "https://api.calendly.com/users/LEADBOTDEMO00001",
        "payload": {
            "uri": f"https://api.calendly.com/scheduled_events/{event}/invitees/{invitee}",
            "email": email,
            "name": "Amelia Clarke",
            "status": "active",
            "timezone": "Europe/London",
            "created_at": _stamp(now),
            "questions_and_answers": [
                {"question": q, "answer": a, "position": i} for i, (q, a) in enumerate(answers)
            ],
            "tracking": {"utm_source": "website", "utm_campaign": None},
            "scheduled_event": {
                "uri": f"https://api.calendly.com/scheduled_events/{event}",
                "name": "Product demo (30 min)",
                "start_time": _stamp(now + timedelta(days=2)),
                "end_time": _stamp(now + timedelta(days=2, minutes=30)),
                "event_type": "https://api.calendly.com/event_types/LEADBOTDEMO00002",
                "location": {"type": "google_conference"},
            },
        },
    }
    return "Amelia Clarke, COO at Northstar Freight (GB)", email, [_json(payload)]


def _segment(now: datetime) -> tuple[str, str, list[bytes]]:
    email = "daan.de.vries@polder-cloud.example"
    user = f"usr_{uuid.uuid4().hex[:8]}"
    identify = {
        "type": "identify",
        "messageId": str(uuid.uuid4()),
        "userId": user,
        "anonymousId": str(uuid.uuid4()),
        "timestamp": _stamp(now - timedelta(seconds=30)),
        "traits": {
            "email": email,
            "firstName": "Daan",
            "lastName": "de Vries",
            "title": "CTO",
            "company": {"name": "Polder Cloud", "employee_count": 85, "industry": "Software"},
            "address": {"city": "Utrecht", "country": "Netherlands"},
        },
    }
    track = {  # names the user only: it reaches the lead through the identify's user id
        "type": "track",
        "messageId": str(uuid.uuid4()),
        "userId": user,
        "event": "Demo Requested",
        "timestamp": _stamp(now),
        "properties": {"page": "/demo", "plan": "team"},
        "context": {"campaign": {"name": "autumn-launch", "source": "google"}},
    }
    person = "Daan de Vries, CTO at Polder Cloud (NL): an identify, then a track"
    return person, email, [_json(identify), _json(track)]


def _unbounce(now: datetime) -> tuple[str, str, list[bytes]]:
    email = "olivier.tremblay@erable-systems.example"
    url = "https://try.example.com/demo?utm_source=capterra&utm_campaign=q4-demo"
    submission = {
        "first_name": ["Olivier"],
        "last_name": ["Tremblay"],
        "email": [email],
        "company_name": ["Érable Systems"],
        "job_title": ["VP Customer Success"],
        "company_size": ["1000+"],
        "country": ["Canada"],
        "interests": ["Lead scoring", "Slack handoff"],
        "ip_address": ["203.0.113.7"],
        "page_uuid": ["a2838d98-4cf4-11df-a3fd-00163e372d58"],
        "variant": ["a"],
        "page_url": [url],
        "page_name": ["Book a demo – Q4 landing page"],
        "date_submitted": [now.strftime("%Y-%m-%d")],
        "time_submitted": [now.strftime("%I:%M %p UTC")],
    }
    form = {
        "page_id": "a2838d98-4cf4-11df-a3fd-00163e372d58",
        "page_name": "Book a demo – Q4 landing page",
        "page_url": url,
        "variant": "a",
        "data.json": json.dumps(submission, ensure_ascii=False),
    }
    person = "Olivier Tremblay, VP Customer Success at Érable Systems (CA)"
    return person, email, [urlencode(form).encode()]


_BUILDERS: dict[str, Callable[[datetime], tuple[str, str, list[bytes]]]] = {
    "typeform": _typeform,
    "tally": _tally,
    "webflow": _webflow,
    "calendly": _calendly,
    "segment": _segment,
    "unbounce": _unbounce,
}
