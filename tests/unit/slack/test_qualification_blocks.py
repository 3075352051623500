"""The Accept modal asks the configured questions; answers are shown escaped and bounded."""

from __future__ import annotations

import json

from bot.core.qualification import ANSWER_MAX, Answer
from bot.sandbox.interactions import input_state
from bot.slack.blocks import LeadCard, OutgoingMessage
from bot.slack.qualification import (
    QUALIFY_CALLBACK,
    answers_block,
    parse_questions_submission,
    questions_modal,
    with_answers,
)
from bot.slack.text import SECTION_FIELD_MAX
from tests.support.qualification import with_questions

#: budget and authority (choices), need (text), timeline (optional text)
QUESTIONS = with_questions().qualification.questions
HOSTILE = "<!channel> <@U1> *bold* & <https://evil.example|click>"


def test_the_modal_asks_each_question_and_reads_a_submission_back() -> None:
    lead = LeadCard(lead_id=42, email="a@x.example", first_name="<!here>", company="Acme")
    view = questions_modal(lead, QUESTIONS, channel="C0SALES", message_ts="1.000100")
    assert (view["type"], view["callback_id"], view["submit"]["text"]) == (
        "modal",
        QUALIFY_CALLBACK,
        "Accept",
    )
    intro, *inputs = view["blocks"]
    assert intro["text"] == {
        "type": "plain_text",
        "text": "Accepting <!here> (Acme). A few questions first:",
    }
    assert [(b["block_id"], b["element"]["action_id"]) for b in inputs] == [
        ("budget", "budget"),
        ("authority", "authority"),
        ("need", "need"),
        ("timeline", "timeline"),
    ]
    assert [b.get("optional", False) for b in inputs] == [False, False, False, True]
    assert inputs[1]["label"]["text"] == "Talking to the decision maker?"
    assert [o["text"]["text"] for o in inputs[1]["element"]["options"]] == [
        "Yes",
        "No",
        "Don't know",
    ]
    assert inputs[2]["element"] == {
        "type": "plain_text_input",
        "action_id": "need",
        "max_length": ANSWER_MAX,
    }

    chosen = {"budget": "No budget yet", "authority": "No", "need": "SSO"}
    state = input_state(view["blocks"], chosen)
    parsed = parse_questions_submission({**view, "state": {"values": state}})
    assert (parsed.lead_id, parsed.channel, parsed.message_ts) == ("42", "C0SALES", "1.000100")
    assert parsed.values == {**chosen, "timeline": None}


def test_answers_are_escaped_and_fit_a_section_field() -> None:
    answers = [
        Answer("need", HOSTILE, "text", HOSTILE * 100),
        Answer("timeline", "Timeline", "text", None),
    ]
    block = answers_block(answers).to_dict()
    shown = json.dumps(block)
    for raw in ("<!channel>", "<@U1>", "<https://evil", "*bold*"):
        assert raw not in shown
    assert all(len(field["text"]) <= SECTION_FIELD_MAX for field in block["fields"])
    assert block["fields"][1]["text"] == "*Timeline*\n—"


def test_a_decision_without_answers_is_left_as_it_is() -> None:
    reply = OutgoingMessage(
        "Accepted", [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}]
    )
    assert with_answers(reply, ()) is reply
    answered = with_answers(reply, [Answer("budget", "Budget", "choice", "Confirmed")])
    assert answered.text == "Accepted" and len(answered.blocks) == 2
