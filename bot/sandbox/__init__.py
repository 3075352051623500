"""A Slack workspace stand-in: the Web API over HTTP, and signed requests as Slack sends them.

The integration tests and the sandbox mode of ``leadbot serve`` (no Slack
token) both run on it, so what the tests prove is what a newcomer sees.
"""

from bot.sandbox.faults import Faults
from bot.sandbox.interactions import Interactions
from bot.sandbox.models import ApiCall, Change, Channel, Ephemeral, Message, SlackError, User, View
from bot.sandbox.server import FakeSlackServer
from bot.sandbox.signing import SignedRequest, sign
from bot.sandbox.web_api import SlackWebApi, create_app
from bot.sandbox.workspace import Workspace

__all__ = [
    "ApiCall",
    "Change",
    "Channel",
    "Ephemeral",
    "FakeSlackServer",
    "Faults",
    "Interactions",
    "Message",
    "SignedRequest",
    "SlackError",
    "SlackWebApi",
    "User",
    "View",
    "Workspace",
    "create_app",
    "sign",
]
