"""The Slack app manifest asks for exactly the scopes leadbot's Web API calls need."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).parents[3]
#: Web API method → the bot scopes it needs (https://docs.slack.dev/reference/methods)
SCOPES = {
    "auth.test": set(),
    "chat.getPermalink": set(),
    "chat.postMessage": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "chat.update": {"chat:write"},
    "chat.delete": {"chat:write"},
    "conversations.history": {"channels:history", "groups:history"},
    "conversations.replies": {"channels:history", "groups:history"},
    "usergroups.users.list": {"usergroups:read"},
    "users.info": {"users:read"},
    "users.list": {"users:read"},
    "views.open": set(),
}
#: ``client.chat_postMessage(`` and ``"chat.postMessage"`` alike
CALL = re.compile(r"\.(auth|chat|conversations|usergroups|users|views)_(\w+)\(")
NAMED = re.compile(r"\"((?:auth|chat|conversations|usergroups|users|views)\.[a-zA-Z.]+)\"")


def methods_called() -> set[str]:
    """Every Slack Web API method named in leadbot's own code (the sandbox plays Slack)."""
    found: set[str] = set()
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py")]:
        if "sandbox" in path.parts:
            continue
        source = path.read_text()
        found |= {f"{group}.{_camel(rest)}" for group, rest in CALL.findall(source)}
        found |= set(NAMED.findall(source))
    return found


def _camel(snake: str) -> str:
    head, *tail = snake.split("_")
    if head == "users" and tail == ["list"]:  # usergroups_users_list → usergroups.users.list
        return "users.list"
    return head + "".join(part.title() for part in tail)


def test_the_manifest_asks_for_the_scopes_the_code_needs_and_no_more() -> None:
    called = methods_called()
    assert called >= {"chat.postMessage", "usergroups.users.list", "views.open"}
    assert called <= set(SCOPES), f"add the scopes of {called - set(SCOPES)} to this test"
    needed = {"commands"}.union(*(SCOPES[method] for method in called))
    manifest = json.loads((ROOT / "manifest.json").read_text())
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed


def test_the_docs_explain_every_scope_and_the_command_promises_only_what_exists() -> None:
    manifest = json.loads((ROOT / "manifest.json").read_text())
    docs = (ROOT / "docs/slack.md").read_text()
    scopes = docs.split("## Scopes, and why", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z:]+)`", scopes, re.M))
    documented |= {"groups:history"}  # shares its row with channels:history
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == documented
    [command] = manifest["features"]["slash_commands"]
    assert "settings" not in command["description"]
