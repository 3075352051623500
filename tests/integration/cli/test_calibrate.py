"""import → calibrate → evaluate through the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import math
import random
import re
from pathlib import Path

import pytest
import typer
from click.testing import Result
from typer.testing import CliRunner

from bot.cli.history import register
from bot.config.rules import load_config
from bot.history.synthetic import generate_history

CURRENT_RULES = """\
scoring:
  threshold: {mql: 50, min_fit: 10}
  fit:
    - {label: Enterprise plan, field: attributes.plan, equals: enterprise, points: 30}
  disqualify:
    - {label: Competitor, field: email_domain, in: [rival.example], reason: a competitor}
"""

MAPPING = """\
key: Id
columns:
  Plan: attributes.plan
  Visits: {to: attributes.visits, type: number}
  Newsletter: {to: attributes.newsletter, type: boolean}
  Won: converted
"""


@pytest.fixture
def app(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> typer.Typer:
    monkeypatch.setenv("LEADBOT_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    Path("map.yaml").write_text(MAPPING, encoding="utf-8")
    Path("current.yaml").write_text(CURRENT_RULES, encoding="utf-8")
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    return app


def invoke(app: typer.Typer, *args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def history_csv(path: Path, n: int = 900) -> None:
    rng = random.Random(3)
    lines = ["Id,Plan,Visits,Newsletter,Won"]
    for i in range(n):
        plan = rng.choice(["enterprise", "team", "free"])
        visits = rng.choice([0, 1, 2, 4, 8, 16])
        newsletter = rng.random() < 0.5
        logit = -1.5 + {"enterprise": 2.5, "team": 1.2, "free": 0}[plan] + 0.1 * visits
        won = rng.random() < 1 / (1 + math.exp(-logit - 0.4 * newsletter))
        lines.append(f"L{i},{plan},{visits},{'Yes' if newsletter else 'No'},{int(won)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_calibrated_rules_score_the_same_in_evaluate(app: typer.Typer) -> None:
    history_csv(Path("history.csv"))
    assert invoke(app, "import", "history.csv", "--mapping", "map.yaml").exit_code == 0
    calibrated = invoke(
        app, "calibrate", "--outcome", "converted", "--holdout", "0.3",
        "--rules", "current.yaml", "--out", "rules.yaml",
    )  # fmt: skip
    assert calibrated.exit_code == 0, calibrated.output
    assert "threshold: total ≥ 50 (fit ≥ 10) → total ≥" in calibrated.output
    assert re.search(r"Enterprise plan +attribute plan is enterprise +\+30 +—", calibrated.output)
    assert re.search(r"fit rules: 1 → \d+ \(\d+ new, 1 removed, 0 changed\)", calibrated.output)
    assert "disqualify" not in calibrated.output
    # the comparison with the current rules on the same held-out leads
    assert "270 held-out leads" in calibrated.output
    assert re.search(r"calibrated +0\.\d{3} \(0\.\d{3} to 0\.\d{3}\)", calibrated.output)
    gain = r"difference +[+-]0\.\d{3} \([+-]0\.\d{3} to [+-]0\.\d{3}\)"
    assert re.search(gain, calibrated.output)
    assert "Calibrated rules against the current ones: better beyond noise" in calibrated.output
    written = Path("rules.yaml").read_text()
    assert "Competitor" in written
    header = re.search(r"ROC AUC (\d\.\d{3}), Brier (\d\.\d{3}), ECE (\d\.\d{3})", written)
    assert header is not None

    evaluated = invoke(
        app,
        "evaluate",
        "history.csv",
        "--rules",
        "rules.yaml",
        "--mapping",
        "map.yaml",
        "--holdout",
        "0.3",
        "--json",
    )
    assert evaluated.exit_code == 0, evaluated.output
    figures = json.loads(evaluated.stdout)
    assert [f"{figures[k]:.3f}" for k in ("roc_auc", "brier", "ece")] == list(header.groups())
    held_row = next(line for line in calibrated.output.splitlines() if "held out (random)" in line)
    assert f"{figures['precision']:.3f}" in held_row
    assert f"{figures['recall']:.3f}" in held_row
    assert figures["leads"] == 270
    assert f"{figures['brier']:.3f}  {figures['ece']:.3f}" in held_row


def test_the_terminal_gets_the_largest_changes_and_the_file_every_rule(
    app: typer.Typer,
) -> None:
    generate_history(3000, seed=2).write(Path("crm.csv"), Path("crm.yaml"))
    assert invoke(app, "import", "crm.csv", "--mapping", "crm.yaml").exit_code == 0
    result = invoke(app, "calibrate", "--outcome", "converted", "--out", "rules.yaml")
    assert result.exit_code == 0, result.output
    rules = load_config(Path("rules.yaml"))
    assert len(rules.scoring.fit) > 10
    found = re.search(r"largest point changes \(10 of (\d+) changed fit rules\)", result.output)
    before = {rule.label: rule.points for rule in load_config(None).scoring.fit}
    after = {rule.label: rule.points for rule in rules.scoring.fit}
    changed = {k for k in before | after if before.get(k, 0) != after.get(k, 0)}
    assert found and int(found.group(1)) == len(changed)
    shown = [rule.label for rule in rules.scoring.fit if f" {rule.label} " in result.output]
    biggest = sorted(rules.scoring.fit, key=lambda rule: -abs(rule.points))[:5]
    assert {rule.label for rule in biggest} <= set(shown)
    assert len(shown) <= 10
    assert rules.probability is not None and rules.probability.outcome == "converted"
    assert "Wrote rules.yaml" in result.output


def test_calibrate_without_history_explains_what_to_do(app: typer.Typer) -> None:
    result = invoke(app, "calibrate", "--outcome", "won", "--out", "rules.yaml")
    assert result.exit_code == 2
    assert "no stored lead has a known won outcome" in result.output
    assert not Path("rules.yaml").exists()


def test_recall_and_capacity_exclude_each_other(app: typer.Typer) -> None:
    result = invoke(
        app, "calibrate", "--outcome", "converted", "--out", "r.yaml",
        "--target-recall", "0.8", "--capacity", "10",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "not both" in result.output


def test_evaluate_json_matches_a_hand_computed_case(app: typer.Typer) -> None:
    Path("small.csv").write_text(
        "Id,Plan,Visits,Newsletter,Won\n"
        "a,team,5,No,1\n"  # 10 + 5 = 15  flagged, converted
        "b,free,9,No,0\n"  # 9             flagged, not converted
        "c,team,0,No,0\n"  # 10            flagged, not converted
        "d,free,1,Yes,1\n"  # 1 + 3 = 4    not flagged, converted
        "e,free,0,No,0\n",  # 0            not flagged
        encoding="utf-8",
    )
    Path("rules.yaml").write_text(
        "scoring:\n"
        "  threshold: {mql: 9}\n"
        "  fit:\n"
        "    - {label: Team plan, field: attributes.plan, equals: team, points: 10}\n"
        "    - {label: Newsletter, field: attributes.newsletter, equals: true, points: 3}\n"
        "    - {label: One visit, field: attributes.visits, min: 1, max: 2, points: 1}\n"
        "    - {label: Visits, field: attributes.visits, min: 5, max: 6, points: 5}\n"
        "    - {label: Many visits, field: attributes.visits, min: 9, points: 9}\n"
        "probability: {outcome: converted, leads: 100, intercept: -10.0, slope: 1.0}\n",
        encoding="utf-8",
    )
    result = invoke(
        app, "evaluate", "small.csv", "--rules", "rules.yaml", "--mapping", "map.yaml", "--json"
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    # probabilities 1 / (1 + e^-(total - 10)), outcomes a 1, b 0, c 0, d 1, e 0
    p_a, p_b, p_c, p_d, p_e = (1 / (1 + math.exp(10 - total)) for total in (15, 9, 10, 4, 0))
    predicted = [(p_a, 1), (p_b, 0), (p_c, 0), (p_d, 1), (p_e, 0)]
    # ranks: a 15 (+), c 10, b 9, d 4 (+), e 0: of 6 (positive, negative) pairs a wins 3,
    # d beats only e: AUC = 4 / 6
    assert figures == {
        "leads": 5,
        "positives": 2,
        "roc_auc": pytest.approx(4 / 6),
        "threshold": 9,
        "flagged": 3,
        "precision": pytest.approx(1 / 3),
        "recall": pytest.approx(1 / 2),
        "f1": pytest.approx(0.4),
        "share_flagged": pytest.approx(3 / 5),
        "brier": pytest.approx(sum((p - y) ** 2 for p, y in predicted) / 5),
        # bins of width 0.1: a alone in [0.9, 1), b in [0.2, 0.3), c in [0.5, 0.6), d and e in
        # [0, 0.1) with one conversion between them
        "ece": pytest.approx((1 - p_a) / 5 + p_b / 5 + p_c / 5 + abs(p_d + p_e - 1) / 5),
        "skipped_rows": 0,
    }


def test_the_time_split_holds_out_the_same_recent_leads_in_both_commands(
    app: typer.Typer,
) -> None:
    generate_history(2500, seed=3).write(Path("crm.csv"), Path("crm.yaml"))
    assert invoke(app, "import", "crm.csv", "--mapping", "crm.yaml").exit_code == 0
    calibrated = invoke(
        app, "calibrate", "--outcome", "converted", "--holdout", "0.3", "--split", "time",
        "--out", "rules.yaml",
    )  # fmt: skip
    assert calibrated.exit_code == 0, calibrated.output
    written = Path("rules.yaml").read_text()
    header = re.search(r"Held out (\d+) leads \(time split\): ROC AUC (\d\.\d{3})", written)
    assert header is not None
    evaluated = invoke(
        app, "evaluate", "crm.csv", "--mapping", "crm.yaml", "--rules", "rules.yaml",
        "--holdout", "0.3", "--split", "time", "--json",
    )  # fmt: skip
    assert evaluated.exit_code == 0, evaluated.output
    figures = json.loads(evaluated.stdout)
    assert (str(figures["leads"]), f"{figures['roc_auc']:.3f}") == header.groups()
    weekly = re.search(r"calibrated .* (\d+\.\d)\s*$", calibrated.output, re.MULTILINE)
    assert weekly and float(weekly.group(1)) > 0, "the generated history reaches today"


def test_the_time_split_needs_dates(app: typer.Typer) -> None:
    history_csv(Path("history.csv"))
    assert invoke(app, "import", "history.csv", "--mapping", "map.yaml").exit_code == 0
    result = invoke(
        app, "calibrate", "--outcome", "converted", "--holdout", "0.3", "--split", "time",
        "--out", "rules.yaml",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "created_at" in result.output
    assert not Path("rules.yaml").exists()
    evaluated = invoke(
        app, "evaluate", "history.csv", "--mapping", "map.yaml", "--holdout", "0.3",
        "--split", "time",
    )  # fmt: skip
    assert evaluated.exit_code == 2
    assert "created_at" in evaluated.output


def test_evaluate_says_when_rules_have_no_probabilities(app: typer.Typer) -> None:
    history_csv(Path("history.csv"), n=200)
    result = invoke(app, "evaluate", "history.csv", "--mapping", "map.yaml")
    assert result.exit_code == 0, result.output
    assert "no probability section: points only" in result.output
    assert re.search(r"history\.csv +200 +0\.\d{3} .* — +—", result.output)
