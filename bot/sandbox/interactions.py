"""People using the app in a sandbox workspace: what Slack would send for each gesture.

"Alice clicks Accept on that card", "Bob submits the reject modal with
reason *competitor*", "Carol types ``/leads pending``": each becomes the
signed request Slack would send, built from the workspace's users, channels,
messages and open views, with a fresh trigger id so the app can open modals.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from typing import Any

from bot.sandbox.signing import (
    EVENTS_PATH,
    SignedRequest,
    block_actions_payload,
    signed_form,
    signed_payload,
    slash_command_form,
    view_submission_payload,
)
from bot.sandbox.workspace import Workspace

#: Response URLs point here unless the stand-in serves them (``FakeSlackServer.response_base``).
DEFAULT_RESPONSE_BASE = "https://hooks.slack.com/actions/"


class Interactions:
    def __init__(
        self,
        workspace: Workspace,
        signing_secret: str,
        *,
        path: str = EVENTS_PATH,
        verification_token: str = "sandbox-verification-token",
        response_base: str = DEFAULT_RESPONSE_BASE,
    ) -> None:
        self.workspace = workspace
        self.signing_secret = signing_secret
        self.path = path
        self.token = verification_token
        self.response_base = response_base

    def command(self, user_id: str, channel: str, command: str, text: str = "") -> SignedRequest:
        fields = slash_command_form(
            command=command,
            text=text,
            user=self._user(user_id),
            channel=self._channel(channel),
            team=self._team(),
            api_app_id=self.workspace.app_id,
            trigger_id=self.workspace.views.issue_trigger_id(user_id),
            response_url=self._response_url(user_id, channel),
            token=self.token,
        )
        return signed_form(fields, self.signing_secret, path=self.path)

    def click(self, user_id: str, channel: str, ts: str, action_id: str) -> SignedRequest:
        """``user_id`` clicks the element ``action_id`` on the message ``ts``."""
        message = self.workspace.message(channel, ts)
        block_id, element = find_element(message.blocks, action_id)
        payload = block_actions_payload(
            user=self._user(user_id),
            team=self._team(),
            channel=self._channel(message.channel),
            message=message.to_slack(with_metadata=False),
            action=element,
            block_id=block_id,
            api_app_id=self.workspace.app_id,
            trigger_id=self.workspace.views.issue_trigger_id(user_id),
            response_url=self._response_url(user_id, message.channel, message.ts),
            token=self.token,
            action_ts=f"{time.time():.6f}",
        )
        return signed_payload(payload, self.signing_secret, path=self.path)

    def submit(self, user_id: str, view_id: str, values: Mapping[str, str]) -> SignedRequest:
        """``user_id`` submits the open modal ``view_id``; ``values`` maps action id → value.

        Select menus take the option's value; inputs left out are sent empty,
        as Slack sends untouched optional inputs.
        """
        ws = self.workspace
        view = ws.views.get(view_id)
        rendered = view.to_slack(ws.team_id, ws.app_id, ws.bot_id)
        payload = view_submission_payload(
            user=self._user(user_id),
            team=self._team(),
            view=rendered,
            values=input_state(rendered["blocks"], values),
            api_app_id=ws.app_id,
            trigger_id=ws.views.issue_trigger_id(user_id),
            token=self.token,
        )
        return signed_payload(payload, self.signing_secret, path=self.path)

    def settle_submission(self, view_id: str, response_body: bytes) -> dict[str, str]:
        """Apply the app's answer to a submission as Slack would; returns field errors.

        An empty answer closes the view; ``response_action`` may update it,
        push another, clear the whole stack or report errors (view stays open).
        """
        answer: dict[str, Any] = json.loads(response_body) if response_body.strip() else {}
        action = answer.get("response_action")
        if action == "errors":
            return dict(answer.get("errors") or {})
        if action == "update":
            self.workspace.views.update(answer["view"], view_id=view_id)
        elif action == "push":
            user = self.workspace.views.get(view_id).user
            self.workspace.views.push(self.workspace.views.issue_trigger_id(user), answer["view"])
        else:
            self.workspace.views.close(view_id, whole_stack=action == "clear")
        return {}

    def _user(self, user_id: str) -> dict[str, str]:
        user = self.workspace.user(user_id)
        return {"id": user.id, "name": user.name}

    def _channel(self, ref: str) -> dict[str, str]:
        channel = self.workspace.channel(ref)
        return {"id": channel.id, "name": channel.name}

    def _team(self) -> dict[str, str]:
        return {"id": self.workspace.team_id, "domain": self.workspace.team_name}

    def _response_url(self, user_id: str, channel: str, message_ts: str | None = None) -> str:
        token = self.workspace.issue_response_token(user_id, channel, message_ts)
        return f"{self.response_base}{token}"


def _elements(blocks: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for block in blocks:
        block_id = str(block.get("block_id", ""))
        if "element" in block:
            yield block_id, block["element"]
        if "accessory" in block:
            yield block_id, block["accessory"]
        for element in block.get("elements", []):
            yield block_id, element


def find_element(blocks: list[dict[str, Any]], action_id: str) -> tuple[str, dict[str, Any]]:
    """The block id and element dict of the interactive element ``action_id``."""
    for block_id, element in _elements(blocks):
        if element.get("action_id") == action_id:
            return block_id, element
    raise LookupError(f"no element with action_id {action_id!r} in these blocks")


def _state_value(element: dict[str, Any], value: str | None) -> dict[str, Any]:
    kind = element.get("type", "")
    if kind == "static_select":
        options = element.get("options") or [
            o for group in element.get("option_groups", []) for o in group["options"]
        ]
        chosen = next((o for o in options if o.get("value") == value), None)
        if value is not None and chosen is None:
            raise ValueError(f"no option {value!r} in {element.get('action_id')!r}")
        return {"type": kind, "selected_option": chosen}
    return {"type": kind, "value": value}


def input_state(
    blocks: list[dict[str, Any]], values: Mapping[str, str]
) -> dict[str, dict[str, dict[str, Any]]]:
    """``view.state.values`` for the input blocks of a modal, as Slack reports them."""
    state: dict[str, dict[str, dict[str, Any]]] = {}
    for block in blocks:
        element = block.get("element")
        if block.get("type") != "input" or not element:
            continue
        action_id = element.get("action_id", "")
        state.setdefault(block.get("block_id", ""), {})[action_id] = _state_value(
            element, values.get(action_id)
        )
    return state
