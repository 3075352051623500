"""The packaged default rules behave as their comments promise."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config.rules import RulesError, load_config, parse_config
from bot.core.scoring import ActivityRecord, score_lead

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def test_norway_is_a_target_country_not_outside_the_service_area() -> None:
    rules = load_config(None).scoring
    lead = {"email": "ola@firma.no", "job_title": "CTO", "country": "NO", "company": "Firma AS",
            "company_size": 300, "attributes": {}}  # fmt: skip
    score = score_lead(lead, [ActivityRecord("demo_request", NOW)], rules, NOW)
    assert score.disqualify_reason is None
    assert "Target country" in {c.label for c in score.contributions}


def test_a_bare_yaml_no_in_a_country_list_is_refused_with_the_fix() -> None:
    text = (
        "scoring:\n  threshold: {mql: 10}\n  fit:\n"
        "    - {label: Nordics, field: country, in: [SE, NO], points: 5}\n"
    )
    with pytest.raises(RulesError) as refused:
        parse_config(text)
    assert 'write "NO" for Norway' in refused.value.problems[0]
    assert refused.value.problems[0].startswith("scoring.fit[0]")
