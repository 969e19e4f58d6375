"""ManyChat subscribers from the UI's CSV exports (ManyChat has no API to list them).

Header spellings vary between exports and languages; `HEADER_MAP` maps their normalized form
to canonical columns and any other column is kept under its normalized name. A CSV named by
`MANYCHAT_HEADER_MAP_FILE` (columns `header,column`) adds spellings or overrides built-in ones;
it is checked before any file loads. IDs stay text.
An ID that Excel turned into scientific notation (`1.23457E+15`) has lost digits and cannot
be matched to anything: its row is quarantined rather than loaded under a wrong id.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

from crm_elt.settings import Settings, SettingsError
from crm_elt.sources.base import ExtractResult
from crm_elt.sources.csv_files import (
    CsvRow,
    detect_delimiter,
    detect_encoding,
    extract_folder,
    formula_like_fields,
    normalize_header,
)
from crm_elt.warehouse import RawRecord, new_load_id

SOURCE = "manychat"
ENTITY = "subscribers"
HEADER_MAP = {
    "id": "subscriber_id",
    "subscriber_id": "subscriber_id",
    "user_id": "subscriber_id",
    "userid": "subscriber_id",
    "psid": "subscriber_id",
    "contact_id": "subscriber_id",
    "first_name": "first_name",
    "firstname": "first_name",
    "primeiro_nome": "first_name",
    "last_name": "last_name",
    "lastname": "last_name",
    "sobrenome": "last_name",
    "full_name": "full_name",
    "name": "full_name",
    "nome": "full_name",
    "nome_completo": "full_name",
    "email": "email",
    "e_mail": "email",
    "phone": "phone",
    "telefone": "phone",
    "celular": "phone",
    "whatsapp_phone": "whatsapp_phone",
    "whatsapp": "whatsapp_phone",
    "tags": "tags",
    "etiquetas": "tags",
    "subscribed": "subscribed_at",
    "subscribed_at": "subscribed_at",
    "data_de_inscricao": "subscribed_at",
    "last_interaction": "last_interaction_at",
    "last_interaction_at": "last_interaction_at",
    "ultima_interacao": "last_interaction_at",
    "gender": "gender",
    "genero": "gender",
}
_SCIENTIFIC = re.compile(r"^\d+([.,]\d+)?e[+-]?\d+$", re.IGNORECASE)
# Canonical columns become JSON keys and dbt column names: lowercase identifiers only.
_COLUMN_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class HeaderMapError(SettingsError):
    """MANYCHAT_HEADER_MAP_FILE cannot be used; the message names the file and line."""


def read_header_map(path: Path) -> dict[str, str]:
    """The `header,column` pairs of a header map file, headers normalized like file headers.

    Encoding and delimiter are detected as for the exports, since the map is usually saved
    from the same spreadsheet program. A header listed twice must map to the same column.
    """
    where = f"MANYCHAT_HEADER_MAP_FILE {path.name}"
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise HeaderMapError(f"{where}: cannot be read ({exc.strerror})") from None
    text = data.decode(detect_encoding(data), errors="replace")
    lines = text.splitlines()
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=detect_delimiter(lines[0] if lines else "")
    )
    try:
        names = [normalize_header(name) for name in next(reader)]
    except StopIteration:
        raise HeaderMapError(
            f"{where} line 1: empty file (expected a first line header,column)"
        ) from None
    missing = [name for name in ("header", "column") if name not in names]
    if missing:
        raise HeaderMapError(
            f"{where} line 1: missing column(s) {', '.join(missing)} (expected header,column)"
        )
    header_at, column_at = names.index("header"), names.index("column")
    mapping: dict[str, tuple[str, int]] = {}
    previous_end = reader.line_num
    try:
        for row in reader:
            line = previous_end + 1  # where the row starts, even if a quoted cell spans lines
            if any(cell.strip() for cell in row):
                _add_mapping(mapping, row, header_at, column_at, f"{where} line {line}", line)
            previous_end = reader.line_num
    except csv.Error as exc:
        raise HeaderMapError(f"{where} line {previous_end + 1}: unreadable row ({exc})") from None
    return {header: column for header, (column, _) in mapping.items()}


def _add_mapping(
    mapping: dict[str, tuple[str, int]],
    row: list[str],
    header_at: int,
    column_at: int,
    where: str,
    line: int,
) -> None:
    if len(row) <= max(header_at, column_at):
        raise HeaderMapError(f"{where}: expected a header and a column, found {len(row)} field(s)")
    raw_header, column = row[header_at].strip(), row[column_at].strip()
    header = normalize_header(raw_header)
    if not header:
        raise HeaderMapError(f"{where}: header {raw_header!r} has no letters or digits")
    if not _COLUMN_NAME.match(column):
        raise HeaderMapError(
            f"{where}: column {column[:40]!r} is not a valid column name "
            "(lowercase letters, digits and _, starting with a letter)"
        )
    if header in mapping and mapping[header][0] != column:
        earlier_column, earlier_line = mapping[header]
        raise HeaderMapError(
            f"{where}: header {raw_header!r} maps to {column!r}, but line {earlier_line} "
            f"maps it to {earlier_column!r}"
        )
    mapping.setdefault(header, (column, line))


def header_map(settings: Settings) -> dict[str, str]:
    """The built-in spellings, extended or overridden by MANYCHAT_HEADER_MAP_FILE."""
    if settings.manychat_header_map_file is None:
        return dict(HEADER_MAP)
    return {**HEADER_MAP, **read_header_map(settings.manychat_header_map_file)}


def validate_subscriber(row: CsvRow, file_name: str) -> RawRecord | tuple[str | None, str]:
    subscriber_id = row.values.get("subscriber_id", "")
    if not subscriber_id:
        return "subscriber_id", "missing subscriber id"
    if _SCIENTIFIC.match(subscriber_id):
        return (
            "subscriber_id",
            f"subscriber id {subscriber_id!r} is in scientific notation (an Excel round trip "
            "dropped its digits); export the file again without opening it in Excel",
        )
    if not subscriber_id.isdigit():
        return "subscriber_id", f"subscriber id {subscriber_id[:40]!r} is not a number"
    flags = [f"formula_like:{name}" for name in formula_like_fields(row.values)]
    flags += [
        f"scientific_notation:{name}"
        for name in ("phone", "whatsapp_phone")
        if _SCIENTIFIC.match(row.values.get(name, ""))
    ]
    payload = {**row.values, "_source_file": file_name, "_source_line": row.line, "_flags": flags}
    return RawRecord(subscriber_id, None, payload)


def extract(
    settings: Settings, *, load_id: str | None = None, streams: Sequence[str] | None = None
) -> ExtractResult:
    columns = header_map(settings)  # a bad map file stops the run before anything loads
    return extract_folder(
        settings,
        load_id=load_id or new_load_id(),
        source=SOURCE,
        entity=ENTITY,
        folder=settings.manychat_input_dir,
        header_map=columns,
        required=("subscriber_id",),
        validate=validate_subscriber,
    )
