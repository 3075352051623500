"""Web API methods of the Slack stand-in: Slack's arguments in, Slack's response shapes out.

Each method takes the workspace and the request's parameters (JSON fields
such as ``blocks`` already decoded) and returns the response body; Slack
errors are raised as ``SlackError`` and become ``{"ok": false, "error": …}``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot.sandbox.models import Message, SlackError
from bot.sandbox.workspace import Workspace
from bot.slack.text import BLOCKS_PER_MESSAGE_MAX, MESSAGE_TEXT_MAX

Params = dict[str, Any]
Method = Callable[[Workspace, Params], dict[str, Any]]

DEFAULT_PAGE = 100


def _required(params: Params, name: str, error: str) -> str:
    value = params.get(name)
    if not value:
        raise SlackError(error)
    return str(value)


def _flag(value: object) -> bool:
    return value is True or str(value).lower() in {"1", "true"}


def _content(params: Params) -> tuple[str, list[dict[str, Any]] | None]:
    """The text and blocks of a message, checked the way Slack checks them."""
    text = str(params.get("text") or "")
    blocks = params.get("blocks")
    if blocks is not None and (
        not isinstance(blocks, list) or len(blocks) > BLOCKS_PER_MESSAGE_MAX
    ):
        raise SlackError("invalid_blocks")
    if len(text) > MESSAGE_TEXT_MAX:
        raise SlackError("msg_too_long")
    return text, blocks


def _metadata(params: Params) -> dict[str, Any] | None:
    metadata = params.get("metadata")
    if metadata is None:
        return None
    if not isinstance(metadata, dict) or "event_type" not in metadata:
        raise SlackError("invalid_metadata_format")
    return metadata


def _page(items: Sequence[Any], params: Params) -> tuple[list[Any], dict[str, Any]]:
    """Cursor pagination as Slack does it: an opaque cursor, empty when done."""
    limit = int(params.get("limit") or DEFAULT_PAGE)
    start = int(params.get("cursor") or 0)
    page = list(items[start : start + limit])
    more = start + limit < len(items)
    return page, {
        "has_more": more,
        "response_metadata": {"next_cursor": str(start + limit) if more else ""},
    }


def auth_test(ws: Workspace, params: Params) -> dict[str, Any]:
    return {
        "ok": True,
        "url": f"https://{ws.team_name}.slack.com/",
        "team": ws.team_name,
        "user": "leadbot",
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


def _message_response(message: Message) -> dict[str, Any]:
    return {"ok": True, "channel": message.channel, "ts": message.ts, "message": message.to_slack()}


def chat_post_message(ws: Workspace, params: Params) -> dict[str, Any]:
    channel = _required(params, "channel", "channel_not_found")
    text, blocks = _content(params)
    if not text and not blocks and not params.get("attachments"):
        raise SlackError("no_text")
    message = ws.post(
        channel,
        text=text,
        blocks=blocks,
        thread_ts=params.get("thread_ts") or None,
        metadata=_metadata(params),
    )
    return _message_response(message)


def chat_update(ws: Workspace, params: Params) -> dict[str, Any]:
    channel = _required(params, "channel", "channel_not_found")
    ts = _required(params, "ts", "message_not_found")
    text, blocks = _content(params)
    message = ws.update(
        channel,
        ts,
        text=text if "text" in params else None,
        blocks=blocks,
        metadata=_metadata(params),
    )
    return {**_message_response(message), "text": message.text}


def chat_post_ephemeral(ws: Workspace, params: Params) -> dict[str, Any]:
    channel = _required(params, "channel", "channel_not_found")
    user = _required(params, "user", "user_not_found")
    text, blocks = _content(params)
    if not text and not blocks:
        raise SlackError("no_text")
    ephemeral = ws.post_ephemeral(
        channel, user, text=text, blocks=blocks, thread_ts=params.get("thread_ts") or None
    )
    return {"ok": True, "message_ts": ephemeral.ts}


def chat_delete(ws: Workspace, params: Params) -> dict[str, Any]:
    channel = _required(params, "channel", "channel_not_found")
    message = ws.delete(channel, _required(params, "ts", "message_not_found"))
    return {"ok": True, "channel": message.channel, "ts": message.ts}


def chat_get_permalink(ws: Workspace, params: Params) -> dict[str, Any]:
    channel = _required(params, "channel", "channel_not_found")
    ts = _required(params, "message_ts", "message_not_found")
    return {"ok": True, "channel": ws.channel(channel).id, "permalink": ws.permalink(channel, ts)}


def _in_window(message: Message, params: Params) -> bool:
    """``oldest``/``latest`` bounds; Slack makes them exclusive unless ``inclusive``."""
    ts = float(message.ts)
    oldest, latest = params.get("oldest"), params.get("latest")
    inclusive = _flag(params.get("inclusive"))
    if oldest and (ts < float(oldest) or (ts == float(oldest) and not inclusive)):
        return False
    return not (latest and (ts > float(latest) or (ts == float(latest) and not inclusive)))


def conversations_history(ws: Workspace, params: Params) -> dict[str, Any]:
    """Newest first; metadata only with ``include_all_metadata``, as Slack does."""
    channel = _required(params, "channel", "channel_not_found")
    messages = [
        m for m in reversed(ws.messages(channel, include_replies=False)) if _in_window(m, params)
    ]
    page, paging = _page(messages, params)
    with_metadata = _flag(params.get("include_all_metadata"))
    rendered = [m.to_slack(with_metadata=with_metadata) for m in page]
    return {"ok": True, "messages": rendered, "pin_count": 0, **paging}


def conversations_replies(ws: Workspace, params: Params) -> dict[str, Any]:
    channel = _required(params, "channel", "channel_not_found")
    ts = _required(params, "ts", "thread_not_found")
    try:
        thread = ws.replies(channel, ts)
    except SlackError as exc:
        raise SlackError("thread_not_found") from exc
    page, paging = _page([m for m in thread if _in_window(m, params)], params)
    with_metadata = _flag(params.get("include_all_metadata"))
    return {
        "ok": True,
        "messages": [m.to_slack(with_metadata=with_metadata) for m in page],
        **paging,
    }


def conversations_info(ws: Workspace, params: Params) -> dict[str, Any]:
    channel = ws.channel(_required(params, "channel", "channel_not_found"))
    return {"ok": True, "channel": channel.to_slack()}


def conversations_list(ws: Workspace, params: Params) -> dict[str, Any]:
    page, paging = _page([c.to_slack() for c in ws.channels()], params)
    return {"ok": True, "channels": page, "response_metadata": paging["response_metadata"]}


def users_info(ws: Workspace, params: Params) -> dict[str, Any]:
    user = ws.user(_required(params, "user", "user_not_found"))
    return {"ok": True, "user": user.to_slack(ws.team_id)}


def users_list(ws: Workspace, params: Params) -> dict[str, Any]:
    page, paging = _page([u.to_slack(ws.team_id) for u in ws.users()], params)
    return {
        "ok": True,
        "members": page,
        "cache_ts": 0,
        "response_metadata": paging["response_metadata"],
    }


def usergroups_users_list(ws: Workspace, params: Params) -> dict[str, Any]:
    group = _required(params, "usergroup", "no_such_subteam")
    return {"ok": True, "users": ws.usergroup_members(group)}


def _view_payload(params: Params) -> dict[str, Any]:
    view = params.get("view")
    if not isinstance(view, dict) or view.get("type") not in {"modal", "home"}:
        raise SlackError("invalid_arguments")
    if len(view.get("blocks") or []) > 100:
        raise SlackError("invalid_arguments")
    return view


def _view_response(ws: Workspace, view_id: str) -> dict[str, Any]:
    view = ws.views.get(view_id)
    return {"ok": True, "view": view.to_slack(ws.team_id, ws.app_id, ws.bot_id)}


def views_open(ws: Workspace, params: Params) -> dict[str, Any]:
    trigger_id = _required(params, "trigger_id", "invalid_trigger_id")
    return _view_response(ws, ws.views.open(trigger_id, _view_payload(params)).id)


def views_push(ws: Workspace, params: Params) -> dict[str, Any]:
    trigger_id = _required(params, "trigger_id", "invalid_trigger_id")
    return _view_response(ws, ws.views.push(trigger_id, _view_payload(params)).id)


def views_update(ws: Workspace, params: Params) -> dict[str, Any]:
    view = ws.views.update(
        _view_payload(params),
        view_id=params.get("view_id") or None,
        external_id=params.get("external_id") or None,
        hash=params.get("hash") or None,
    )
    return _view_response(ws, view.id)


def respond(ws: Workspace, token: str, body: Params) -> None:
    """An answer posted to a ``response_url``, applied as Slack applies it.

    By default it is ephemeral to the user who acted; ``in_channel`` posts it
    for everyone; ``replace_original``/``delete_original`` act on the
    message whose button was clicked.
    """
    target = ws.response_target(token)
    if _flag(body.get("delete_original")) and target.message_ts:
        ws.delete(target.channel, target.message_ts)
        return
    text, blocks = _content(body)
    if _flag(body.get("replace_original")) and target.message_ts:
        ws.update(target.channel, target.message_ts, text=text, blocks=blocks)
    elif body.get("response_type") == "in_channel":
        ws.post(target.channel, text=text, blocks=blocks, thread_ts=body.get("thread_ts"))
    else:
        ws.post_ephemeral(target.channel, target.user, text=text, blocks=blocks)


METHODS: dict[str, Method] = {
    "auth.test": auth_test,
    "chat.postMessage": chat_post_message,
    "chat.update": chat_update,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.delete": chat_delete,
    "chat.getPermalink": chat_get_permalink,
    "conversations.history": conversations_history,
    "conversations.replies": conversations_replies,
    "conversations.info": conversations_info,
    "conversations.list": conversations_list,
    "users.info": users_info,
    "users.list": users_list,
    "usergroups.users.list": usergroups_users_list,
    "views.open": views_open,
    "views.update": views_update,
    "views.push": views_push,
}
