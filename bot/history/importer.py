"""Import historical leads from a CRM export (CSV) under a mapping.

The file is streamed and written in batches, each in its own transaction, so
a large export neither fills memory nor holds one long lock. A bad row is
reported with its line number and skipped; the rows around it are kept.
Imported leads are only stored: no outbox rows, hence no Slack messages.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.history.mapping import LeadMapping, MappingError, RowError, RowParser
from storage.lead_import import ImportedLead, upsert_leads

BATCH_SIZE = 500
#: bytes read at a time while checking that a file is valid UTF-8
_CHUNK = 1 << 20

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass
class ImportReport:
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    encoding: str = ""
    #: (line number, problem) for each row that was skipped
    errors: list[tuple[int, str]] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    #: normalisation notes (e.g. unknown countries kept as attributes), with counts
    warnings: Counter[str] = field(default_factory=Counter)


def detect_encoding(path: Path) -> str:
    """The file's encoding: from its byte-order mark, else UTF-8 if it decodes, else cp1252.

    cp1252 is what spreadsheet programs write as "ANSI" and a superset of the
    printable Latin-1 range; bytes it leaves undefined fall back to Latin-1.
    """
    with path.open("rb") as handle:
        head = handle.read(4)
        for bom, name in _BOMS:
            if head.startswith(bom):
                return name
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            pass
        handle.seek(0)
        try:
            handle.read().decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            return "latin-1"


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(_CHUNK), b""))


def read_rows(
    path: Path, mapping: LeadMapping, report: ImportReport
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs; checks the header against the mapping first."""
    report.encoding = mapping.encoding or detect_encoding(path)
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=report.encoding, newline="")
        reader = csv.reader(text, delimiter=mapping.delimiter)
        header = [name.strip() for name in next(reader, [])]
        _check_header(path, header, mapping, report)
        line = reader.line_num + 1
        for values in reader:
            if len(values) == len(header):
                yield line, dict(zip(header, values, strict=True))
            elif any(v.strip() for v in values):
                report.errors.append(
                    (line, f"{len(values)} values where the header has {len(header)} columns")
                )
            line = reader.line_num + 1


def _check_header(
    path: Path, header: list[str], mapping: LeadMapping, report: ImportReport
) -> None:
    absent = [name for name in mapping.read_columns() if name not in header]
    if absent:
        raise MappingError(
            [f"{path}: no column {name!r} (the file has: {', '.join(header)})" for name in absent]
        )
    known = mapping.known_columns()
    report.unknown_columns = [name for name in header if name not in known]


def import_leads(
    path: Path,
    mapping: LeadMapping,
    engine: Engine,
    *,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    on_row: Callable[[], None] | None = None,
) -> ImportReport:
    """Import every good row of ``path``; ``on_row`` is called once per line read (progress)."""
    now = now or datetime.now(UTC)
    parser = RowParser(mapping)
    report = ImportReport()
    batch: list[ImportedLead] = []
    for line, row in read_rows(path, mapping, report):
        report.rows += 1
        if on_row is not None:
            on_row()
        try:
            parsed = parser.parse(row)
        except RowError as exc:
            report.errors.append((line, str(exc)))
            continue
        report.warnings.update(parsed.warnings)
        batch.append(
            ImportedLead(
                email=parsed.email,
                fields=parsed.fields,
                attributes=parsed.attributes,
                counters=parsed.counters,
                activity_time=parsed.activity_time or now,
                first_seen_at=parsed.created_at,
            )
        )
        if len(batch) >= batch_size:
            _write(engine, batch, now, report)
            batch = []
    _write(engine, batch, now, report)
    report.errors.sort()
    return report


def _write(engine: Engine, batch: list[ImportedLead], now: datetime, report: ImportReport) -> None:
    if not batch:
        return
    with engine.begin() as conn:
        counts = upsert_leads(conn, batch, now=now)
    report.inserted += counts.inserted
    report.updated += counts.updated
