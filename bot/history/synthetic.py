"""A labelled lead history with a known generating model, written like a CRM export.

``leadbot demo --history`` writes one so the calibration walk-through runs
anywhere, and the tests and benchmarks use other *shapes* of it. The truth is
hidden in the file but documented here (and in docs/calibration.md), so one
can check what calibration finds:

* every lead has an unobserved *interest* ``u ~ N(0, 1)``; it drives what the
  lead does (visits, pricing page views, e-mail clicks, demo requests) and
  also adds ``0.5·u`` to the outcome's log-odds: behaviour is evidence of
  interest, never the whole of it;
* the log-odds of winning add up effects of the columns: seniority of the job
  title, a hump over company size peaking near 500 employees, industry,
  country and lead source (a dozen levels each, as common as the tables below
  say: referrals and partners are rare and the best), the
  logarithm of web visits, pricing page views and e-mail clicks up to a cap,
  more than ten minutes on the site, how long ago the first visit was, and a
  demo request; ``Newsletter`` and ``Pages per Visit`` carry nothing;
* three interactions: a demo request from a company under 10 employees is
  worth far less; a VP or director at a company of 200–5,000 earns extra; and
  many visits together with a pricing page view earn extra;
* the intercept is solved so that the share of won leads is ``base_rate``.

Leads from the last weeks are often still open (no outcome yet), as in a real
export. Every value comes from one seeded ``random.Random``: the same
arguments give the same file.
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

#: (job title, seniority effect on the log-odds, share of leads in %)
TITLES = (
    ("Marketing Manager", 0.5, 16),
    ("Software Engineer", -0.2, 14),
    ("Data Analyst", 0.0, 12),
    ("Product Manager", 0.3, 10),
    ("Student", -1.6, 9),
    ("Marketing Director", 0.9, 8),
    ("Founder", 0.8, 7),
    ("CEO", 1.0, 6),
    ("IT Director", 0.7, 6),
    ("Head of Growth", 1.0, 5),
    ("VP Marketing", 1.2, 4),
    ("VP Sales", 1.1, 3),
)
SENIOR = frozenset({"VP Marketing", "VP Sales", "Head of Growth", "Marketing Director"})
OWNERS = frozenset({"CEO", "Founder"})
FOCUS_INDUSTRIES = frozenset({"Software", "Financial Services"})
FOCUS_SOURCES = frozenset({"Webinar", "Review Site"})
INDUSTRIES = (
    ("Software", 0.6, 20),
    ("Retail", 0.0, 12),
    ("Manufacturing", 0.1, 11),
    ("Financial Services", 0.4, 10),
    ("Healthcare", 0.2, 9),
    ("Education", -0.4, 9),
    ("Consulting", -0.1, 8),
    ("Media", 0.0, 6),
    ("Logistics", 0.1, 5),
    ("Government", -0.6, 4),
    ("Energy", 0.2, 3),
    ("Non-profit", -0.8, 3),
)
COUNTRIES = (
    ("United States", 0.2, 30),
    ("United Kingdom", 0.2, 12),
    ("Germany", 0.2, 10),
    ("India", -0.5, 10),
    ("France", 0.0, 7),
    ("Canada", 0.1, 6),
    ("Netherlands", 0.1, 5),
    ("Australia", 0.1, 5),
    ("Spain", 0.0, 5),
    ("Brazil", -0.3, 4),
    ("Sweden", 0.1, 3),
    ("Japan", -0.2, 3),
)
#: referrals and partners are rare and the best leads, as in most businesses
SOURCES = (
    ("Organic Search", 0.2, 22),
    ("Paid Search", 0.0, 18),
    ("LinkedIn Ads", 0.0, 12),
    ("Content Download", -0.3, 11),
    ("Direct", 0.1, 8.1),
    ("Social Media", -0.4, 7),
    ("Webinar", 0.4, 6),
    ("Cold Outbound", -0.5, 6),
    ("Trade Show", 0.3, 4),
    ("Review Site", 0.3, 4),
    ("Referral", 1.0, 1.5),
    ("Partner", 0.7, 0.4),
)
_FIRST = ("Ada", "Ben", "Chloé", "Dev", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kai")
_LAST = ("Meyer", "Okafor", "Silva", "Tanaka", "Novak", "Dubois", "Larsen", "Rossi", "Kim")
_PREFIX = ("North", "Blue", "Bright", "Iron", "Silver", "Green", "Rapid", "Clear", "Summit")
_SUFFIX = ("wind", "stone", "field", "path", "works", "labs", "point", "bridge", "leaf")

#: CSV column → mapping target (YAML flow text), in the order a CRM exports them
COLUMNS = {
    "Lead ID": None,
    "Created": None,
    "Email": "email",
    "First Name": "first_name",
    "Last Name": "last_name",
    "Company": "company",
    "Job Title": "job_title",
    "Employees": "{to: company_size, type: number}",
    "Annual Revenue": "{to: attributes.annual_revenue, type: number}",
    "Industry": "industry",
    "Country": "country",
    "Lead Source": "source",
    "Web Visits": "{to: attributes.web_visits, type: number}",
    "Pages per Visit": "{to: attributes.pages_per_visit, type: number}",
    "Minutes on Site": "{to: attributes.minutes_on_site, type: number}",
    "Pricing Page Views": "{to: attributes.pricing_page_views, type: number}",
    "Email Clicks": "{to: attributes.email_clicks, type: number}",
    "Days Since First Visit": "{to: attributes.days_since_first_visit, type: number}",
    "Demo Requested": "{to: attributes.demo_requested, type: boolean}",
    "Newsletter": "{to: attributes.newsletter, type: boolean}",
    "Status": None,
}
_IDENTITY = ("Lead ID", "Created", "Email", "First Name", "Last Name", "Company")
#: which columns each shape writes (the identity columns and Status always)
SHAPES: dict[str, tuple[str, ...]] = {
    "crm": tuple(c for c in COLUMNS if c not in (*_IDENTITY, "Status")),
    "numeric": (
        "Employees",
        "Annual Revenue",
        "Web Visits",
        "Pages per Visit",
        "Minutes on Site",
        "Pricing Page Views",
        "Email Clicks",
        "Days Since First Visit",
        "Lead Source",
    ),
    "categorical": (
        "Job Title",
        "Industry",
        "Country",
        "Lead Source",
        "Demo Requested",
        "Newsletter",
        "Web Visits",
    ),
}


@dataclass(frozen=True)
class GeneratedHistory:
    """The rows of a generated export, its mapping, and the hidden probability of each lead."""

    header: list[str]
    rows: list[list[str]]
    #: the true probability that each row's lead is won (the model above)
    truth: list[float]
    mapping: str

    def write(self, csv_path: Path, mapping_path: Path) -> None:
        with csv_path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(self.header)
            writer.writerows(self.rows)
        mapping_path.write_text(self.mapping, encoding="utf-8")


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x > -40 else 0.0


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method; the means here are small."""
    limit, k, product = math.exp(-min(mean, 30.0)), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _missing(rng: random.Random, share: float, value: str) -> str:
    return "" if rng.random() < share else value


