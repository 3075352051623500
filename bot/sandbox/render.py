"""Slack's mrkdwn and Block Kit text turned into a tree the sandbox page draws safely.

The page never parses markup: it receives nodes (``{"text": …}``, ``{"tag":
"b", "children": […]}``, ``{"link": url, …}``, ``{"mention": "@Alice"}``,
``{"date": unix seconds, "format": …, "fallback": …}``) and builds DOM
elements from a fixed list of tags, putting every string in ``textContent``.
So whatever a lead's name holds, it can only ever show up as text; and
because the parsing happens here, it is tested in Python. A date is
formatted by the page, as Slack does, in the reader's own time zone.

Parsing follows Slack: ``<…>`` tokens (links, mentions, dates) are read first,
then ``*bold*``, ``_italic_``, ``~strike~``, ``` `code` ```, fenced blocks and
``>`` quotes; ``&amp;``, ``&lt;`` and ``&gt;`` are decoded exactly once.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Protocol

from bot.sandbox.models import Channel, SlackError, View
from bot.sandbox.workspace import Workspace

Node = dict[str, Any]

_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_FENCE = re.compile(r"```(.*?)```", re.DOTALL)
_CODE = re.compile(r"`([^`\n]+)`")
_TOKEN = re.compile(r"<([^<>\n]*)>")
_QUOTE = re.compile(r"^(?:>|&gt;) ?")
#: ``*bold*`` and friends: markers at word edges, no blank just inside them.
_EMPHASIS = re.compile(r"(?<!\w)([*_~])(?=\S)([^\n]*?\S)\1(?!\w)")
_TAGS = {"*": "b", "_": "i", "~": "s"}
#: private-use characters stand in for ``<…>`` tokens while emphasis is parsed
_SLOT_BASE = 0xE000
_SLOTS = re.compile("[\ue000-\uf8ff]")
_SAFE_URL = re.compile(r"(https?://|mailto:)[^\s]+", re.IGNORECASE)
_SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}


class Directory(Protocol):
    """Names for the ids in mentions; ``None`` when the id is unknown."""

    def user_name(self, user_id: str) -> str | None: ...

    def channel_name(self, channel_id: str) -> str | None: ...


def decode(text: str) -> str:
    """Slack's three escapes undone in one pass, so ``&amp;lt;`` shows as ``&lt;``."""
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)


def mrkdwn(text: str, names: Directory) -> list[Node]:
    """Nodes for a mrkdwn string: code fences, quotes, then inline formatting."""
    nodes: list[Node] = []
    position = 0
    for fence in _FENCE.finditer(text):
        nodes += _lines(text[position : fence.start()], names)
        nodes.append({"tag": "pre", "children": _plain(fence.group(1).strip("\n"), names)})
        position = fence.end()
    return nodes + _lines(text[position:], names)


def plain_text(text: str) -> list[Node]:
    """``plain_text`` objects are shown exactly as sent."""
    return [{"text": text}] if text else []


def render_blocks(blocks: list[dict[str, Any]], names: Directory) -> list[dict[str, Any]]:
    """A copy of ``blocks`` in which every text object also carries its ``nodes``."""
    rendered = copy.deepcopy(blocks)
    _annotate(rendered, names)
    return rendered


def _annotate(value: Any, names: Directory) -> None:
    if isinstance(value, list):
        for item in value:
            _annotate(item, names)
    elif isinstance(value, dict):
        kind, text = value.get("type"), value.get("text")
        if kind in ("mrkdwn", "plain_text") and isinstance(text, str):
            value["nodes"] = mrkdwn(text, names) if kind == "mrkdwn" else plain_text(text)
            return
        for item in value.values():
            _annotate(item, names)


def _lines(text: str, names: Directory) -> list[Node]:
    """Consecutive lines starting with ``>`` become one quote; the rest stay inline."""
    nodes: list[Node] = []
    quoted: list[str] = []
    plain: list[str] = []

    def flush_quote() -> None:
        if quoted:
            nodes.append({"tag": "blockquote", "children": _inline("\n".join(quoted), names)})
            quoted.clear()

    def flush_plain() -> None:
        if plain:
            nodes.extend(_inline("\n".join(plain), names))
            plain.clear()

    for line in text.split("\n"):
        if _QUOTE.match(line):
            flush_plain()
            quoted.append(_QUOTE.sub("", line, count=1))
        else:
            flush_quote()
            plain.append(line)
    flush_plain()
    flush_quote()
    return nodes


def _inline(text: str, names: Directory) -> list[Node]:
    """Inline code is verbatim; everything else gets tokens and emphasis."""
    nodes: list[Node] = []
    position = 0
    for code in _CODE.finditer(text):
        nodes += _formatted(text[position : code.start()], names)
        nodes.append({"tag": "code", "children": _plain(code.group(1), names)})
        position = code.end()
    return nodes + _formatted(text[position:], names)


def _formatted(text: str, names: Directory) -> list[Node]:
    return _emphasis(*_mask(text, names))


def _plain(text: str, names: Directory) -> list[Node]:
    """Text without emphasis (code), where tokens still show as their labels."""
    return _unmask(*_mask(text, names))


def _mask(text: str, names: Directory) -> tuple[str, list[Node]]:
    """Each ``<…>`` token parked behind one private-use character, so emphasis cannot split it.

    Private-use characters already in the text are replaced first: they
    would otherwise stand for a token.
    """
    tokens: list[Node] = []

    def park(match: re.Match[str]) -> str:
        tokens.append(_token(match.group(1), names))
        return chr(_SLOT_BASE + len(tokens) - 1)

    return _TOKEN.sub(park, _SLOTS.sub("\ufffd", text)), tokens


