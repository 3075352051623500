"""Process settings: one object, read from the environment and ``.env``.

Everything configurable about the process (credentials, database, ports,
limits) lives here; the business rules (scoring, channels, schedules) live in
the YAML rules file that ``LEADBOT_CONFIG`` points at (``bot.config.rules``).
"""

from __future__ import annotations

import base64
import ipaddress
import re
import secrets
from pathlib import Path
from typing import Literal

from pydantic import (
    AliasChoices,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

SLACK_API_URL = "https://slack.com/api/"

#: Used only in sandbox mode (no Slack token), so a newcomer can send signed
#: test events without configuring anything. Refused in workspace mode.
SANDBOX_WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"leadbot-sandbox-webhook-secret!!").decode()
SANDBOX_SIGNING_SECRET = "leadbot-sandbox-signing-secret"
SANDBOX_BOT_TOKEN = "xoxb-sandbox"
#: the shortest sandbox password accepted
SANDBOX_PASSWORD_MIN = 12
#: a secret that travels in a URL path (the Unbounce token)
_URL_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,}")


class ConfigError(Exception):
    """Start-up configuration problems, one human-readable line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    slack_bot_token: SecretStr | None = Field(
        default=None,
        validation_alias="SLACK_BOT_TOKEN",
        description="Bot token (xoxb-…). Unset: run the built-in Slack sandbox.",
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None,
        validation_alias="SLACK_SIGNING_SECRET",
        description="Verifies requests from Slack. Required with a bot token over HTTP.",
    )
    slack_app_token: SecretStr | None = Field(
        default=None,
        validation_alias="SLACK_APP_TOKEN",
        description="App-level token (xapp-…). Set: Slack traffic uses Socket Mode.",
    )
    slack_api_url: str = Field(
        default=SLACK_API_URL,
        validation_alias="LEADBOT_SLACK_API_URL",
        description="Base URL of the Slack Web API (tests, proxies).",
    )
    database_url: str = Field(
        default="sqlite:///./leadbot.db",
        validation_alias="LEADBOT_DATABASE_URL",
        description="SQLAlchemy URL; postgresql+psycopg://… to run several instances.",
    )
    config_path: Path | None = Field(
        default=None,
        validation_alias="LEADBOT_CONFIG",
        description="Rules and channels YAML. Unset: the packaged default rules.",
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        validation_alias="LEADBOT_WEBHOOK_SECRET",
        description="Standard Webhooks secret (whsec_…) for POST /webhooks/generic.",
    )
    typeform_secret: SecretStr | None = Field(
        default=None,
        validation_alias="LEADBOT_TYPEFORM_SECRET",
        description="Typeform webhook secret; set: POST /webhooks/typeform is on.",
    )
    tally_secret: SecretStr | None = Field(
        default=None,
        validation_alias="LEADBOT_TALLY_SECRET",
        description="Tally signing secret; set: POST /webhooks/tally is on.",
    )
    webflow_secret: SecretStr | None = Field(
        default=None,
        validation_alias="LEADBOT_WEBFLOW_SECRET",
        description="Webflow webhook secret key; set: POST /webhooks/webflow is on.",
    )
    calendly_secret: SecretStr | None = Field(
        default=None,
        validation_alias="LEADBOT_CALENDLY_SECRET",
        description="Calendly signing key; set: POST /webhooks/calendly is on.",
    )
    segment_secret: SecretStr | None = Field(
        default=None,
        validation_alias="LEADBOT_SEGMENT_SECRET",
        description="Segment shared secret; set: POST /webhooks/segment is on.",
    )
    unbounce_token: SecretStr | None = Field(
        default=None,
        validation_alias="LEADBOT_UNBOUNCE_TOKEN",
        description="Token in the Unbounce URL; set: POST /webhooks/unbounce/TOKEN is on.",
    )
    host: str = Field(
        default="127.0.0.1", validation_alias="LEADBOT_HOST", description="Address to listen on."
    )
    port: int = Field(
        default=3000,
        ge=1,
        le=65535,
        validation_alias=AliasChoices("PORT", "LEADBOT_PORT"),
        description="Port to listen on (PORT or LEADBOT_PORT).",
    )
    public_url: str | None = Field(
        default=None,
        validation_alias="LEADBOT_PUBLIC_URL",
        description="URL people reach the server at (links, sandbox). Default: http://host:port.",
    )
    max_body_bytes: int = Field(
        default=256 * 1024,
        ge=1024,
        validation_alias="LEADBOT_MAX_BODY_BYTES",
        description="Largest webhook body accepted; larger gets 413.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", validation_alias="LEADBOT_LOG_LEVEL", description="Log level."
    )
    allow_remote_sandbox: bool = Field(
        default=False,
        validation_alias="LEADBOT_ALLOW_REMOTE_SANDBOX",
        description="Let sandbox mode listen beyond this machine (serve --allow-remote-sandbox).",
    )
    sandbox_password: SecretStr | None = Field(
        default=None,
        validation_alias="LEADBOT_SANDBOX_PASSWORD",
        description="Password for the sandbox page; required with --allow-remote-sandbox.",
    )
    #: a remote sandbox's signing secret and bot token: random, never the public built-ins
    _remote_sandbox_secret: str = PrivateAttr(default_factory=lambda: secrets.token_urlsafe(32))

    @property
    def sandbox(self) -> bool:
        """No bot token: the built-in Slack stand-in plays the workspace."""
        return self.slack_bot_token is None

    @property
    def remote_sandbox(self) -> bool:
        """Sandbox mode open to other machines: password, random secrets, no built-ins."""
        return self.sandbox and self.allow_remote_sandbox

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host  # an IPv6 address
        return (self.public_url or f"http://{host}:{self.port}").rstrip("/")

    def effective_webhook_secret(self) -> str:
        if self.webhook_secret is not None:
            return self.webhook_secret.get_secret_value()
        return SANDBOX_WEBHOOK_SECRET

    def effective_signing_secret(self) -> str:
        if self.slack_signing_secret is not None:
            return self.slack_signing_secret.get_secret_value()
        return self._remote_sandbox_secret if self.remote_sandbox else SANDBOX_SIGNING_SECRET

    def sandbox_bot_token(self) -> str:
        """The token the app and its in-process Slack stand-in share in sandbox mode."""
        if self.remote_sandbox:
            return f"{SANDBOX_BOT_TOKEN}-{self._remote_sandbox_secret}"
        return SANDBOX_BOT_TOKEN

    def sandbox_exposure(self) -> list[str]:
        """Why this sandbox must not listen where it would, if it must not.

        The sandbox's secrets are public (they are in this file), so a sandbox
        reachable from other machines would take anyone's leads and decisions
        and show lead data to anyone. It listens on loopback unless told otherwise.
        """
        if not self.sandbox or self.allow_remote_sandbox or _is_loopback(self.host):
            return []
        return [
            f"LEADBOT_HOST: sandbox mode (no SLACK_BOT_TOKEN) would serve lead data on "
            f"{self.host} to anyone who can reach it; listen on 127.0.0.1, or pass "
            "--allow-remote-sandbox with LEADBOT_SANDBOX_PASSWORD and LEADBOT_WEBHOOK_SECRET set"
        ]

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        problems: list[str] = []
        token = self.slack_bot_token.get_secret_value() if self.slack_bot_token else None
        if token is not None and not token.startswith("xoxb-"):
            problems.append("SLACK_BOT_TOKEN: must be a bot token starting with xoxb-")
        if self.slack_app_token is not None:
            if not self.slack_app_token.get_secret_value().startswith("xapp-"):
                problems.append("SLACK_APP_TOKEN: must be an app-level token starting with xapp-")
            if token is None:
                problems.append("SLACK_APP_TOKEN: Socket Mode also needs SLACK_BOT_TOKEN")
        if token is not None and self.slack_app_token is None and self.slack_signing_secret is None:
            problems.append(
                "SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN over HTTP "
                "(Slack app settings → Basic Information → Signing Secret)"
            )
        if token is not None and self.webhook_secret is None:
            problems.append(
                "LEADBOT_WEBHOOK_SECRET: required outside the sandbox "
                "(generate one with `leadbot secret`)"
            )
        if self.remote_sandbox:
            problems.extend(_remote_sandbox_problems(self))
        if self.webhook_secret is not None:
            problems.extend(_webhook_secret_problems(self.webhook_secret.get_secret_value()))
        if not self.database_url.startswith(("sqlite:", "postgresql")):
            problems.append(
                "LEADBOT_DATABASE_URL: use sqlite:///path.db or postgresql+psycopg://user@host/db"
            )
        if self.unbounce_token is not None and not _URL_TOKEN.fullmatch(
            self.unbounce_token.get_secret_value()
        ):
            problems.append(
                "LEADBOT_UNBOUNCE_TOKEN: it goes in a URL: use at least 16 characters from "
                "A-Z a-z 0-9 - _ (`leadbot secret --token` makes one)"
            )
        if self.config_path is not None and not self.config_path.is_file():
            problems.append(f"LEADBOT_CONFIG: no such file: {self.config_path}")
        if problems:
            raise ValueError("\n".join(problems))
        return self


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name other than localhost may resolve anywhere
        return False


def _remote_sandbox_problems(settings: Settings) -> list[str]:
    problems = []
    password = settings.sandbox_password
    if password is None or len(password.get_secret_value()) < SANDBOX_PASSWORD_MIN:
        problems.append(
            "LEADBOT_SANDBOX_PASSWORD: a sandbox open to other machines needs a password "
            f"of at least {SANDBOX_PASSWORD_MIN} characters for its page"
        )
    if settings.webhook_secret is None:
        problems.append(
            "LEADBOT_WEBHOOK_SECRET: a sandbox open to other machines must not accept the "
            "public sandbox secret (generate one with `leadbot secret`)"
        )
    return problems


def _webhook_secret_problems(secret: str) -> list[str]:
    body = secret.removeprefix("whsec_")
    try:
        key = base64.b64decode(body, validate=True)
    except ValueError:
        return ["LEADBOT_WEBHOOK_SECRET: must be whsec_ followed by base64"]
    if len(key) < 24:
        return ["LEADBOT_WEBHOOK_SECRET: key too short, use at least 24 random bytes"]
    return []


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning validation errors into a ``ConfigError``."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def _describe(exc: ValidationError) -> list[str]:
    aliases = {
        name: (field.validation_alias if isinstance(field.validation_alias, str) else name.upper())
        for name, field in Settings.model_fields.items()
    }
    lines: list[str] = []
    for error in exc.errors():
        if error["type"] == "value_error" and not error["loc"]:
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.extend(message.splitlines())
            continue
        name = str(error["loc"][0]) if error["loc"] else "settings"
        lines.append(f"{aliases.get(name, name)}: {error['msg']}")
    return lines