def _pick(rng: random.Random, levels: tuple[tuple[str, float, float], ...]) -> tuple[str, float]:
    """A level drawn by its share of leads: (its name, its effect)."""
    name, effect, _ = rng.choices(levels, weights=[share for *_, share in levels])[0]
    return name, effect


def _seniority(title: str, effect: float, employees: int) -> float:
    """Founders decide in small companies; elsewhere a title weighs less below 50 employees."""
    if title in OWNERS:
        return 1.4 if employees < 50 else -0.2
    return effect if employees >= 50 else 0.3 * effect


def _lead(rng: random.Random) -> tuple[dict[str, str], float]:
    """One lead's columns (as exported text) and its log-odds before the intercept."""
    u = rng.gauss(0, 1)
    title, title_effect = _pick(rng, TITLES)
    industry, industry_effect = _pick(rng, INDUSTRIES)
    country, country_effect = _pick(rng, COUNTRIES)
    source, source_effect = _pick(rng, SOURCES)
    employees = max(1, min(200_000, round(math.exp(rng.gauss(math.log(120), 1.6)))))
    revenue = employees * math.exp(rng.gauss(math.log(150_000), 0.6))
    visits = _poisson(rng, math.exp(0.8 + 0.5 * u))
    pricing = _poisson(rng, 0.4 * math.exp(0.7 * u))
    minutes = sum(rng.expovariate(1 / 2.5) for _ in range(visits))
    clicks = _poisson(rng, math.exp(-0.2 + 0.4 * u))
    days = rng.expovariate(1 / 40)
    demo = rng.random() < _sigmoid(-2.2 + 0.9 * u + 0.3 * (title in SENIOR))
    size = math.log10(employees)
    logit = (
        0.5 * u
        + _seniority(title, title_effect, employees)
        + industry_effect
        + country_effect
        + source_effect
        + 0.9 * math.exp(-(((size - 2.7) / 0.8) ** 2))
        - 0.6 * (employees < 10)
        + 0.35 * math.log1p(visits)
        + 0.4 * min(pricing, 3)
        + 2.0 * (1 - math.exp(-minutes / 15)) * (1 - math.exp(-(pricing + clicks) / 2))
        + 0.12 * min(clicks, 5)
        - 0.5 * (days > 90)
        + (0.3 if employees < 20 else 1.6) * demo
        + 0.8 * (title in SENIOR and 200 <= employees < 5000)
        + 0.8 * (visits >= 5 and pricing > 0)
        + 1.5 * math.exp(-days / 20) * min(visits, 8) / 8
        + 1.0 * (industry in FOCUS_INDUSTRIES and source in FOCUS_SOURCES)
    )
    columns = {
        "Job Title": _missing(rng, 0.1, title),
        "Employees": _missing(rng, 0.12, str(employees)),
        "Annual Revenue": _missing(rng, 0.4, str(round(revenue / 1000) * 1000)),
        "Industry": _missing(rng, 0.08, industry),
        "Country": _missing(rng, 0.03, country),
        "Lead Source": source,
        "Web Visits": str(visits),
        "Pages per Visit": f"{rng.uniform(1, 6):.1f}" if visits else "0",
        "Minutes on Site": f"{minutes:.1f}",
        "Pricing Page Views": str(pricing),
        "Email Clicks": str(clicks),
        "Days Since First Visit": str(round(days)),
        "Demo Requested": "Yes" if demo else "No",
        "Newsletter": "Yes" if rng.random() < 0.3 else "No",
    }
    return columns, logit


