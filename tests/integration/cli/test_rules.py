"""``leadbot rules`` and ``leadbot init`` as an operator runs them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from bot.cli.rules import init_command, rules_app
from bot.config.rules import default_rules_text, load_config
from tests.support.leads import SENIOR_BUYER, store_scored_lead

runner = CliRunner()
PROFILE = SENIOR_BUYER


def invoke(*args: str):
    return runner.invoke(rules_app, list(args), env={"COLUMNS": "200"})


def test_check_prints_the_summary_of_a_valid_file() -> None:
    result = invoke("check")
    assert result.exit_code == 0, result.output
    assert "Demo request" in result.output and "+40 each" in result.output
    assert "MQL when total ≥ 60 and fit ≥ 15 and engagement ≥ 10" in result.output
    assert "OK: the packaged default rules are valid" in result.output


def test_check_reads_conditions_as_words_not_patterns() -> None:
    result = invoke("check")
    assert "job title mentions vp, svp, evp, vice president or head of" in result.output
    assert "attribute do_not_contact is true or yes" in result.output  # not [true, true, yes]
    assert "country is one of US, CA, GB, IE, DE, AT, … (16 in all)" in result.output
    assert "\\b" not in result.output and "[true" not in result.output


def test_check_lists_problems_and_fails(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    text = default_rules_text().replace("mql: 60", "mql: sixty")
    path.write_text(text)
    line = 1 + text.splitlines().index("    mql: sixty")
    result = invoke("check", str(path))
    assert result.exit_code == 1
    assert f"scoring.threshold.mql (line {line}): must be an integer" in result.output


def test_init_writes_the_default_once(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(init_command)
    path = tmp_path / "leadbot.yaml"
    assert runner.invoke(app, [str(path)]).exit_code == 0
    assert load_config(path) == load_config(None)
    path.write_text("# edited\n")
    refused = runner.invoke(app, [str(path)])
    assert refused.exit_code == 1 and "already exists" in refused.output
    assert path.read_text() == "# edited\n"
    assert runner.invoke(app, [str(path), "--force"]).exit_code == 0
    assert path.read_text() == default_rules_text()


@pytest.fixture
def stored_lead(engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch) -> datetime:
    """A lead scored an hour ago under the default rules."""
    monkeypatch.setenv("LEADBOT_DATABASE_URL", db_url)
    scored_at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    store_scored_lead(engine, scored_at, **PROFILE)
    return scored_at


def test_explain_reproduces_the_stored_score(stored_lead: datetime) -> None:
    result = invoke("explain", "VP@initech.com")
    assert result.exit_code == 0, result.output
    assert "VP or head of department" in result.output
    assert "Pricing page visit" in result.output
    assert "45 / 9 / 54" in result.output  # fit / engagement / total
    assert "stored score is" not in result.output


def test_explain_unknown_email(stored_lead: datetime) -> None:
    result = invoke("explain", "nobody@initech.com")
    assert result.exit_code == 1
    assert "no lead with email nobody@initech.com" in result.output


def test_whatif_counts_mqls_gained_without_writing(stored_lead: datetime, tmp_path: Path) -> None:
    candidate = tmp_path / "candidate.yaml"
    rules = default_rules_text().replace("mql: 60", "mql: 50")
    candidate.write_text(rules.replace("min_engagement: 10", "min_engagement: 5"))
    result = invoke("whatif", str(candidate), "--since", "7d")
    assert result.exit_code == 0, result.output
    assert "1 lead seen or active in the last 7d" in result.output
    assert "MQLs gained: 1   MQLs lost: 0" in result.output
    assert "vp@initech.com" in result.output
    again = invoke("explain", "vp@initech.com")
    assert "stored score is" not in again.output


def test_whatif_lists_the_first_rows_and_all_on_request(
    stored_lead: datetime, engine: Engine, tmp_path: Path
) -> None:
    for n in range(4):
        store_scored_lead(engine, stored_lead, **PROFILE | {"email": f"vp{n}@initech.com"})
    candidate = tmp_path / "candidate.yaml"
    rules = default_rules_text().replace("mql: 60", "mql: 50")
    candidate.write_text(rules.replace("min_engagement: 10", "min_engagement: 5"))

    def listed(output: str) -> int:
        return sum("@initech.com" in line for line in output.splitlines())

    shown = invoke("whatif", str(candidate), "--rows", "2")
    assert shown.exit_code == 0, shown.output
    assert "5 leads seen or active in the last 30d" in shown.output
    assert "MQLs gained: 5   MQLs lost: 0" in shown.output
    assert listed(shown.output) == 2
    assert "… and 3 more (--all lists every one)" in shown.output
    every = invoke("whatif", str(candidate), "--rows", "2", "--all")
    assert listed(every.output) == 5 and "more" not in every.output


def test_whatif_shows_progress_in_a_terminal(stored_lead: datetime, tmp_path: Path) -> None:
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text(default_rules_text())
    result = runner.invoke(
        rules_app, ["whatif", str(candidate)], env={"COLUMNS": "200", "TTY_COMPATIBLE": "1"}
    )
    assert result.exit_code == 0, result.output
    assert "re-scoring" in result.stderr and "1/1" in result.stderr
    assert "re-scoring" not in result.stdout  # the report itself can be piped
