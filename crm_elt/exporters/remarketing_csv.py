"""The day's remarketing batch as a CSV file a Brazilian Excel opens right.

`data/output/remarketing/<env>/<YYYY-MM-DD>.csv`, from `marts.remarketing_batch`: `;` and UTF-8
with a BOM by default (REMARKETING_CSV_* in .env), money with a decimal comma and no thousands
separator (Excel in pt-BR reads `1234,56` as a number), one row per contact in priority order.

Names and notes come from people (a ManyChat name can be `=HYPERLINK(...)`): a text cell that
starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe, the
OWASP rule against CSV injection, so no spreadsheet runs it as a formula. WhatsApp numbers
begin with `+` and get it too, which also keeps Excel from turning them into `5,5E+12`.
Quotes, line breaks and emoji stay as they are, inside quoted cells.

The file is written to a temporary file in the same folder and moved over the old one
(`os.replace`), so a reader never sees half a file; the same batch gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from crm_elt.settings import Settings
from crm_elt.warehouse import has_table, open_warehouse

logger = logging.getLogger("crm_elt.exporters.remarketing_csv")

BATCH_TABLE = "marts.remarketing_batch"
BATCH_TIME_ZONE = ZoneInfo("America/Sao_Paulo")  # the dbt model's default run date
COLUMNS = (
    "priority_rank",
    "golden_contact_id",
    "full_name",
    "whatsapp_phone",
    "email",
    "audiences",
    "net_ltv_brl",
    "why_selected",
)
MONEY_COLUMNS = frozenset({"net_ltv_brl"})
NUMBER_COLUMNS = frozenset({"priority_rank"})
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CsvFormat:
    delimiter: str = ";"
    encoding: str = "utf-8-sig"
    decimal: str = ","

    @classmethod
    def from_settings(cls, settings: Settings) -> CsvFormat:
        delivery = settings.delivery
        return cls(delivery.csv_delimiter, delivery.csv_encoding, delivery.csv_decimal)


@dataclass(frozen=True)
class ExportResult:
    run_date: date
    path: Path | None  # None: there was no batch table to export
    rows: int

    def describe(self) -> str:
        if self.path is None:
            return f"remarketing export: no {BATCH_TABLE} in the warehouse, nothing exported"
        return f"remarketing export: {self.rows} contacts of {self.run_date} -> {self.path}"


def neutralize_formula(text: str) -> str:
    """The cell as text a spreadsheet shows and never evaluates (OWASP CSV injection)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def format_money(value: Decimal | float | int | None, decimal: str) -> str:
    if value is None:
        return ""
    return f"{Decimal(value).quantize(Decimal('0.01'))}".replace(".", decimal)


def cell(column: str, value: object, csv_format: CsvFormat) -> str:
    if value is None:
        return ""
    if column in MONEY_COLUMNS:
        return format_money(value, csv_format.decimal)
    if column in NUMBER_COLUMNS:
        return str(int(value))
    return neutralize_formula(str(value))


def render_csv(rows: list[dict], csv_format: CsvFormat) -> bytes:
    """The file's bytes: header, then one line per row; CRLF line ends, as Excel writes."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer,
        delimiter=csv_format.delimiter,
        lineterminator="\r\n",
        quoting=csv.QUOTE_MINIMAL,
    )
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([cell(column, row.get(column), csv_format) for column in COLUMNS])
    return buffer.getvalue().encode(csv_format.encoding)


def write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def batch_run_date(con: duckdb.DuckDBPyConnection, run_date: date | None = None) -> date:
    """The date asked for, else the batch table's (it holds one run date), else today."""
    if run_date is not None:
        return run_date
    if has_table(con, BATCH_TABLE):
        latest = con.execute(f"select max(run_date) from {BATCH_TABLE}").fetchall()[0][0]
        if latest is not None:
            return latest
    return datetime.now(BATCH_TIME_ZONE).date()


def read_batch(con: duckdb.DuckDBPyConnection, run_date: date) -> list[dict]:
    """The batch of `run_date` in priority order, each row a dict of the mart's columns."""
    result = con.execute(
        f"select * from {BATCH_TABLE} where run_date = ? order by priority_rank, golden_contact_id",
        [run_date],
    )
    names = [column[0] for column in result.description]
    return [dict(zip(names, values, strict=True)) for values in result.fetchall()]


def export_path(settings: Settings, run_date: date) -> Path:
    return settings.remarketing_output_dir / f"{run_date.isoformat()}.csv"


def export_remarketing_csv(settings: Settings, run_date: date | None = None) -> ExportResult:
    with open_warehouse(settings, read_only=True) as con:
        day = batch_run_date(con, run_date)
        if not has_table(con, BATCH_TABLE):
            result = ExportResult(day, None, 0)
            logger.warning("%s", result.describe())
            return result
        rows = read_batch(con, day)
    path = export_path(settings, day)
    write_atomically(path, render_csv(rows, CsvFormat.from_settings(settings)))
    result = ExportResult(day, path, len(rows))
    logger.info("%s", result.describe())
    return result
