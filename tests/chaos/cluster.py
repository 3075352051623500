"""``leadbot serve`` instances as separate processes, their rules, and the traffic they get.

Each instance is the real command, started with the environment an operator
would set, talking to the chaos suite's Slack fake. Instances can be stopped,
killed with SIGKILL and started again on the same database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from bot.demo.client import signed_request
from tests.chaos.slack_fake import TOKEN
from tests.chaos.slack_requests import SIGNING_SECRET
from tests.support.ingest import SECRET
from tests.support.servers import free_port

ROOT = Path(__file__).parents[2]
DEFAULT_RULES = ROOT / "bot" / "config" / "defaults" / "rules.yaml"
#: target countries of the default rules; each gets its own sales channel, so the
#: per-channel pacing (one message a second) spreads over many lanes
COUNTRIES = ["US", "CA", "GB", "IE", "DE", "AT", "CH", "FR", "NL", "BE", "SE", "DK", "NO",
             "FI", "AU", "NZ"]  # fmt: skip
DIGEST_CHANNELS = ["C0DIGESTA", "C0DIGESTB", "C0DIGESTC"]
DECIDERS = ["U0ALICE", "U0BOB"]


def channel_for(country: str) -> str:
    return f"C0SALES{country}"


def write_rules(path: Path, *, digests: bool = False) -> Path:
    """The default rules with one sales channel per country and no other Slack posts."""
    rules = yaml.safe_load(DEFAULT_RULES.read_text())
    rules["slack"] = {
        "marketing_channels": [],
        "sales_channel": "C0SALES",
        "sales_mention": None,
        "urgent_channel": None,
        "escalation_channel": None,
        "routes": [
            {"name": f"route {c}", "countries": [c], "channel": channel_for(c)} for c in COUNTRIES
        ],
        "deciders": {"users": DECIDERS, "groups": []},
    }
    # daily at midnight UTC on every day: the latest run is always due, so every
    # instance tries to catch up on it at start-up
    every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    rules["digests"] = {
        "timezone": "UTC",
        "schedules": [{"channel": c, "at": "00:00", "days": every_day} for c in DIGEST_CHANNELS]
        if digests
        else [],
    }
    path.write_text(yaml.safe_dump(rules, sort_keys=False))
    return path


def lead_event(n: int, *, prefix: str = "lead") -> dict[str, Any]:
    """A demo request from a VP at a software company: an MQL at once, one card."""
    country = COUNTRIES[n % len(COUNTRIES)]
    return {
        "id": f"{prefix}-{n}",
        "type": "lead.activity",
        "lead": {
            "email": f"{prefix}{n}@chaos.example",
            "first_name": "Lee",
            "last_name": f"Number {n}",
            "job_title": "VP Sales",
            "company": f"Chaos {n} GmbH",
            "company_size": 500,
            "industry": "Software",
            "country": country,
        },
        "activity": {"type": "demo_request", "properties": {"page": "/demo"}},
    }


def post_events(base_url: str, events: list[dict[str, Any]], client: httpx.Client) -> int:
    headers, body = signed_request(SECRET, {"events": events})
    return client.post(f"{base_url}/webhooks/generic", content=body, headers=headers).status_code


@dataclass
class Instance:
    """One ``leadbot serve`` process (``start`` again after ``kill`` or ``stop``)."""

    name: str
    database_url: str
    rules: Path
    slack_api_url: str
    logs: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        inherited = {
            k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LEADBOT_", "PORT"))
        }
        return {
            **inherited,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "LEADBOT_WEBHOOK_SECRET": SECRET,
            "LEADBOT_SLACK_API_URL": self.slack_api_url,
            "LEADBOT_DATABASE_URL": self.database_url,
            "LEADBOT_CONFIG": str(self.rules),
            "LEADBOT_PORT": str(self.port),
            "LEADBOT_LOG_LEVEL": "INFO",
        }

    def launch(self) -> None:
        """Start the process without waiting for it (see ``wait_ready``)."""
        with self.logs.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli.main", "serve"],
                env=self.environment(),
                cwd=self.logs.parent,
                stdout=log,
                stderr=log,
            )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.logs.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} did not answer /healthz in {timeout:.0f} s")

    def start(self) -> Instance:
        self.launch()
        self.wait_ready()
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when a machine or container dies."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)
            self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def upgrade(database_url: str, cwd: Path) -> None:
    """``leadbot db upgrade`` on ``database_url``."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LEADBOT_")}
    subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "db", "upgrade"],
        env={**environment, "LEADBOT_DATABASE_URL": database_url},
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=120,
    )
