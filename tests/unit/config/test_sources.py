"""The rules file's ``sources:`` section: what it accepts, and where its mistakes are."""

from __future__ import annotations

import pytest

from bot.config.rules import default_rules_text, parse_config
from bot.config.yaml_places import RulesError


def with_sources(section: str) -> str:
    return default_rules_text().replace("sources: {}\n", section)


def problems(section: str) -> list[str]:
    text = with_sources(section)
    with pytest.raises(RulesError) as caught:
        parse_config(text)
    return caught.value.problems


def line_of(section: str, needle: str) -> int:
    """The line of ``needle``: problems name the line where the faulty value starts."""
    return 1 + with_sources(section).splitlines().index(needle)


def test_a_mapping_is_read_and_looked_up_ignoring_case() -> None:
    config = parse_config(
        with_sources(
            "sources:\n"
            "  typeform:\n"
            "    fields: {Job Role: job_title, budget: attributes.budget, src: utm.utm_source}\n"
            "    activities: {form_submit: demo_request}\n"
            "    forms: {Demo Form: {activity: demo_request, campaign: q4}}\n"
            "  segment:\n"
            "    activities: {Webinar Attended: webinar}\n"
            "    source: product\n"
        )
    )
    typeform = config.sources.typeform
    assert typeform.field_target("job role") == "job_title"
    assert typeform.field_target("q1", None, "BUDGET") == "attributes.budget"
    assert typeform.activity("form_submit") == "demo_request"
    assert typeform.form("abc", "demo form").campaign == "q4"
    assert typeform.form("other").activity is None
    segment = config.sources.segment
    assert segment.activity("webinar_attended", "webinar attended") == "webinar"
    assert segment.activity("course_clicked", "Course Clicked") == "course_clicked"
    assert segment.source == "product"


@pytest.mark.parametrize(
    ("section", "needle", "message"),
    [
        (
            "sources:\n  typeform:\n    fields:\n      role: job\n",
            "      role: job",
            "sources.typeform.fields.role (line {line}): unknown target 'job'",
        ),
        (
            "sources:\n  tally:\n    activities:\n      form_submit: Demo Request\n",
            "      form_submit: Demo Request",
            "sources.tally.activities.form_submit (line {line}): 'Demo Request' is not an "
            "activity type",
        ),
        (
            "sources:\n  segment:\n    forms:\n      x: {activity: demo_request}\n",
            "      x: {activity: demo_request}",
            "sources.segment.forms (line {line}): unknown key",
        ),
        (
            "sources:\n  myspace:\n    source: web\n",
            "    source: web",
            "sources.myspace (line {line}): unknown key",
        ),
        (
            "sources:\n  webflow:\n    fields:\n      Email: email\n      EMAIL: email\n",
            "      Email: email",
            "sources.webflow.fields (line {line}): keys differ only in case: EMAIL, Email",
        ),
        (
            "sources:\n  unbounce:\n    forms:\n      p1: {campaign: 7}\n",
            "      p1: {campaign: 7}",
            "sources.unbounce.forms.p1.campaign (line {line}): must be text",
        ),
    ],
    ids=[
        "unknown-target",
        "bad-activity",
        "segment-has-no-forms",
        "unknown-vendor",
        "case-twins",
        "not-text",
    ],
)
def test_mistakes_are_reported_with_their_line(section, needle, message) -> None:
    expected = message.format(line=line_of(section, needle))
    found = problems(section)
    assert any(problem.startswith(expected) for problem in found), found
