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
    date_token,
    escape,
    group_mention,
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
        reminder_text(lead, NOW, mention=group_mention("S0SALES")),
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
    reminded = reminder_text(card(), NOW, mention=group_mention("S0SALES"))
    assert reminded.text.startswith("<!subteam^S0SALES>")
    assert "<@" not in decided_card(replace(decided, decided_by="<!here>"), NOW).text


def test_handoff_card_shows_the_lead_and_offers_accept_and_reject() -> None:
    message = sales_handoff(card(hot=True), NOW)
    header = message.blocks[0]["text"]["text"]
    assert header.startswith("🔥") and "Jane Doe" in header
    flat = json.dumps(message.blocks, ensure_ascii=False)
    for shown in ("VP Sales", "Acme", "Germany", "250 employees", "webform", "87"):
        assert shown in flat
    assert "Demo request (+30)" in flat and "Free mail" not in flat  # top three by points
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


def texts(message: OutgoingMessage) -> list[str]:
    """Every mrkdwn string of a message's section and context blocks."""
    found = []
    for block in message.blocks:
        if block["type"] == "section" and "text" in block:
            found.append(block["text"]["text"])
        found += [e["text"] for e in block.get("elements", []) if e.get("type") == "mrkdwn"]
    return found


@pytest.mark.parametrize("build", [sales_handoff, marketing_notice])
def test_card_times_are_slack_dates_that_stay_true(build: Any) -> None:
    lead = card(mql_at=NOW - timedelta(seconds=20))
    context = " ".join(texts(build(lead, NOW)))
    assert date_token(NOW - timedelta(seconds=20)) in context
    assert f"demo request {date_token(NOW - timedelta(hours=2))}" in context
    assert f"pricing view {date_token(NOW - timedelta(days=3))}" in context
    assert context.index("demo request") < context.index("pricing view")
    assert "ago" not in context and "just now" not in context
    assert date_token(NOW).startswith("<!date^1795428000^{date_short_pretty} {time}|")


def why(message: OutgoingMessage) -> list[str]:
    [text] = [t for t in texts(message) if t.startswith("*Why*")]
    return text.splitlines()[1:]


def test_why_adds_up_to_the_score_and_names_the_hot_reason() -> None:
    reasons = [
        {"kind": "fit", "label": "VP or head of department", "points": 20},
        {"kind": "fit", "label": "Target country", "points": 10},
        {"kind": "fit", "label": "Mid-size company", "points": 10},
        {"kind": "fit", "label": "Company missing", "points": -5},
        {"kind": "engagement", "label": "Demo request", "points": 40},
        {"kind": "engagement", "label": "Pricing page visit", "points": 14},
        {"kind": "engagement", "label": "Website visits", "points": 5},
        {"kind": "hot", "label": "Asked for a demo this week", "points": 0},
    ]
    lead = card(score_total=94, score_fit=35, score_engagement=59, reasons=reasons, hot=True)
    assert why(sales_handoff(lead, NOW)) == [
        "• Demo request (+40)",
        "• VP or head of department (+20)",
        "• Pricing page visit (+14)",
        "• +4 more (+20)",
        "🔥 Asked for a demo this week",
    ]
    assert lead.score_total == 40 + 20 + 14 + 20


def test_why_lists_every_reason_when_there_are_few() -> None:
    lines = why(sales_handoff(card(reasons=card().reasons[:3]), NOW))
    assert lines == ["• Demo request (+30)", "• VP title (+20)", "• Company size (+10)"]
