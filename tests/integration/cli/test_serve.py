"""Starting the server as an operator would: configuration errors and schema checks."""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from bot.config.settings import SANDBOX_WEBHOOK_SECRET


def leadbot(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LEADBOT_", "PORT"))
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli.main", *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_bad_configuration_prints_one_line_per_problem_without_traceback(tmp_path: Path) -> None:
    result = leadbot(
        "serve",
        env={"SLACK_BOT_TOKEN": "not-a-token", "LEADBOT_WEBHOOK_SECRET": "whsec_short",
             "LEADBOT_DATABASE_URL": "mysql://db", "LEADBOT_CONFIG": str(tmp_path / "none.yaml")},
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 5, result.stderr
    for needle in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "LEADBOT_WEBHOOK_SECRET",
                   "LEADBOT_DATABASE_URL", "LEADBOT_CONFIG"):  # fmt: skip
        assert any(needle in line for line in lines), needle


def test_a_malformed_number_is_named(tmp_path: Path) -> None:
    result = leadbot("serve", env={"PORT": "eighty"}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: PORT:")
    assert "Traceback" not in result.stderr


def test_serve_refuses_an_unmigrated_database_and_names_the_fix(tmp_path: Path) -> None:
    env = {"LEADBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    refused = leadbot("serve", env=env, cwd=tmp_path)
    assert refused.returncode == 2
    assert "run `leadbot db upgrade`" in refused.stderr
    upgraded = leadbot("db", "upgrade", env=env, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    current = leadbot("db", "current", env=env, cwd=tmp_path)
    assert current.returncode == 0
    assert "current: " in current.stdout


def test_an_invalid_rules_file_stops_start_up_with_its_place(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("scoring:\n  threshold: {mql: lots}\n")
    env = {
        "LEADBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "LEADBOT_CONFIG": str(rules),
    }
    assert leadbot("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    result = leadbot("serve", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "scoring.threshold.mql (line 2)" in result.stderr
    assert "Traceback" not in result.stderr


def banner(env: dict[str, str], cwd: Path, until: str) -> tuple[str, str]:
    """What ``leadbot serve`` prints at start-up, read up to the line containing ``until``."""
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LEADBOT_", "PORT"))
    }
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = str(sock.getsockname()[1])
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli.main", "serve", "--port", port],
        env={**clean, **env, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:  # the banner comes before the server starts
            lines.append(line)
            if until in line:
                break
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=30)
    return "".join(lines), errors


def test_the_sandbox_banner_names_the_webhook_secret(tmp_path: Path, sqlite_template: Path) -> None:
    database = shutil.copy(sqlite_template, tmp_path / "leadbot.db")
    env = {"LEADBOT_DATABASE_URL": f"sqlite:///{database}"}
    shown, errors = banner(env, tmp_path, until="demo:")
    assert f"secret:    {SANDBOX_WEBHOOK_SECRET}  (the built-in sandbox secret" in shown
    assert "warning" not in errors


def test_a_workspace_banner_never_prints_the_secret(tmp_path: Path, sqlite_template: Path) -> None:
    database = shutil.copy(sqlite_template, tmp_path / "leadbot.db")
    secret = "whsec_" + base64.b64encode(b"w" * 32).decode()
    env = {
        "LEADBOT_DATABASE_URL": f"sqlite:///{database}",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "signing",
        "LEADBOT_WEBHOOK_SECRET": secret,
        "LEADBOT_SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    shown, errors = banner(env, tmp_path, until="webhook:")
    assert "mode:      Slack workspace" in shown
    assert secret not in shown + errors and "secret:" not in shown


def test_sandbox_mode_on_postgresql_warns_to_run_one_instance(
    tmp_path: Path, postgres_database: str
) -> None:
    shown, errors = banner({"LEADBOT_DATABASE_URL": postgres_database}, tmp_path, until="demo:")
    assert "mode:      sandbox" in shown
    assert "warning: sandbox mode on PostgreSQL: run a single instance" in errors
