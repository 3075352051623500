"""``make audit``: the locked set against a local OSV database, and honesty when it has none."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
import zipfile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[3] / "scripts" / "audit_lock.py"
spec = importlib.util.spec_from_file_location("audit_lock", SCRIPT)
assert spec is not None and spec.loader is not None
audit_lock = importlib.util.module_from_spec(spec)
sys.modules["audit_lock"] = audit_lock  # its dataclasses look their module up
spec.loader.exec_module(audit_lock)

LOCK = """\
httpx==0.27.0 \\
    --hash=sha256:aaaa
orjson==3.10.3 \\
    --hash=sha256:bbbb
    # via leadbot (pyproject.toml)
Typing_Extensions==4.12.0 \\
    --hash=sha256:cccc
pyyaml==6.0.1
"""


def record(id_: str, name: str, **affected: object) -> dict[str, object]:
    return {
        "id": id_,
        "summary": f"problem {id_}",
        "affected": [{"package": {"ecosystem": "PyPI", "name": name}, **affected}],
    }


RECORDS = [
    record("LISTED", "httpx", versions=["0.26.0", "0.27.0"]),
    record("RANGE", "orjson", ranges=[{"type": "ECOSYSTEM", "events": [
        {"introduced": "0"}, {"fixed": "3.10.5"}]}]),
    record("SECOND-INTERVAL", "typing-extensions", ranges=[{"type": "ECOSYSTEM", "events": [
        {"introduced": "0"}, {"fixed": "4.0"}, {"introduced": "4.10"}, {"last_affected": "4.12.0"}
    ]}]),
    record("FIRST-OF-TWO", "orjson", ranges=[{"type": "ECOSYSTEM", "events": [
        {"introduced": "0"}, {"fixed": "3.11"}, {"introduced": "4.0"}]}]),
    record("FIXED-BEFORE", "pyyaml", ranges=[{"type": "ECOSYSTEM", "events": [
        {"introduced": "0"}, {"fixed": "5.4"}]}]),
    record("FIRST-INTERVAL-ONLY", "pyyaml", ranges=[{"type": "ECOSYSTEM", "events": [
        {"introduced": "0"}, {"fixed": "6.0"}, {"introduced": "7.0"}]}]),
    {**record("WITHDRAWN", "httpx", versions=["0.27.0"]), "withdrawn": "2024-01-01T00:00:00Z"},
    record("OTHER-ECOSYSTEM", "httpx", versions=["0.27.0"]) | {
        "affected": [{"package": {"ecosystem": "npm", "name": "httpx"}, "versions": ["0.27.0"]}]
    },
]  # fmt: skip


@pytest.fixture
def lock(tmp_path: Path) -> Path:
    path = tmp_path / "dev.lock"
    path.write_text(LOCK)
    return path


def osv_zip(path: Path, records: list[dict[str, object]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for item in records:
            archive.writestr(f"{item['id']}.json", json.dumps(item))
    return path


def test_the_locked_versions_are_matched_as_osv_defines_ranges(lock, tmp_path, capsys) -> None:
    database = osv_zip(tmp_path / "all.zip", RECORDS)
    assert audit_lock.main([str(lock), "--db", str(database)]) == 1
    out = capsys.readouterr().out
    found = {line.split(": ")[1].split(" ")[0].rstrip(";") for line in out.splitlines()
             if line and not line.startswith(" ") and ": " in line}  # fmt: skip
    assert found == {"LISTED", "RANGE", "FIRST-OF-TWO", "SECOND-INTERVAL"}
    assert "4 known vulnerabilities in 4 locked packages" in out
    assert "orjson 3.10.3: RANGE; fixed in 3.10.5" in out


def test_a_clean_lock_says_what_it_checked(lock, tmp_path, capsys) -> None:
    database = osv_zip(tmp_path / "all.zip", RECORDS[4:])
    assert audit_lock.main([str(lock), "--db", str(database)]) == 0
    assert "no known vulnerabilities in 4 locked packages" in capsys.readouterr().out


def test_without_a_database_it_says_it_could_not_check(lock, tmp_path, capsys) -> None:
    assert audit_lock.main([str(lock), "--db", str(tmp_path / "missing.zip")]) == 2
    out = capsys.readouterr().out
    assert out.startswith("COULD NOT CHECK") and "no known" not in out


def test_a_stale_database_is_not_trusted(lock, tmp_path, capsys) -> None:
    database = osv_zip(tmp_path / "all.zip", RECORDS[4:])
    old = time.time() - 40 * 86400
    os.utime(database, (old, old))
    assert audit_lock.main([str(lock), "--db", str(database)]) == 2
    assert "40 days old" in capsys.readouterr().out


def test_the_project_lock_pins_every_package_with_hashes() -> None:
    root = Path(__file__).parents[3]
    for name in ("run.lock", "dev.lock"):
        text = (root / "requirements" / name).read_text()
        pins = audit_lock.read_lock(root / "requirements" / name)
        assert "leadbot" not in pins and len(pins) > 20
        assert text.count("--hash=sha256:") >= len(pins)
