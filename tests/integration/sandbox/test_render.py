"""What the sandbox page draws: mrkdwn as Slack shows it, hostile text only ever as text.

The page builds DOM nodes from these trees with ``textContent``; the last
test holds its script to that, so the safety argued here is the safety the
browser gets.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox import Workspace
from bot.sandbox.render import Node, WorkspaceNames, mrkdwn, render_blocks, snapshot
from bot.slack.blocks import LeadCard, sales_handoff

NAMES = WorkspaceNames(Workspace.demo())
STATIC = Path(__file__).parents[3] / "bot" / "sandbox" / "static"


def text_of(nodes: list[Node]) -> str:
    """What a reader sees: every string in order, however it is styled."""
    out = []
    for node in nodes:
        out.append(node.get("text") or node.get("mention") or text_of(node.get("children", [])))
    return "".join(out)


def links(nodes: list[Node]) -> list[str]:
    found = []
    for node in nodes:
        if "link" in node:
            found.append(node["link"])
        found += links(node.get("children", []))
    return found


def t(text: str) -> Node:
    return {"text": text}


def tag(name: str, *children: Node) -> Node:
    return {"tag": name, "children": list(children)}


def anchor(url: str, *children: Node) -> Node:
    return {"link": url, "children": list(children)}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("*bold*", [tag("b", t("bold"))]),
        ("_it_ ~gone~", [tag("i", t("it")), t(" "), tag("s", t("gone"))]),
        ("`*not bold*`", [tag("code", t("*not bold*"))]),
        ("*_both_*", [tag("b", tag("i", t("both")))]),
        ("john_doe_x@example.com", [t("john_doe_x@example.com")]),
        ("<https://a.example/x_y|*doc*>", [anchor("https://a.example/x_y", t("*doc*"))]),
        ("hi <@U0ALICE>", [t("hi "), {"mention": "@Alice Martin"}]),
        ("in <#C0SALES>", [t("in "), {"mention": "#sales"}]),
        ("<!subteam^S0SALES|@sales>", [{"mention": "@sales"}]),
        ("<!here>", [{"mention": "@here"}]),
        (
            "MQL since <!date^1700000000^{date_short_pretty} {time}|2023-11-14 22:13 UTC>",
            [t("MQL since "), {"date": 1700000000, "format": "{date_short_pretty} {time}",
                               "fallback": "2023-11-14 22:13 UTC"}],
        ),
        ("<!date^soon^{date}|whenever>", [t("whenever")]),
        ("> quoted\nplain", [tag("blockquote", t("quoted")), t("plain")]),
        ("```x = *1*```", [tag("pre", t("x = *1*"))]),
    ],
)  # fmt: skip
def test_mrkdwn_is_read_as_slack_reads_it(source: str, expected: list[Node]) -> None:
    assert mrkdwn(source, NAMES) == expected


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)</script>"),
        ("&amp;lt;b&amp;gt;", "&lt;b&gt;"),
        ("&lt;!channel&gt; &lt;@U0ALICE&gt;", "<!channel> <@U0ALICE>"),
        ("Tom &amp; Jerry", "Tom & Jerry"),
    ],
)
def test_escaped_text_is_decoded_once_and_stays_text(source: str, shown: str) -> None:
    nodes = mrkdwn(source, NAMES)
    assert all(set(node) == {"text"} for node in nodes)
    assert text_of(nodes) == shown


@pytest.mark.parametrize(
    "source",
    [
        "<javascript:alert(1)|click me>",
        "<data:text/html,<b>x</b>|x>",
        "<JAVASCRIPT:alert(1)>",
        "<https://ok.example onmouseover=alert(1)|x>",
    ],
)
def test_only_web_and_mail_links_become_links(source: str) -> None:
    assert all(re.match(r"(https?://|mailto:)\S+$", url) for url in links(mrkdwn(source, NAMES)))


def test_a_hostile_lead_on_a_real_card_renders_as_its_own_text() -> None:
    hostile = "<img src=x onerror=alert(1)> <!channel> *boss*"
    card = LeadCard(lead_id=7, email="x@evil.example", first_name=hostile, company="<@U0ALICE>")
    blocks = render_blocks(sales_handoff(card, datetime.now(UTC)).blocks, NAMES)

    shown = " ".join(text_of(t["nodes"]) for t in _text_objects(blocks))
    assert hostile in shown and "<@U0ALICE>" in shown
    assert not any(
        "mention" in n or "link" in n for t in _text_objects(blocks) for n in _walk(t["nodes"])
    )


def test_a_snapshot_hides_other_peoples_ephemerals_and_modals() -> None:
    workspace = Workspace.demo()
    workspace.post_ephemeral("C0SALES", "U0BOB", text="psst")
    workspace.views.open(workspace.views.issue_trigger_id("U0BOB"), {"type": "modal", "blocks": []})
    alice, bob = snapshot(workspace, "U0ALICE"), snapshot(workspace, "U0BOB")
    assert alice["view"] is None and bob["view"] is not None
    assert [len(c["messages"]) for c in alice["channels"]] == [0, 0, 0, 0]
    assert [u["id"] for u in alice["users"]] == ["U0ALICE", "U0BOB", "U0CAROL"]


def test_the_page_scripts_never_parse_markup() -> None:
    scripts = sorted(STATIC.glob("*.js"))
    assert [p.name for p in scripts] == ["blocks.js", "sandbox.js"]
    for script in scripts:
        source = script.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in source, f"{script.name} uses {sink}"
    assert "textContent" in (STATIC / "blocks.js").read_text()


def _text_objects(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, list):
        return [t for item in value for t in _text_objects(item)]
    if isinstance(value, dict):
        if "nodes" in value:
            return [value]
        return [t for item in value.values() for t in _text_objects(item)]
    return []


def _walk(nodes: list[Node]) -> list[Node]:
    return [n for node in nodes for n in (node, *_walk(node.get("children", [])))]
