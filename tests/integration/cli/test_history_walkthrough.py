"""The README's "Learning from history" commands, run exactly as written, in an empty folder."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli.main import app
from storage.db import make_engine
from storage.models import Outbox

README = Path(__file__).parents[3] / "README.md"


def walkthrough() -> list[list[str]]:
    """The section's shell block as argument lists (comments dropped, ``export`` kept)."""
    section = README.read_text(encoding="utf-8").split("## Learning from history", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None, "the section has a shell block"
    commands = []
    for line in block.group(1).replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        if words:
            commands.append(words)
    return commands


def test_the_readme_walkthrough_runs_in_a_fresh_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEADBOT_DATABASE_URL", raising=False)
    runner = CliRunner()
    outputs = []
    for words in walkthrough():
        if words[0] == "export":
            name, _, value = words[1].partition("=")
            monkeypatch.setenv(name, value)
            continue
        assert words[0] == ".venv/bin/leadbot", words
        result = runner.invoke(app, words[1:])
        assert result.exit_code == 0, (words, result.output)
        outputs.append(" ".join(words[1:]) + "\n" + result.output)
    text = "\n".join(outputs)
    assert Path("history.db").is_file() and not Path("leadbot.db").exists()
    assert "Stored in SQLite file" in text and "history.db" in text
    assert "held out (time)" in text and "better beyond noise" in text
    assert "MQLs gained:" in text
    for name in ("trial.yaml", "calibrated.yaml"):
        assert "probability:" in Path(name).read_text(encoding="utf-8")
    engine = make_engine("sqlite:///history.db")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Outbox)).scalar_one() == 0
    engine.dispose()
