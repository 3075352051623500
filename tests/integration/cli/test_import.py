"""`leadbot import` through the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer
from click.testing import Result
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from bot.cli.history import register
from storage.lead_import import lead_table
from storage.models import Activity, Outbox

MAPPING = """\
key: Id
missing: ["", "Select"]
columns:
  Mail: email
  Country: country
  City: attributes.city
  Visits: {to: attributes.visits, type: number}
  Downloads: activity.content_download
  Converted: converted
ignore: [Notes]
"""

Run = Callable[..., Result]

NOW = datetime(2026, 1, 1, tzinfo=UTC)

HEADER = "Id,Mail,Country,City,Visits,Downloads,Converted,Notes,Extra\n"


@pytest.fixture
def run(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Run]:
    monkeypatch.setenv("LEADBOT_DATABASE_URL", db_url)
    (tmp_path / "map.yaml").write_text(MAPPING, encoding="utf-8")
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)

    def invoke(csv_text: str, *, encoding: str = "utf-8", name: str = "leads.csv") -> Result:
        path = tmp_path / name
        path.write_bytes(csv_text.encode(encoding))
        return CliRunner().invoke(
            app, ["import", str(path), "--mapping", str(tmp_path / "map.yaml")]
        )

    yield invoke


def leads(engine: Engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(lead_table)).mappings().all()
    return {row["email"]: dict(row) for row in rows}


def count(engine: Engine, table: type) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_import_stores_leads_and_reimport_updates_them(run: Run, engine: Engine) -> None:
    first = run(HEADER + "a1,,India,Mumbai,3,2,1,x,\na2,Bo@Example.com,,Select,0,0,0,,\n")
    assert first.exit_code == 0, first.output
    assert "2 new leads, 0 updated, 0 skipped" in first.output
    stored = leads(engine)
    assert set(stored) == {"a1@import.invalid", "bo@example.com"}
    assert stored["a1@import.invalid"]["country"] == "IN"
    assert stored["a1@import.invalid"]["attributes"] == {"city": "Mumbai", "visits": 3}
    assert stored["a1@import.invalid"]["converted"] is True
    assert stored["bo@example.com"]["attributes"] == {"visits": 0}
    assert count(engine, Activity) == 2

    again = run(HEADER + "a1,,India,Thane,4,1,1,,\n")
    assert again.exit_code == 0, again.output
    assert "0 new leads, 1 updated" in again.output
    stored = leads(engine)
    assert len(stored) == 2
    assert stored["a1@import.invalid"]["attributes"] == {"city": "Thane", "visits": 4}
    assert count(engine, Activity) == 1, "re-import replaces imported activities"
    assert count(engine, Outbox) == 0, "history is never announced in Slack"


def test_bad_rows_are_reported_by_line_and_good_rows_kept(run: Run, engine: Engine) -> None:
    csv_text = (
        HEADER
        + "b1,,,,1,0,0,,\n"
        + "b2,,,,lots,0,0,,\n"
        + '"b3",,,,"2",0,"maybe",,\n'
        + ",,,,1,0,0,,\n"
        + "b5,,,,1,0\n"
        + "b6,,,,5,0,1,,\n"
    )
    result = run(csv_text)
    assert result.exit_code == 1
    assert "line 3: Visits: 'lots' is not a number" in result.output
    assert "line 4: Converted: 'maybe' is neither true" in result.output
    assert "line 5: Id: the key is empty" in result.output
    assert "line 6: 6 values where the header has 9 columns" in result.output
    assert "2 new leads, 0 updated, 4 skipped" in result.output
    assert set(leads(engine)) == {"b1@import.invalid", "b6@import.invalid"}


def test_unknown_columns_are_reported_once(run: Run) -> None:
    result = run(HEADER + "c1,,,,1,0,0,,a\nc2,,,,1,0,0,,b\n")
    assert result.exit_code == 0
    assert result.output.count("not imported: Extra") == 1


def test_utf8_with_bom_and_latin1_files(run: Run, engine: Engine) -> None:
    bom = run("\ufeff" + HEADER + "d1,,,Düsseldorf,1,0,0,,\n", name="bom.csv")
    assert bom.exit_code == 0, bom.output
    assert "(utf-8-sig)" in bom.output
    latin = run(HEADER + "d2,,,Zürich,1,0,0,,\n", encoding="latin-1", name="latin.csv")
    assert latin.exit_code == 0, latin.output
    assert "(cp1252)" in latin.output
    cities = {email: lead["attributes"]["city"] for email, lead in leads(engine).items()}
    assert cities == {"d1@import.invalid": "Düsseldorf", "d2@import.invalid": "Zürich"}


def test_a_mapped_column_missing_from_the_file_stops_the_import(run: Run, engine: Engine) -> None:
    result = run("Id,Mail\nz1,\n")
    assert result.exit_code == 2
    assert "no column 'Country'" in result.output
    assert leads(engine) == {}


def test_many_rows_are_written_in_batches(run: Run, engine: Engine) -> None:
    rows = "".join(f"e{i},,,,{i % 7},0,{i % 2},,\n" for i in range(1200))
    result = run(HEADER + rows + rows)
    assert result.exit_code == 0, result.output
    assert "1200 new leads, 1200 updated" in result.output
    assert len(leads(engine)) == 1200


def test_outcomes_come_from_the_import_or_from_the_lifecycle(engine: Engine) -> None:
    from storage.lead_import import labelled_leads

    with engine.begin() as conn:
        conn.execute(
            lead_table.insert(),
            [
                {"email": f"{stage}@example.com", "stage": stage, "converted": converted,
                 "utm": {}, "attributes": {}, "score_reasons": [],
                 "first_seen_at": NOW, "updated_at": NOW}
                for stage, converted in [
                    ("new", None), ("mql", True), ("sql", None), ("won", None),
                    ("lost", False), ("recycled", None), ("disqualified", None),
                ]
            ],
        )  # fmt: skip
    with engine.connect() as conn:
        outcomes = {
            kind: {lead.lead["stage"]: lead.label for lead in labelled_leads(conn, kind)}
            for kind in ("converted", "accepted", "won")
        }
    assert outcomes["converted"] == {"mql": True, "lost": False}
    assert outcomes["accepted"] == {
        "sql": True, "won": True, "lost": True, "recycled": False, "disqualified": False,
    }  # fmt: skip
    assert outcomes["won"] == {"won": True, "lost": False, "recycled": False, "disqualified": False}


DATED = """\
key: Id
created_at: Created
columns:
  Visits: {to: attributes.visits, type: number}
  Won: converted
