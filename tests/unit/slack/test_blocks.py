"""Lead cards: hostile lead data pings nobody, stays within Block Kit limits, and reads well."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.models.blocks import DividerBlock

from bot.sandbox.interactions import input_state
from bot.slack.blocks import (
    ACCEPT_ACTION,
    REJECT_ACTION,
    REJECT_CALLBACK,
    REJECT_REASONS,
    LeadCard,
    OutgoingMessage,
    already_decided,
    decided_card,
    decision_reply,
    escalation,
    marketing_notice,
    parse_reject_submission,
    reject_modal,
    reminder_text,
    sales_handoff,
)
from bot.slack.blocks import (
    message as build_message,
)
from bot.slack.text import (
    BLOCKS_PER_MESSAGE_MAX,
    HEADER_TEXT_MAX,
    SECTION_FIELD_MAX,
    SECTION_TEXT_MAX,
    escape,
    truncate,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
HOSTILE = "<!channel> <@U1> <!subteam^S1> *bold* _it_ ~st~ `code` & <https://evil.example|click>"
#: Slack control sequences that would ping or link if they reached mrkdwn unescaped.
CONTROL_SEQUENCE = re.compile(r"<(?:!channel|!here|!everyone|@U1|!subteam\^S1|https?://evil)")


def card(**changes: Any) -> LeadCard:
    base = LeadCard(
        lead_id=42,
        email="jane_doe@acme.example",
        first_name="Jane",
        last_name="Doe",
        job_title="VP Sales",
        company="Acme",
        country="de",
        company_size=250,
        source="webform",
        score_total=87,
        score_fit=40,
        score_engagement=47,
        reasons=[
            {"kind": "title", "label": "VP title", "points": 20},
            {"kind": "demo", "label": "Demo request", "points": 30},
            {"kind": "size", "label": "Company size", "points": 10},
            {"kind": "free_mail", "label": "Free mail", "points": -5},
        ],
        activities=[
            ("pricing_view", NOW - timedelta(days=3)),
            ("demo_request", NOW - timedelta(hours=2)),
        ],
        mql_at=NOW - timedelta(minutes=12),
    )
    return replace(base, **changes)


def hostile_card() -> LeadCard:
    return card(
        first_name=HOSTILE,
        last_name="x" * 10_000,
        job_title=HOSTILE * 200,
        company=HOSTILE,
        source="\x00\x07evil\x1b[31m",
        reasons=[{"kind": "k", "label": HOSTILE, "points": 99}],
        activities=[(HOSTILE, NOW)],
        reject_note=HOSTILE,
        reject_reason="<!channel>",
    )


def mrkdwn_texts(node: Any) -> list[str]:
    """Every string Slack parses as mrkdwn in a payload (plain_text cannot ping)."""
    if isinstance(node, list):
        return [t for item in node for t in mrkdwn_texts(item)]
    if not isinstance(node, dict):
        return []
    found = [node["text"]] if node.get("type") == "mrkdwn" else []
    return found + [t for value in node.values() for t in mrkdwn_texts(value)]


def all_messages(lead: LeadCard) -> list[Any]:
    decided = replace(lead, stage="disqualified", decided_by="U0ALICE", decided_at=NOW)
    return [
        marketing_notice(lead, NOW),
        sales_handoff(lead, NOW),
        decided_card(decided, NOW),
        decision_reply(decided, NOW),
        already_decided(decided, NOW),
        reminder_text(lead, NOW, group_id="S0SALES"),
        escalation(lead, NOW, permalink="https://x.slack.com/archives/C1/p1"),
        OutgoingMessage(text="", blocks=reject_modal(42, lead)["blocks"]),
    ]


def test_hostile_fields_ping_nobody_and_fit_block_kit_limits() -> None:
    for message in all_messages(hostile_card()):
        texts = [message.text, *mrkdwn_texts(message.blocks)]
        for text in texts:
            assert not CONTROL_SEQUENCE.search(text), text
            assert "*bold*" not in text and "_it_" not in text
            assert "\x00" not in text and "\x1b" not in text
        for block in message.blocks:
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= HEADER_TEXT_MAX
            if block["type"] == "section":
                assert len(block.get("text", {}).get("text", "")) <= SECTION_TEXT_MAX
                assert all(len(f["text"]) <= SECTION_FIELD_MAX for f in block.get("fields", []))


def test_mentions_the_bot_makes_itself_still_work() -> None:
    decided = replace(card(), stage="sql", decided_by="U0ALICE", decided_at=NOW)
    assert "<@U0ALICE>" in decided_card(decided, NOW).text
    assert reminder_text(card(), NOW, group_id="S0SALES").text.startswith("<!subteam^S0SALES>")
    assert "<@" not in decided_card(replace(decided, decided_by="<!here>"), NOW).text


def test_handoff_card_shows_the_lead_and_offers_accept_and_reject() -> None:
    message = sales_handoff(card(hot=True), NOW)
    header = message.blocks[0]["text"]["text"]
    assert header.startswith("🔥") and "Jane Doe" in header
    flat = json.dumps(message.blocks, ensure_ascii=False)
    for shown in ("VP Sales", "Acme", "Germany", "250 employees", "webform", "87", "12 min ago"):
        assert shown in flat
    assert "Demo request (+30)" in flat and "Free mail" not in flat  # top three by points
    assert flat.index("demo request 2 h ago") < flat.index("pricing view 3 d ago")
    buttons = {
        e["action_id"]: e for b in message.blocks if b["type"] == "actions" for e in b["elements"]
    }
    assert buttons[ACCEPT_ACTION]["style"] == "primary" and buttons[ACCEPT_ACTION]["value"] == "42"
    assert buttons[REJECT_ACTION]["style"] == "danger" and buttons[REJECT_ACTION]["value"] == "42"
    assert "🔥" not in sales_handoff(card(hot=False), NOW).text


@pytest.mark.parametrize(
    ("stage", "reason", "expected"),
    [("sql", None, "Accepted by <@U0BOB>"), ("recycled", "not_ready", "Rejected by <@U0BOB>")],
)
def test_decided_card_replaces_the_buttons_with_the_outcome(
    stage: str, reason: str | None, expected: str
) -> None:
    lead = card(stage=stage, decided_by="U0BOB", decided_at=NOW, reject_reason=reason)
    message = decided_card(lead, NOW)
    assert all(b["type"] != "actions" for b in message.blocks)
    assert expected in json.dumps(message.blocks)
    if reason:
        assert REJECT_REASONS[reason] in json.dumps(message.blocks, ensure_ascii=False)


def test_a_late_click_learns_who_decided_first() -> None:
    decided = card(stage="sql", decided_by="U0ALICE", decided_at=NOW - timedelta(minutes=3))
    assert "already decided" in already_decided(decided, NOW).text
    assert "Accepted by <@U0ALICE>" in already_decided(decided, NOW).text
    assert decision_reply(decided, NOW).text.startswith("✅ Accepted by <@U0ALICE>")


def test_escalation_links_the_card_only_through_a_safe_url() -> None:
    safe = escalation(
        card(), NOW, permalink="https://x.slack.com/archives/C1/p1", group_id="S0SALES"
    )
    assert "<https://x.slack.com/archives/C1/p1|Open the card>" in safe.text
    assert safe.text.startswith("🚨 <!subteam^S0SALES>")
    forged = escalation(card(), NOW, permalink="https://x|<!channel>")
    assert "<!channel>" not in forged.text and "Open the card" not in forged.text


def test_marketing_notice_has_no_buttons() -> None:
    assert all(b["type"] != "actions" for b in marketing_notice(card(), NOW).blocks)


def test_reject_modal_offers_six_reasons_and_round_trips_a_submission() -> None:
    view = reject_modal(42, card(first_name="<!channel>"), channel="C0SALES", message_ts="1.000100")
    assert view["callback_id"] == REJECT_CALLBACK and view["type"] == "modal"
    select = next(b["element"] for b in view["blocks"] if b.get("element", {}).get("options"))
    assert [o["value"] for o in select["options"]] == list(REJECT_REASONS) and len(
        REJECT_REASONS
    ) == 6
    assert "<!channel>" not in json.dumps(view)
    submitted = {**view, "state": {"values": input_state(view["blocks"], {"reason": "competitor"})}}
    parsed = parse_reject_submission(submitted)
    assert (parsed.lead_id, parsed.reason, parsed.note) == ("42", "competitor", None)
    assert (parsed.channel, parsed.message_ts) == ("C0SALES", "1.000100")


def test_escape_follows_slack_rules_and_keeps_addresses_exact() -> None:
    assert escape("a & b <c>") == "a &amp; b &lt;c&gt;"
    assert escape("jane_doe@acme.example") == "jane_doe@acme.example"
    assert "*" not in escape("*bold*") and "_" not in escape("_it_")
    assert not escape("> quoted").startswith("&gt;")


@given(st.text(max_size=300), st.integers(min_value=1, max_value=120))
def test_truncate_stays_within_limit_and_never_splits_an_escape(text: str, limit: int) -> None:
    escaped = escape(text)
    cut = truncate(escaped, limit)
    assert len(cut) <= limit
    if cut != escaped:
        assert cut.endswith("…")
        assert not re.search(r"&[a-z]{0,3}…$", cut)


def test_messages_keep_within_the_fifty_block_limit() -> None:
    fitted = build_message("many", [DividerBlock()] * 80).blocks
    assert len(fitted) == BLOCKS_PER_MESSAGE_MAX
    assert "31 more not shown" in fitted[-1]["elements"][0]["text"]
    assert build_message("few", [DividerBlock()] * 3).blocks == [{"type": "divider"}] * 3
