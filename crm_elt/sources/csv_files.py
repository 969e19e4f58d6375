"""Robust loading of CSV files dropped in a folder: each file once, every good row kept.

Files come from spreadsheets and UI exports: UTF-8 with or without BOM or Latin-1/cp1252,
`,` `;` tab or `|` delimiters, multi-line quoted cells, header names in several spellings.
A file is identified by its content hash, so putting it back loads nothing twice. A row that
cannot be loaded goes to `_elt.quarantine` with file, line, field and reason (its content: the
cells as split for a row with the wrong number of fields, a JSON object of the named cells
for a row its validator refused); a file that cannot be read at all gets one quarantine row.
Processed files move to the archive folder. Rows, quarantine and the file's "loaded" mark are
written in one transaction.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
import shutil
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from crm_elt.settings import Settings
from crm_elt.sources.base import ExtractResult, tracked_stream
from crm_elt.warehouse import (
    QuarantinedRow,
    RawRecord,
    StreamStats,
    ensure_elt_schema,
    open_warehouse,
    quarantine_rows,
    utc_now,
    write_records,
)

logger = logging.getLogger("crm_elt.sources.csv_files")

DELIMITERS = (",", ";", "\t", "|")
MAX_FIELD_CHARS = 100_000
_FORMULA_START = ("=", "@")
_QUOTED = re.compile(r'"[^"]*"')  # a quoted cell; an escaped quote "" splits it in two, harmlessly

csv.field_size_limit(MAX_FIELD_CHARS)


@dataclass
class CsvRow:
    line: int  # physical line where the row starts (header is line 1)
    values: dict[str, str]


@dataclass
class ParsedFile:
    rows: list[CsvRow] = field(default_factory=list)
    rejected: list[tuple[int | None, str | None, str, str]] = field(default_factory=list)
    error: str | None = None  # the whole file could not be read
    encoding: str = ""
    delimiter: str = ""
    header: list[str] = field(default_factory=list)  # as written in the file
    columns: list[str] = field(default_factory=list)  # canonical, one per header cell


# A row validator turns a CsvRow into a record or a (field, reason) rejection.
RowValidator = Callable[[CsvRow, str], "RawRecord | tuple[str | None, str]"]
# A file's own validator, for rules decided from the whole file (e.g. its date order).
FileValidator = Callable[[ParsedFile, str], RowValidator]
SUFFIXES = (".csv", ".tsv", ".txt")


def normalize_header(name: str) -> str:
    """' E-mail ' -> 'e_mail'; 'Observações' -> 'observacoes'."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")


def detect_encoding(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252" if _decodes(data, "cp1252") else "latin-1"
    return "utf-8"


def detect_delimiter(header_line: str) -> str:
    """The delimiter used most in the header line, outside quoted names (`,` if none)."""
    unquoted = _QUOTED.sub("", header_line)
    counts = {delimiter: unquoted.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def parse_csv(data: bytes, header_map: dict[str, str], required: tuple[str, ...]) -> ParsedFile:
    parsed = ParsedFile()
    if not data.strip():
        parsed.error = "empty file"
        return parsed
    if _looks_binary(data[:8192]):
        parsed.error = "not a text CSV file (binary content)"
        return parsed
    parsed.encoding = detect_encoding(data)
    text = data.decode(parsed.encoding, errors="replace")
    first_line = text.splitlines()[0] if text.splitlines() else ""
    parsed.delimiter = detect_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=parsed.delimiter)
    try:
        raw_header = next(reader)
    except (StopIteration, csv.Error) as exc:
        parsed.error = f"cannot read the header: {exc}"
        return parsed
    columns = _canonical_columns(raw_header, header_map)
    parsed.header, parsed.columns = raw_header, columns
    missing = [name for name in required if name not in columns]
    if missing:
        found = ", ".join(name.strip() for name in raw_header if name.strip()) or "none"
        parsed.error = f"missing required column(s) {', '.join(missing)} (found: {found})"
        return parsed
    for line, row in _rows_with_lines(reader, parsed):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(raw_header):
            if len(row) > len(raw_header) and not any(
                cell.strip() for cell in row[len(raw_header) :]
            ):
                row = row[: len(raw_header)]  # trailing delimiters
            else:
                parsed.rejected.append(
                    (
                        line,
                        None,
                        f"expected {len(raw_header)} fields, found {len(row)}",
                        parsed.delimiter.join(row),
                    )
                )
                continue
        if any("\x00" in cell for cell in row):
            parsed.rejected.append((line, None, "row contains NUL bytes", ""))
            continue
        values: dict[str, str] = {}
        for name, cell in zip(columns, row, strict=True):
            if name and name not in values:  # a duplicated header keeps its first column
                values[name] = cell.strip()
        parsed.rows.append(CsvRow(line, values))
    return parsed


def formula_like_fields(values: dict[str, str]) -> list[str]:
    """Cells a spreadsheet would evaluate (=, @): kept as text, flagged, never evaluated."""
    return sorted(name for name, value in values.items() if value.startswith(_FORMULA_START))


def extract_folder(
    settings: Settings,
    *,
    load_id: str,
    source: str,
    entity: str,
    folder: Path,
    header_map: dict[str, str],
    required: tuple[str, ...],
    validate: RowValidator | None = None,
    validator_for_file: FileValidator | None = None,
) -> ExtractResult:
    """The whole extraction of a file-drop source: one tracked stream over its folder."""
    result = ExtractResult(source, load_id)
    with tracked_stream(settings, result, entity) as stats:
        load_folder(
            settings,
            source=source,
            entity=entity,
            folder=folder,
            header_map=header_map,
            required=required,
            validate=validate,
            validator_for_file=validator_for_file,
            load_id=load_id,
            stats=stats,
        )
    return result


def load_folder(
    settings: Settings,
    *,
    source: str,
    entity: str,
    folder: Path,
    header_map: dict[str, str],
    required: tuple[str, ...],
    validate: RowValidator | None = None,
    validator_for_file: FileValidator | None = None,
    load_id: str,
    stats: StreamStats,
) -> None:
    """Load every new CSV in `folder` into raw_<source>.<entity>; archive each file.

    Rows are checked by `validate`, or by the validator `validator_for_file` makes for each
    parsed file.
    """
    if (validate is None) == (validator_for_file is None):
        raise TypeError("give exactly one of validate and validator_for_file")
    make_validator = validator_for_file or (lambda _parsed, _name: validate)
    files = sorted(path for path in folder.glob("*") if path.is_file()) if folder.is_dir() else []
    archive = settings.archive_dir / source
    for path in files:
        if path.suffix.lower() not in SUFFIXES:
            logger.warning("%s: not a .csv, .tsv or .txt file, left in place", path.name)
            continue
        data = path.read_bytes()
        content_hash = hashlib.sha256(data).hexdigest()
        with open_warehouse(settings) as con:
            already = _already_loaded(con, source, content_hash)
            if not already:
                loaded, rejected = _load_file(
                    con,
                    path.name,
                    data,
                    content_hash,
                    source=source,
                    entity=entity,
                    header_map=header_map,
                    required=required,
                    make_validator=make_validator,
                    load_id=load_id,
                )
                stats.pages += 1
                stats.received += loaded + rejected
                stats.inserted += loaded
        if already:
            logger.info("%s: already loaded (same content), archiving", path.name)
        archive.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), archive / f"{content_hash[:12]}_{path.name}")


