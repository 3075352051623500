"""Audit a hash-pinned lock file against a local copy of the OSV vulnerability database.

    python scripts/audit_lock.py requirements/dev.lock     # audit (offline)
    python scripts/audit_lock.py --download                # fetch the database copy

Online services (pip-audit's PyPI and OSV back-ends) need the internet at the
moment of the audit, and pip-audit reports "No known vulnerabilities found"
even when it could not look a package up. This audit reads OSV's own export
of every PyPI advisory (one zip file, refreshed daily by OSV), so once the
copy is downloaded it runs offline, and it says plainly when it could not
check: no database, or a database too old to trust.

Exit codes: 0 no known vulnerability, 1 vulnerabilities found, 2 could not check.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

OSV_EXPORT_URL = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"
DEFAULT_DB = Path(".cache/osv/PyPI-all.zip")
#: a copy older than this is not trusted to say "no known vulnerabilities"
MAX_AGE_DAYS = 30
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")

CHECKED, VULNERABLE, COULD_NOT_CHECK = 0, 1, 2


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    advisory: str
    aliases: tuple[str, ...]
    fixed: tuple[str, ...]
    summary: str


def read_lock(path: Path) -> dict[str, str]:
    """``{normalised name: version}`` for every ``name==version`` pin in ``path``."""
    pins = {}
    for line in path.read_text().splitlines():
        if match := _PIN.match(line.strip()):
            pins[str(canonicalize_name(match.group(1)))] = match.group(2)
    return pins


def advisories(database: Path) -> Iterator[dict[str, Any]]:
    """Every OSV record in ``database``: the export's zip, or a folder of JSON files."""
    if database.is_dir():
        for path in sorted(database.glob("*.json")):
            yield json.loads(path.read_text())
        return
    with zipfile.ZipFile(database) as archive:
        for name in archive.namelist():
            if name.endswith(".json"):
                yield json.loads(archive.read(name))


def audit(pins: dict[str, str], records: Iterator[dict[str, Any]]) -> list[Finding]:
    findings = []
    for record in records:
        if record.get("withdrawn"):
            continue
        for affected in record.get("affected", ()):
            package = affected.get("package") or {}
            if package.get("ecosystem") != "PyPI":
                continue
            name = canonicalize_name(package.get("name", ""))
            version = pins.get(name)
            if version is not None and _affects(affected, version):
                findings.append(
                    Finding(
                        package=name,
                        version=version,
                        advisory=record["id"],
                        aliases=tuple(record.get("aliases", ())),
                        fixed=_fixed_versions(affected),
                        summary=record.get("summary") or record.get("details", "")[:120],
                    )
                )
    return findings


def _affects(affected: dict[str, Any], version: str) -> bool:
    """OSV's rule: listed explicitly, or inside an ECOSYSTEM range's introduced..fixed."""
    if version in affected.get("versions", ()):
        return True
    try:
        pinned = Version(version)
    except InvalidVersion:
        return False
    for span in affected.get("ranges", ()):
        if span.get("type") == "ECOSYSTEM" and _in_range(pinned, span.get("events", ())):
            return True
    return False


def _in_range(pinned: Version, events: list[dict[str, str]]) -> bool:
    """Whether ``pinned`` lies in one of the intervals the events open and close."""
    start: str | None = None
    for event in events:
        if "introduced" in event:
            start = event["introduced"]
        elif start is not None and ("fixed" in event or "last_affected" in event):
            below_end = (
                _compare(pinned, event["fixed"]) < 0
                if "fixed" in event
                else _compare(pinned, event["last_affected"]) <= 0
            )
            if _from(pinned, start) and below_end:
                return True
            start = None
    return start is not None and _from(pinned, start)


def _from(pinned: Version, start: str) -> bool:
    return start == "0" or _compare(pinned, start) >= 0


def _compare(pinned: Version, other: str) -> int:
    """-1, 0 or 1 as ``pinned`` sorts before, with or after ``other`` (unparsable: after)."""
    try:
        bound = Version(other)
    except InvalidVersion:
        return -1
    return (pinned > bound) - (pinned < bound)


def _fixed_versions(affected: dict[str, Any]) -> tuple[str, ...]:
    return tuple(
        event["fixed"]
        for span in affected.get("ranges", ())
        for event in span.get("events", ())
        if "fixed" in event
    )


def download(database: Path) -> int:
    database.parent.mkdir(parents=True, exist_ok=True)
    partial = database.with_suffix(".partial")
    try:
        with urllib.request.urlopen(OSV_EXPORT_URL, timeout=60) as answer:
            partial.write_bytes(answer.read())
    except OSError as exc:
        print(f"could not download the OSV database from {OSV_EXPORT_URL}: {exc}")
        print("copy PyPI/all.zip from a machine with internet access to " + str(database))
        return COULD_NOT_CHECK
    partial.replace(database)
    print(f"OSV database saved to {database}")
    return CHECKED


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lock", nargs="?", type=Path, help="the lock file to audit")
    parser.add_argument(
        "--db",
        type=Path,
        default=Path(os.environ.get("LEADBOT_AUDIT_DB", DEFAULT_DB)),
        help=f"OSV's PyPI export (zip) or a folder of OSV JSON files [{DEFAULT_DB}]",
    )
    parser.add_argument("--download", action="store_true", help="fetch the OSV export to --db")
    args = parser.parse_args(argv)
    if args.download:
        return download(args.db)
    if args.lock is None:
        parser.error("name the lock file to audit")
    if not args.db.exists():
        print(f"COULD NOT CHECK: no vulnerability database at {args.db}.")
        print("Run `make audit-db` where the internet is reachable (or copy OSV's")
        print(f"{OSV_EXPORT_URL} there); this is not a clean result.")
        return COULD_NOT_CHECK
    age_days = (time.time() - args.db.stat().st_mtime) / 86400
    if age_days > MAX_AGE_DAYS:
        print(f"COULD NOT CHECK: the database at {args.db} is {age_days:.0f} days old")
        print(f"(more than {MAX_AGE_DAYS}); refresh it with `make audit-db`.")
        return COULD_NOT_CHECK
    pins = read_lock(args.lock)
    findings = audit(pins, advisories(args.db))
    for finding in sorted(findings, key=lambda f: (f.package, f.advisory)):
        aliases = f" ({', '.join(finding.aliases)})" if finding.aliases else ""
        fixed = f"; fixed in {', '.join(finding.fixed)}" if finding.fixed else "; no fix yet"
        print(f"{finding.package} {finding.version}: {finding.advisory}{aliases}{fixed}")
        print(f"    {finding.summary}")
    checked = f"{len(pins)} locked packages against {args.db} ({age_days:.0f} days old)"
    if findings:
        print(f"{len(findings)} known vulnerabilities in {checked}")
        return VULNERABLE
    print(f"no known vulnerabilities in {checked}")
    return CHECKED


if __name__ == "__main__":
    sys.exit(main())
