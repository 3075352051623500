"""Rules with qualification questions: the classic four, as the packaged rules suggest them."""

from __future__ import annotations

from bot.config.rules import LeadbotConfig, default_rules_text, load_config, parse_config

#: budget and authority required choices, need a required text, timeline an optional text
QUESTIONS = """\
qualification:
  questions:
    - label: Budget
      kind: choice
      options: [Confirmed, Being discussed, No budget yet]
    - label: Talking to the decision maker?
      key: authority
      kind: choice
      options: ["Yes", "No", Don't know]
    - label: Need
      kind: text
    - label: Timeline
      kind: text
      required: false
"""
NO_QUESTIONS = "qualification:\n  questions: []\n"


def rules_with_questions(questions: str = QUESTIONS) -> str:
    """The packaged rules file with ``questions`` as its ``qualification:`` section."""
    text = default_rules_text()
    assert NO_QUESTIONS in text, "the packaged rules lost their qualification section"
    return text.replace(NO_QUESTIONS, questions)


def with_questions(config: LeadbotConfig | None = None) -> LeadbotConfig:
    """``config`` (the packaged rules by default) asking ``QUESTIONS`` at Accept."""
    qualification = parse_config(rules_with_questions()).qualification
    return (config or load_config(None)).model_copy(update={"qualification": qualification})