def _load_file(
    con,
    file_name,
    data,
    content_hash,
    *,
    source,
    entity,
    header_map,
    required,
    make_validator: FileValidator,
    load_id,
) -> tuple[int, int]:
    parsed = parse_csv(data, header_map, required)
    validate = make_validator(parsed, file_name)
    records: dict[str, RawRecord] = {}
    quarantined = [
        QuarantinedRow(source, entity, file_name, line, field_name, reason, raw[:2000])
        for line, field_name, reason, raw in parsed.rejected
    ]
    if parsed.error:
        quarantined.append(
            QuarantinedRow(
                source, entity, file_name, None, None, parsed.error, data[:500].decode("latin-1")
            )
        )
    for row in parsed.rows:
        outcome = validate(row, file_name)
        if isinstance(outcome, RawRecord):
            records[outcome.key] = outcome  # the last row of a file for a key wins
        else:
            field_name, reason = outcome
            # Named cells, so the row can be read back (e.g. to recover a lost ID by email).
            raw = json.dumps(row.values, ensure_ascii=False)
            quarantined.append(
                QuarantinedRow(source, entity, file_name, row.line, field_name, reason, raw[:2000])
            )

    def mark_loaded(connection: duckdb.DuckDBPyConnection) -> None:
        quarantine_rows(connection, load_id, quarantined)
        connection.execute(
            "insert into _elt.loaded_files values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                source,
                entity,
                content_hash,
                file_name,
                load_id,
                len(records),
                len(quarantined),
                utc_now(),
            ],
        )

    write_records(
        con,
        source=source,
        entity=entity,
        records=list(records.values()),
        load_id=load_id,
        also=mark_loaded,
    )
    for item in quarantined[:5]:
        logger.warning(
            "%s line %s field %s: %s", file_name, item.line_number, item.field, item.reason
        )
    if len(quarantined) > 5:
        logger.warning(
            "%s: %d more rows quarantined (see _elt.quarantine)", file_name, len(quarantined) - 5
        )
    logger.info(
        "%s: %d rows loaded, %d quarantined (%s, %r)",
        file_name,
        len(records),
        len(quarantined),
        parsed.encoding or "?",
        parsed.delimiter,
    )
    return len(records), len(quarantined)


def _already_loaded(con, source: str, content_hash: str) -> bool:
    ensure_elt_schema(con)
    return bool(
        con.execute(
            "select count(*) from _elt.loaded_files where source = ? and content_hash = ?",
            [source, content_hash],
        ).fetchall()[0][0]
    )


def _canonical_columns(raw_header: list[str], header_map: dict[str, str]) -> list[str]:
    return [header_map.get(normalize_header(name), normalize_header(name)) for name in raw_header]


def _rows_with_lines(reader, parsed: ParsedFile) -> Iterator[tuple[int, list[str]]]:
    previous_end = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            parsed.rejected.append((previous_end + 1, None, f"unreadable row: {exc}", ""))
            previous_end = reader.line_num
            continue
        yield previous_end + 1, row
        previous_end = reader.line_num


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _looks_binary(sample: bytes) -> bool:
    """Images, spreadsheets, archives: many control bytes. A stray NUL in text is not enough."""
    if sample.startswith((b"\x89PNG", b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")):
        return True
    control = sum(1 for byte in sample if byte < 9 or 13 < byte < 32)
    return control > max(4, len(sample) // 100)