def _emphasis(text: str, tokens: list[Node]) -> list[Node]:
    nodes: list[Node] = []
    position = 0
    for match in _EMPHASIS.finditer(text):
        nodes += _unmask(text[position : match.start()], tokens)
        marker, inner = match.group(1), match.group(2)
        nodes.append({"tag": _TAGS[marker], "children": _emphasis(inner, tokens)})
        position = match.end()
    return nodes + _unmask(text[position:], tokens)


def _unmask(text: str, tokens: list[Node]) -> list[Node]:
    nodes: list[Node] = []
    position = 0
    for slot in _SLOTS.finditer(text):
        if slot.start() > position:
            nodes.append({"text": decode(text[position : slot.start()])})
        nodes.append(tokens[ord(slot.group()) - _SLOT_BASE])
        position = slot.end()
    if position < len(text):
        nodes.append({"text": decode(text[position:])})
    return nodes


def _token(body: str, names: Directory) -> Node:
    """One ``<…>``: a user, channel or group mention, a date, a link, or plain text."""
    target, _, label = body.partition("|")
    label = decode(label)
    if target.startswith("@"):
        name = names.user_name(target[1:])
        return {"mention": "@" + (name or label or target[1:])}
    if target.startswith("#"):
        name = names.channel_name(target[1:])
        return {"mention": "#" + (name or label or target[1:])}
    if target.startswith("!date^"):
        return _date(target.split("^"), label)
    if target.startswith("!subteam^"):
        group = target.removeprefix("!subteam^")
        return {"mention": label if label.startswith("@") else "@" + (label or group)}
    if target.startswith("!"):
        special = _SPECIAL.get(target[1:])
        return {"mention": special} if special else {"text": label or target[1:]}
    url = decode(target)
    if _SAFE_URL.fullmatch(url):
        return {"link": url, "children": [{"text": label or url}]}
    return {"text": label or url}


def _date(parts: list[str], fallback: str) -> Node:
    """``<!date^seconds^format|fallback>``; a malformed one shows its fallback, as in Slack."""
    if len(parts) < 3 or not parts[1].isdigit():
        return {"text": fallback}
    return {"date": int(parts[1]), "format": parts[2], "fallback": fallback}


# -- the workspace as one person sees it ------------------------------------


class WorkspaceNames:
    """The workspace's people and channels as a ``Directory``."""

    def __init__(self, workspace: Workspace) -> None:
        self._workspace = workspace

    def user_name(self, user_id: str) -> str | None:
        try:
            return self._workspace.user(user_id).real_name
        except SlackError:
            return None

    def channel_name(self, channel_id: str) -> str | None:
        try:
            return self._workspace.channel(channel_id).name
        except SlackError:
            return None


def snapshot(workspace: Workspace, viewer: str) -> dict[str, Any]:
    """Everything the page shows to ``viewer``: channels with threads, their ephemerals, modal.

    Ephemerals are only ever visible to the person they were sent to, and
    only the top view of the viewer's modal stack is shown, as in Slack.
    """
    names = WorkspaceNames(workspace)
    views = workspace.views.open_views(viewer)
    return {
        "team": workspace.team_name,
        "viewer": viewer,
        "users": [
            {"id": u.id, "name": u.name, "real_name": u.real_name}
            for u in workspace.users()
            if not u.is_bot
        ],
        "channels": [
            _channel(workspace, c, viewer, names)
            for c in workspace.channels()
            if c.im_user in (None, viewer)
        ],
        "view": _view(views[-1], names) if views else None,
    }


def _channel(
    workspace: Workspace, channel: Channel, viewer: str, names: Directory
) -> dict[str, Any]:
    shown: list[dict[str, Any]] = []
    by_ts: dict[str, dict[str, Any]] = {}
    for message in workspace.messages(channel.id):
        item = _item(message.ts, message.user, message.text, message.blocks, names)
        item["edited"] = message.edited_ts is not None
        by_ts[message.ts] = item
        parent = by_ts.get(message.thread_ts or "") if message.is_reply else None
        (parent["replies"] if parent else shown).append(item)
    for ephemeral in workspace.ephemerals(user=viewer, channel=channel.id):
        item = _item(ephemeral.ts, workspace.bot_user_id, ephemeral.text, ephemeral.blocks, names)
        item["ephemeral"] = True
        parent = by_ts.get(ephemeral.thread_ts or "")
        (parent["replies"] if parent else shown).append(item)
    shown.sort(key=lambda item: float(item["ts"]))
    return {"id": channel.id, "name": channel.name, "messages": shown}


def _item(
    ts: str, user: str, text: str, blocks: list[dict[str, Any]], names: Directory
) -> dict[str, Any]:
    """A message as drawn: blocks when it has them, else its text as mrkdwn."""
    return {
        "ts": ts,
        "author": names.user_name(user) or user,
        "blocks": render_blocks(blocks, names),
        "nodes": [] if blocks else mrkdwn(text, names),
        "edited": False,
        "ephemeral": False,
        "replies": [],
    }


def _view(view: View, names: Directory) -> dict[str, Any]:
    payload = render_blocks([view.payload], names)[0]
    return {
        "id": view.id,
        "hash": view.hash,
        "title": payload.get("title"),
        "submit": payload.get("submit"),
        "close": payload.get("close"),
        "blocks": payload.get("blocks", []),
    }
