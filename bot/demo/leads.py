"""Sample leads for a first look: a realistic stream of signed events to a running server.

The leads are chosen against the packaged rules (``bot/config/defaults/rules.yaml``,
threshold 60 with at least 15 fit and 10 engagement): some become MQLs (a
few of them hot, having asked for a demo or a call), some are disqualified
by the default rules (personal email, competitor, outside the service area)
and some stay below the threshold. Each lead says what it should become,
and a test holds the rules to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import httpx

Outcome = Literal["mql", "disqualified", "below threshold"]
#: one thing a lead did: activity type, properties, and how long ago
Activity = tuple[str, dict[str, Any], timedelta]

_MIN = timedelta(minutes=1)


@dataclass(frozen=True)
class SampleLead:
    profile: dict[str, Any]
    activities: tuple[Activity, ...]
    expect: Outcome
    hot: bool = False

    @property
    def email(self) -> str:
        return str(self.profile["email"])

    @property
    def name(self) -> str:
        return f"{self.profile['first_name']} {self.profile['last_name']}"

    def describe(self) -> str:
        """``VP of Marketing at Northwind Analytics (DE)`` for progress lines."""
        where = self.profile.get("company") or "no company"
        return f"{self.profile.get('job_title', 'no title')} at {where} ({self.profile['country']})"

    def expectation(self) -> str:
        """``MQL (hot)``, ``MQL``, ``disqualified`` or ``below threshold``."""
        shown = "MQL" if self.expect == "mql" else self.expect
        return f"{shown} (hot)" if self.hot else shown


def _lead(
    email: str, name: str, title: str, company: str | None, country: str, **more: Any
) -> dict[str, Any]:
    first, last = name.split(" ", 1)
    profile: dict[str, Any] = {
        "email": email,
        "first_name": first,
        "last_name": last,
        "job_title": title,
    }
    profile |= {"company": company, "country": country, **more}
    return {k: v for k, v in profile.items() if v is not None}


def sample_leads() -> list[SampleLead]:
    """Twelve leads, in the order they are sent; six become MQLs, three of them hot."""
    page = "page_view"
    return [
        SampleLead(
            _lead(
                "maria.schmidt@northwind.example",
                "Maria Schmidt",
                "VP of Marketing",
                "Northwind Analytics",
                "Germany",
                company_size="201-500",
                industry="Software",
                source="website",
            ),
            (
                (page, {"path": "/features"}, 40 * _MIN),
                ("pricing_view", {}, 25 * _MIN),
                ("demo_request", {"page": "/demo"}, 2 * _MIN),
            ),
            "mql",
            hot=True,
        ),
        SampleLead(
            _lead(
                "lucas.martin@atelier-dupont.example",
                "Lucas Martin",
                "Marketing Manager",
                "Atelier Dupont",
                "France",
                company_size=25,
                industry="Marketing",
                source="newsletter",
            ),
            (
                ("newsletter_signup", {}, 90 * _MIN),
                (page, {"path": "/blog/lead-scoring"}, 30 * _MIN),
                (page, {"path": "/blog/slack-tips"}, 20 * _MIN),
            ),
            "below threshold",
        ),
        SampleLead(
            _lead(
                "priya.patel@gmail.com", "Priya Patel", "Student", None, "India", source="website"
            ),
            (
                ("content_download", {"asset": "lead-scoring-guide.pdf"}, 50 * _MIN),
                ("demo_request", {"page": "/demo"}, 10 * _MIN),
            ),
            "disqualified",
        ),
        SampleLead(
            _lead(
                "james.oconnor@brightwave.example",
                "James O'Connor",
                "Head of Revenue Operations",
                "Brightwave Health",
                "IE",
                company_size=120,
                industry="Healthcare",
                source="webinar",
            ),
            (
                ("webinar", {"title": "Scoring leads that sales trusts"}, 3 * 60 * _MIN),
                ("content_download", {"asset": "mql-playbook.pdf"}, 2 * 60 * _MIN),
                (page, {"path": "/pricing"}, 15 * _MIN),
            ),
            "mql",
        ),
        SampleLead(
            _lead(
                "tom.becker@competitor.example",
                "Tom Becker",
                "Head of Sales",
                "Competitor Inc.",
                "DE",
                company_size=300,
                source="website",
            ),
            (("pricing_view", {}, 30 * _MIN), ("demo_request", {"page": "/demo"}, 5 * _MIN)),
            "disqualified",
        ),
        SampleLead(
            _lead(
                "aiko.tanaka@kumo-robotics.example",
                "Aiko Tanaka",
                "CTO",
                "Kumo Robotics",
                "Japan",
                company_size=60,
                industry="Manufacturing",
                source="partner",
            ),
            (("contact_request", {"message": "Can we talk about an API integration?"}, 3 * _MIN),),
            "mql",
            hot=True,
        ),
        SampleLead(
            _lead(
                "noah.williams@peak-outdoor.example",
                "Noah Williams",
                "Sales Intern",
                "Peak Outdoor",
                "US",
                company_size=15,
                source="ads",
            ),
            (
                ("pricing_view", {}, 45 * _MIN),
                ("webinar", {"title": "Intro to leadbot"}, 35 * _MIN),
            ),
            "below threshold",
        ),
        SampleLead(
            _lead(
                "sofia.rossi@lumen-retail.example",
                "Sofia Rossi",
                "Director of Growth",
                "Lumen Retail",
                "Italy",
                company_size=800,
                industry="Ecommerce",
                source="website",
            ),
            (
                ("content_download", {"asset": "benchmark-2026.pdf"}, 5 * 60 * _MIN),
                ("content_download", {"asset": "roi-calculator.xlsx"}, 3 * 60 * _MIN),
                ("webinar", {"title": "Scoring leads that sales trusts"}, 60 * _MIN),
                ("pricing_view", {}, 8 * _MIN),
            ),
            "mql",
        ),
        SampleLead(
            _lead(
                "carlos.mendes@sertao-agro.example",
                "Carlos Mendes",
                "CEO",
                "Sertão Agro",
                "Brazil",
                company_size=400,
                source="website",
            ),
            (("demo_request", {"page": "/demo"}, 6 * _MIN),),
            "disqualified",
        ),
        SampleLead(
            _lead(
                "emma.johansson@fjord-fintech.example",
                "Emma Johansson",
                "Head of Marketing",
                "Fjord Fintech",
                "Sweden",
                company_size=45,
                industry="Fintech",
                source="product",
            ),
            (
                ("trial_signup", {"plan": "team"}, 2 * 60 * _MIN),
                ("pricing_view", {}, 60 * _MIN),
                ("pricing_view", {}, 4 * _MIN),
            ),
            "mql",
        ),
        SampleLead(
            _lead(
                "daniel.kim@cobalt-systems.example",
                "Daniel Kim",
                "Product Manager",
                "Cobalt Systems",
                "US",
                company_size=40,
                industry="Software",
                source="email",
            ),
            (
                (page, {"path": "/blog/webhooks"}, 70 * _MIN),
                (page, {"path": "/docs"}, 65 * _MIN),
                ("email_click", {"campaign": "november-newsletter"}, 60 * _MIN),
            ),
            "below threshold",
        ),
        SampleLead(
            _lead(
                "olivia.brown@harbor-logistics.example",
                "Olivia Brown",
                "COO",
                "Harbor Logistics",
                "Australia",
                company_size="1000+",
                industry="Logistics",
                phone="+61 2 9374 4000",
                source="website",
            ),
            ((page, {"path": "/customers"}, 12 * _MIN), ("demo_request", {"page": "/demo"}, _MIN)),
            "mql",
            hot=True,
        ),
    ]


def lead_events(lead: SampleLead, now: datetime) -> Iterator[dict[str, Any]]:
    """The lead's activities as generic-webhook events, oldest first."""
    for kind, properties, ago in sorted(lead.activities, key=lambda a: a[2], reverse=True):
        yield {
            "type": "lead.activity",
            "occurred_at": (now - ago).isoformat(),
            "lead": lead.profile,
            "activity": {"type": kind, "properties": properties},
        }


def send_demo(
    client: httpx.Client,
    base_url: str,
    secret: str,
    *,
    leads: list[SampleLead] | None = None,
    pause: Callable[[], None] = lambda: None,
    report: Callable[[SampleLead, httpx.Response], None] = lambda _lead, _response: None,
) -> list[httpx.Response]:
    """Send each lead's events, signed, to ``base_url``'s generic webhook.

    ``report`` is told about every lead once its events are sent (with the
    last response); ``pause`` runs between leads, so a watcher sees the
    cards arrive one by one. Stops at the first refused event.
    """
    from bot.demo.client import send_event  # signing is needed only once something is sent

    endpoint = base_url.rstrip("/") + "/webhooks/generic"
    now = datetime.now(UTC)
    responses: list[httpx.Response] = []
    for lead in sample_leads() if leads is None else leads:
        for event in lead_events(lead, now):
            response = send_event(client, endpoint, secret, event)
            responses.append(response)
            if not response.is_success:
                report(lead, response)
                return responses
        report(lead, responses[-1])
        pause()
    return responses
