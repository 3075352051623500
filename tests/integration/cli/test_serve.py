"""Starting the server as an operator would: configuration errors and schema checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


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
