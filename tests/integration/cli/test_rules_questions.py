"""``leadbot rules check`` on the qualification questions of a rules file."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bot.cli.rules import rules_app
from tests.support.qualification import rules_with_questions

runner = CliRunner()


def check(path: Path | None = None):
    args = ["check"] if path is None else ["check", str(path)]
    return runner.invoke(rules_app, args, env={"COLUMNS": "200"})


def test_check_says_accept_is_one_click_without_questions() -> None:
    result = check()
    assert result.exit_code == 0, result.output
    assert "Accept takes one click: no qualification questions" in result.output


def test_check_lists_the_questions_accept_asks(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(rules_with_questions())
    result = check(path)
    assert result.exit_code == 0, result.output
    assert (
        "Accept asks 4 qualification question(s): Budget (choice); Talking to the decision "
        "maker? (choice); Need (text); Timeline (text, optional)"
    ) in result.output


def test_check_names_a_broken_question_by_its_line(tmp_path: Path) -> None:
    text = rules_with_questions().replace(
        "    - label: Need\n      kind: text\n", "    - label: Need\n      kind: txt\n"
    )
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    line = 1 + text.splitlines().index("      kind: txt")
    result = check(path)
    assert result.exit_code == 1
    assert f"qualification.questions[2].kind (line {line}): must be 'choice' or 'text'" in (
        result.output
    )
