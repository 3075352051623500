"""Form answers to lead fields: by mapping, then by type, then by wording; the rest attributes."""

from __future__ import annotations

import pytest

from bot.config.sources import FormSettings, SourceMapping
from bot.sources.forms import Answer, lead_from_answers
from bot.sources.naming import activity_type, slug, words

PLAIN = SourceMapping()


def lead(*answers: Answer, mapping: SourceMapping = PLAIN, form: FormSettings = FormSettings()):
    return lead_from_answers(list(answers), mapping, form=form, default_source="forms")


@pytest.mark.parametrize(
    ("label", "value", "kind", "field"),
    [
        ("What's your first name?", "Ana", "text", "first_name"),
        ("Last Name", "Silva", "text", "last_name"),
        ("Surname", "Silva", "text", "last_name"),
        ("Full name", "Ana Silva", "text", "name"),
        ("Vollständiger Name", "Ana Silva", "text", "name"),
        ("Company name", "Acme", "text", "company"),
        ("Organisation", "Acme", "text", "company"),
        ("Company size", "51-200", "choice", "company_size"),
        ("How many employees work there?", 40, "number", "company_size"),
        ("Your role at the company", "CTO", "text", "job_title"),
        ("Job Title", "CTO", "text", "job_title"),
        ("Company website", "acme.example", "url", "website"),
        ("Work email", "ana@acme.example", "text", "email"),
        ("Business phone", "+351 21 000 0000", "text", "phone"),
        ("Country of residence", "Portugal", "choice", "country"),
        ("Which industry are you in?", "Retail", "choice", "industry"),
        ("Source", "partner-x", "hidden", "source"),
    ],
)
def test_labels_that_read_like_a_field_fill_it(label, value, kind, field) -> None:
    made = lead(Answer(ids=("q1",), label=label, value=value, kind=kind))
    assert made.get(field) == (
        str(value) if field != "company_size" or isinstance(value, str) else value
    )
    assert "attributes" not in made


@pytest.mark.parametrize(
    ("label", "value", "kind"),
    [
        ("Tell us about your company", "We sell shoes", "long_text"),  # long text is never a field
        ("Work email", "not an address", "text"),  # an email needs an @
        ("Which cities do you like?", ["Lisbon", "Porto"], "choice"),
        ("I accept the terms", True, "boolean"),
        ("Upload a file", ["https://files.example/a.pdf"], "file"),
    ],
)
def test_other_answers_become_attributes_under_their_slug(label, value, kind) -> None:
    made = lead(Answer(ids=("q1",), label=label, value=value, kind=kind))
    assert made["attributes"] == {slug(label): value}


def test_random_ids_are_not_read_as_words() -> None:
    made = lead(Answer(ids=("xTelOrgTitle",), label="", value="42"))
    assert made["attributes"] == {"x_tel_org_title": "42"}


def test_the_type_beats_the_wording_and_the_first_claim_wins() -> None:
    made = lead(
        Answer(ids=("a",), label="Email (for the newsletter)", value="news@acme.example"),
        Answer(ids=("b",), label="Contact", value="ana@acme.example", kind="email"),
        Answer(ids=("c",), label="Phone", value="+351 21 000 0000", kind="text"),
        Answer(ids=("d",), label="Mobile", value="+351 91 000 0000", kind="phone"),
    )
    assert made["email"] == "ana@acme.example"
    assert made["phone"] == "+351 91 000 0000"
    assert made["attributes"] == {
        "email_for_the_newsletter": "news@acme.example",
        "phone": "+351 21 000 0000",
    }


def test_the_mapping_beats_everything_and_can_ignore() -> None:
    mapping = SourceMapping(
        fields={
            "Q-ROLE": "job_title",
            "notes": "ignore",
            "Budget": "attributes.budget_eur",
            "ref_src": "utm.utm_source",
        }
    )
    made = lead(
        Answer(ids=("q-role",), label="Favourite colour", value="Head of IT"),
        Answer(ids=("x",), label="Notes", value="private"),
        Answer(ids=("y",), label="budget", value=[5000]),
        Answer(ids=("ref_src",), label="ref", value="podcast"),
        mapping=mapping,
    )
    assert made["job_title"] == "Head of IT"
    assert made["attributes"] == {"budget_eur": [5000]}
    assert made["utm"] == {"utm_source": "podcast"}
    assert made["source"] == "podcast"


def test_source_and_campaign_fall_back_in_order() -> None:
    utm = [
        Answer(ids=("utm_source",), label="utm_source", value="linkedin", kind="hidden"),
        Answer(ids=("utm_campaign",), label="utm_campaign", value="spring", kind="hidden"),
    ]
    assert (lead(*utm)["source"], lead(*utm)["campaign"]) == ("linkedin", "spring")
    form = FormSettings(source="website", campaign="demo-page")
    assert (lead(*utm, form=form)["source"], lead(*utm, form=form)["campaign"]) == (
        "website",
        "demo-page",
    )
    vendor = SourceMapping(source="forms-team")
    assert lead(*utm, mapping=vendor)["source"] == "forms-team"
    assert lead()["source"] == "forms"
    hidden = Answer(ids=("source",), label="source", value="partner", kind="hidden")
    assert lead(hidden, *utm, form=form)["source"] == "partner"


def test_a_numeric_phone_is_an_international_number() -> None:
    made = lead(Answer(ids=("p",), label="Phone Number", value=15550000000))
    assert made["phone"] == "+15550000000"


def test_duplicate_slugs_get_a_suffix() -> None:
    made = lead(
        Answer(ids=("a",), label="Notes", value="one", kind="long_text"),
        Answer(ids=("b",), label="notes!", value="two", kind="long_text"),
    )
    assert made["attributes"] == {"notes": "one", "notes_2": "two"}


def test_naming() -> None:
    assert words("What's your firstName?") == "what s your first name"
    assert slug("Größe des Teams") == "grosse_des_teams"
    assert slug("職種") is None
    assert slug("x" * 100) == "x" * 64
    assert activity_type("Demo Requested") == "demo_requested"
    assert activity_type("3D Model Viewed") == "event_3d_model_viewed"
    assert activity_type("!!!") == "event"
