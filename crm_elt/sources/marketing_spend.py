"""Monthly marketing spend per channel, from CSVs in `data/input/marketing_spend/`.

Columns month, channel, amount, currency (header spellings in `HEADER_MAP`). Months may be
`YYYY-MM`, `YYYY-MM-DD`, `MM/YYYY` or `YYYY/MM`; amounts `1234.56`, `1.234,56` or `R$ 1.234,56`.
A row is keyed by month and channel: a later file restating a month and channel adds a new
version, and the latest extracted version is the current one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from crm_elt.settings import Settings
from crm_elt.sources.base import ExtractResult
from crm_elt.sources.csv_files import CsvRow, extract_folder
from crm_elt.warehouse import RawRecord, new_load_id

SOURCE = "marketing"
ENTITY = "spend"
HEADER_MAP = {
    "month": "month",
    "mes": "month",
    "period": "month",
    "periodo": "month",
    "channel": "channel",
    "canal": "channel",
    "amount": "amount",
    "valor": "amount",
    "spend": "amount",
    "investimento": "amount",
    "custo": "amount",
    "currency": "currency",
    "moeda": "currency",
}
_THOUSANDS_DOTS = re.compile(r"-?\d{1,3}(\.\d{3})+")
_MONTH_FORMATS = (
    re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})(-(?P<day>\d{1,2}))?$"),
    re.compile(r"^(?P<month>\d{1,2})/(?P<year>\d{4})(?P<day>)$"),
    re.compile(r"^(?P<year>\d{4})/(?P<month>\d{1,2})(?P<day>)$"),
)


def parse_month(text: str) -> str | None:
    """'2026-03', '2026-3', '2026-03-31', '03/2026', '2026/03' -> '2026-03'; otherwise None.

    A full date must be a real day: '2026-02-31' is a typo, not February.
    """
    for pattern in _MONTH_FORMATS:
        match = pattern.match(text.strip())
        if match and 1 <= int(match["month"]) <= 12 and 2000 <= int(match["year"]) <= 2100:
            if match["day"] and not _is_day_of(
                int(match["year"]), int(match["month"]), int(match["day"])
            ):
                return None
            return f"{match['year']}-{int(match['month']):02d}"
    return None


def _is_day_of(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def parse_amount(text: str) -> Decimal | None:
    """'R$ 1.234,56' -> 1234.56; '1234.56' -> 1234.56; anything else -> None.

    Dots alone are thousands separators when they can be nothing else ('1.234.567') or after
    `R$` ('R$ 1.234', Brazilian notation); a single dot otherwise is a decimal point.
    """
    stripped = text.strip()
    cleaned = re.sub(r"^(R\$|BRL)\s*", "", stripped, flags=re.IGNORECASE).replace(" ", "")
    if not re.fullmatch(r"-?[\d.,]+", cleaned):
        return None
    if _THOUSANDS_DOTS.fullmatch(cleaned) and (
        cleaned.count(".") > 1 or stripped.upper().startswith("R$")
    ):
        cleaned = cleaned.replace(".", "")
    elif "," in cleaned and (cleaned.rfind(",") > cleaned.rfind(".")):
        cleaned = cleaned.replace(".", "").replace(",", ".")
    else:
        cleaned = cleaned.replace(",", "")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def validate_spend(row: CsvRow, file_name: str) -> RawRecord | tuple[str | None, str]:
    values = row.values
    month = parse_month(values.get("month", ""))
    if month is None:
        return (
            "month",
            f"month {values.get('month', '')[:20]!r} is not YYYY-MM, YYYY-MM-DD or MM/YYYY",
        )
    channel = values.get("channel", "").strip().upper()
    if not channel:
        return "channel", "missing channel"
    amount = parse_amount(values.get("amount", ""))
    if amount is None:
        return "amount", f"amount {values.get('amount', '')[:20]!r} is not a number"
    if amount < 0:
        return "amount", f"negative amount {amount}"
    currency = (values.get("currency") or "BRL").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        return "currency", f"currency {currency[:10]!r} is not a 3-letter code"
    payload = {
        "month": month,
        "channel": channel,
        "amount": str(amount),
        "currency": currency,
        "_source_file": file_name,
        "_source_line": row.line,
    }
    return RawRecord(f"{month}|{channel}", None, payload)


def extract(
    settings: Settings, *, load_id: str | None = None, streams: Sequence[str] | None = None
) -> ExtractResult:
    return extract_folder(
        settings,
        load_id=load_id or new_load_id(),
        source=SOURCE,
        entity=ENTITY,
        folder=settings.marketing_spend_input_dir,
        header_map=HEADER_MAP,
        required=("month", "channel", "amount"),
        validate=validate_spend,
    )
