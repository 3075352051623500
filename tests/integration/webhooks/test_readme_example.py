"""The README's Python example, run as written against a server in sandbox mode."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from bot.app import Features, create_app
from bot.config.settings import Settings
from bot.runtime.serving import ThreadedServer

README = Path(__file__).parents[3] / "README.md"


def python_example() -> str:
    [code] = re.findall(r"```python\n(.*?)```", README.read_text(), re.DOTALL)
    return code


def test_the_python_example_signs_with_the_sandbox_secret(
    tmp_path: Path, sqlite_template: Path
) -> None:
    database = shutil.copy(sqlite_template, tmp_path / "leadbot.db")
    settings = Settings(database_url=f"sqlite:///{database}")
    assert settings.sandbox and settings.webhook_secret is None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LEADBOT_"))}
    ingest_only = Features(slack=False, webhooks=False, sandbox=False)
    with ThreadedServer(create_app(settings, features=ingest_only)) as server:
        done = subprocess.run(
            [sys.executable, "-c", python_example()],
            env={**env, "LEADBOT_URL": server.url},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("202 "), done.stdout
    assert "'duplicate': False" in done.stdout