"""


def test_the_creation_date_becomes_first_seen_and_a_reimport_corrects_it(
    db_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADBOT_DATABASE_URL", db_url)
    (tmp_path / "dated.yaml").write_text(DATED, encoding="utf-8")
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)

    def run_csv(text: str) -> Result:
        (tmp_path / "dated.csv").write_text("Id,Created,Visits,Won\n" + text, encoding="utf-8")
        args = ["import", str(tmp_path / "dated.csv"), "--mapping", str(tmp_path / "dated.yaml")]
        return CliRunner().invoke(app, args)

    before = datetime.now(UTC)
    first = run_csv("f1,2025-03-04,1,1\nf2,,2,0\nf3,2025-05-06T10:30:00+02:00,0,0\n")
    assert first.exit_code == 0, first.output
    stored = {email: lead["first_seen_at"] for email, lead in leads(engine).items()}
    assert stored["f1@import.invalid"] == datetime(2025, 3, 4, tzinfo=UTC)
    assert stored["f3@import.invalid"] == datetime(2025, 5, 6, 8, 30, tzinfo=UTC)
    assert stored["f2@import.invalid"] >= before, "no date: the import time"

    again = run_csv("f1,2025-02-01,1,1\nf3,,0,0\n")
    assert again.exit_code == 0, again.output
    stored = {email: lead["first_seen_at"] for email, lead in leads(engine).items()}
    assert stored["f1@import.invalid"] == datetime(2025, 2, 1, tzinfo=UTC)
    assert stored["f3@import.invalid"] == datetime(2025, 5, 6, 8, 30, tzinfo=UTC), "kept"

    bad = run_csv("f4,yesterday,1,1\n")
    assert bad.exit_code == 1
    assert "Created: 'yesterday' is not an ISO date" in bad.output


def test_import_says_where_the_leads_went(run: Run, db_url: str) -> None:
    result = run(HEADER + "w1,,,,1,0,0,,\n")
    assert result.exit_code == 0, result.output
    if db_url.startswith("sqlite"):
        assert f"Stored in SQLite file {db_url.removeprefix('sqlite:///')}" in result.output
    else:
        assert "Stored in postgresql+psycopg://postgres@127.0.0.1" in result.output
    assert "nothing was sent to Slack" in result.output
