"""Every lead source leadbot understands natively, for the routes, the CLI and the docs.

A source is on when its secret is set (``LEADBOT_TYPEFORM_SECRET`` …). In
sandbox mode (no Slack token) every source is on with a built-in development
secret, as the generic webhook is, so ``leadbot demo --source NAME`` works on
a laptop with no vendor account. Adding a vendor means one module with
``verify``/``sign``/``translate`` and one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import SecretStr

from bot.config.settings import Settings
from bot.config.sources import SourcesConfig
from bot.sources import calendly, segment, tally, typeform, unbounce, webflow
from bot.sources.delivery import Delivery, SourceEvent

Verify = Callable[[Delivery, str, datetime], None]
Sign = Callable[[bytes, str, datetime], dict[str, str]]
Translate = Callable[[Delivery, SourcesConfig, datetime], list[SourceEvent]]


@dataclass(frozen=True)
class Source:
    name: str
    title: str
    #: the environment variable that turns the source on (the Settings field it fills)
    secret_env: str
    setting: str
    #: used in sandbox mode when the variable is unset; public, so never accepted otherwise
    sandbox_secret: str
    verify: Verify
    sign: Sign
    translate: Translate
    #: Unbounce cannot sign: its secret is the last part of the URL
    token_in_url: bool = False

    @property
    def path(self) -> str:
        return f"/webhooks/{self.name}"

    def secret(self, settings: Settings) -> str | None:
        """The secret that verifies deliveries, or None when the source is off."""
        value: SecretStr | None = getattr(settings, self.setting)
        if value is not None:
            return value.get_secret_value()
        return self.sandbox_secret if settings.sandbox else None

    def url(self, settings: Settings, secret: str | None = None) -> str:
        """The URL to paste into the vendor's UI (with the token, for Unbounce, when given)."""
        url = settings.base_url + self.path
        if self.token_in_url:
            url += f"/{secret or '<' + self.secret_env + '>'}"
        return url


SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        Source(
            "typeform",
            "Typeform",
            "LEADBOT_TYPEFORM_SECRET",
            "typeform_secret",
            "leadbot-sandbox-typeform-secret",
            typeform.verify,
            typeform.sign,
            typeform.translate,
        ),
        Source(
            "tally",
            "Tally",
            "LEADBOT_TALLY_SECRET",
            "tally_secret",
            "leadbot-sandbox-tally-secret",
            tally.verify,
            tally.sign,
            tally.translate,
        ),
        Source(
            "webflow",
            "Webflow",
            "LEADBOT_WEBFLOW_SECRET",
            "webflow_secret",
            "leadbot-sandbox-webflow-secret",
            webflow.verify,
            webflow.sign,
            webflow.translate,
        ),
        Source(
            "calendly",
            "Calendly",
            "LEADBOT_CALENDLY_SECRET",
            "calendly_secret",
            "leadbot-sandbox-calendly-secret",
            calendly.verify,
            calendly.sign,
            calendly.translate,
        ),
        Source(
            "segment",
            "Segment",
            "LEADBOT_SEGMENT_SECRET",
            "segment_secret",
            "leadbot-sandbox-segment-secret",
            segment.verify,
            segment.sign,
            segment.translate,
        ),
        Source(
            "unbounce",
            "Unbounce",
            "LEADBOT_UNBOUNCE_TOKEN",
            "unbounce_token",
            "leadbot-sandbox-unbounce-token",
            unbounce.verify,
            unbounce.sign,
            unbounce.translate,
            token_in_url=True,
        ),
    )
}