def _intercept(logits: list[float], base_rate: float) -> float:
    """The intercept whose mean predicted probability is ``base_rate`` (bisection)."""
    low, high = -30.0, 30.0
    for _ in range(60):
        middle = (low + high) / 2
        mean = sum(_sigmoid(middle + x) for x in logits) / len(logits)
        low, high = (middle, high) if mean < base_rate else (low, middle)
    return (low + high) / 2


def _person(rng: random.Random, i: int) -> dict[str, str]:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    company = rng.choice(_PREFIX) + rng.choice(_SUFFIX)
    domain = f"{company.lower()}{i % 97}.example"
    return {
        "Email": f"{first.lower()}.{last.lower()}.{i}@{domain}",
        "First Name": first,
        "Last Name": last,
        "Company": _missing(rng, 0.05, company.title() + rng.choice((" Ltd", " GmbH", " Inc"))),
    }


def _status(rng: random.Random, won: bool, age_days: float) -> str:
    """Won or Lost once decided; recent leads are often still Open (decided in ~3 weeks)."""
    if rng.random() > 1 - math.exp(-age_days / 20):
        return "Open"
    return "Won" if won else "Lost"


def generate_history(
    rows: int = 4000,
    *,
    shape: str = "crm",
    base_rate: float = 0.2,
    seed: int = 1,
    end: date | None = None,
    days: int = 540,
) -> GeneratedHistory:
    """``rows`` leads created over the ``days`` before ``end`` (default today), oldest first."""
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}: use one of {', '.join(SHAPES)}")
    if not 0 < base_rate < 1:
        raise ValueError("base_rate must be between 0 and 1")
    rng = random.Random(seed)
    end = end or date.today()
    leads = [_lead(rng) for _ in range(rows)]
    intercept = _intercept([logit for _, logit in leads], base_rate)
    ages = sorted((rng.uniform(0, days) for _ in range(rows)), reverse=True)
    header = [*_IDENTITY, *SHAPES[shape], "Status"]
    table, truth = [], []
    for i, ((columns, logit), age) in enumerate(zip(leads, ages, strict=True)):
        probability = _sigmoid(intercept + logit)
        won = rng.random() < probability
        created = end - timedelta(days=int(age))
        values = {
            "Lead ID": f"L{i + 1:06d}",
            "Created": created.isoformat(),
            **_person(rng, i),
            **columns,
            "Status": _status(rng, won, age),
        }
        table.append([values[name] for name in header])
        truth.append(probability)
    return GeneratedHistory(header, table, truth, _mapping(header))


def _mapping(header: list[str]) -> str:
    lines = [
        "# Import mapping for a history written by `leadbot demo --history`.",
        "# Behaviour columns are attributes, not activities: engagement points fade with",
        "# age, so history is scored on what each lead did, as fit points.",
        "key: Lead ID",
        "created_at: Created",
        "columns:",
    ]
    lines += [f"  {name}: {COLUMNS[name]}" for name in header if COLUMNS.get(name)]
    lines += [
        "  # the outcome: Open leads have none yet and are not learnt from",
        "  Status: {to: converted, values: {Won: yes, Lost: no, Open: null}}",
        "",
    ]
    return "\n".join(lines)
