"""The rules file: the shipped default loads, and every mistake is named by its place."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.config.rules import RulesError, load_config, parse_config

VALID = """\
scoring:
  threshold:
    mql: 50
  fit:
    - label: Target country
      field: country
      in: [US, GB]
      points: 10
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(RulesError) as caught:
        parse_config(textwrap.dedent(text))
    return caught.value.problems


def test_packaged_default_loads_and_covers_every_section() -> None:
    rules = load_config(None).scoring
    assert rules.threshold.mql > 0
    assert {r.type for r in rules.engagement} >= {"demo_request", "pricing_view", "page_view"}
    assert any(r.field == "email_domain" for r in rules.disqualify)
    assert rules.hot


def test_a_file_on_disk_is_loaded(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(VALID)
    assert load_config(path).scoring.fit[0].in_ == ["US", "GB"]


def test_wrong_type_names_the_place_and_line() -> None:
    problems = problems_of(VALID.replace("points: 10", "points: ten"))
    assert problems == ["scoring.fit[0].points (line 8): must be an integer"]


def test_misspelt_key_is_reported_not_ignored() -> None:
    problems = problems_of(VALID.replace("points: 10", "points: 10\n      pionts: 3"))
    assert problems == ["scoring.fit[0].pionts (line 9): unknown key (check the spelling)"]


def test_invalid_yaml_is_one_line_with_line_and_column() -> None:
    problems = problems_of("scoring:\n  threshold: [mql: 5\n")
    assert len(problems) == 1
    assert "invalid YAML at line 3, column 1" in problems[0]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("field: country\n      in: [US]\n      regex: x", "give exactly one of"),
        ("field: country", "give exactly one of"),
        ("field: shoe_size\n      present: true", "unknown field 'shoe_size'"),
        ("field: job_title\n      regex: '(unclosed'", "not a valid regular expression"),
        ("field: company_size\n      min: 200\n      max: 50", "min must be below max"),
        ("field: country\n      equals: [US]", "must be text, a number or true/false"),
    ],
)
def test_condition_mistakes(rule: str, message: str) -> None:
    head = "scoring:\n  threshold: {mql: 5}\n  fit:\n    - label: x\n      points: 1\n"
    problems = problems_of(f"{head}      {rule}\n")
    assert len(problems) == 1
    assert problems[0].startswith("scoring.fit[0]")
    assert message in problems[0]


def test_engagement_points_must_be_positive_so_scores_stay_monotone() -> None:
    problems = problems_of(
        """\
        scoring:
          threshold: {mql: 5}
          engagement:
            - {label: Unsubscribed, type: unsubscribe, points: -5}
        """
    )
    assert problems == ["scoring.engagement[0].points (line 4): must be greater than 0"]


def test_missing_scoring_section_and_unreadable_file(tmp_path: Path) -> None:
    assert problems_of("slak: {}\n") == [
        "scoring (line 1): is required",
        "slak (line 1): unknown key (check the spelling)",
    ]
    with pytest.raises(RulesError, match="cannot read"):
        load_config(tmp_path / "absent.yaml")


def test_custom_attribute_fields_are_accepted() -> None:
    config = parse_config(VALID.replace("field: country", "field: attributes.plan"))
    assert config.scoring.fit[0].field == "attributes.plan"


def test_a_key_given_twice_is_refused() -> None:
    problems = problems_of(VALID.replace("points: 10", "points: 10\n      points: 20"))
    assert problems == ["scoring.fit[0].points (line 9): given twice"]


COMBINED = """\
scoring:
  threshold:
    mql: 50
  fit:
    - label: API lead who last got an SMS
      all:
        - {field: attributes.origin, equals: API}
        - {field: attributes.last_activity, in: [SMS Sent]}
      points: 15
"""


def test_a_combined_fit_rule_lists_its_field_conditions() -> None:
    (rule,) = parse_config(COMBINED).scoring.fit
    assert rule.field is None
    assert [c.field for c in rule.conditions] == ["attributes.origin", "attributes.last_activity"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("      all:\n", "      field: country\n      all:\n"),
            "scoring.fit[0] (line 5): with all:, give field and operator inside each listed",
        ),
        (("attributes.origin", "origin"), "scoring.fit[0].all[0].field (line 7): unknown field"),
        (("in: [SMS Sent]", "points: 3"), "scoring.fit[0].all[1].points (line 8): unknown key"),
        (
            ("        - {field: attributes.last_activity, in: [SMS Sent]}\n", ""),
            "scoring.fit[0].all (line 7): List should have at least 2 items",
        ),
        (
            ("      all:\n", "      al:\n"),
            "scoring.fit[0].al (line 7): unknown key (check the spelling)",
        ),
    ],
)
def test_combined_fit_rule_mistakes_are_placed(edit: tuple[str, str], expected: str) -> None:
    problems = problems_of(COMBINED.replace(*edit))
    assert any(p.startswith(expected) for p in problems), problems


def test_a_fit_rule_needs_a_field_or_all() -> None:
    problems = problems_of(VALID.replace("      field: country\n      in: [US, GB]\n", ""))
    assert problems == [
        "scoring.fit[0] (line 5): give field: with one condition, or all: with a list of them"
    ]
