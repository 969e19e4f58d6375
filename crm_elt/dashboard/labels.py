"""Every label the dashboard shows, in Brazilian Portuguese and English, and how numbers look.

Brazilian Portuguese is the default: money as `R$ 1.234,56`, dates as dd/mm/aaaa. English
writes `R$ 1,234.56` and ISO dates. A label missing from one language fails loudly in tests
(`test_every_label_exists_in_every_language`) rather than showing its key to a user.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

LANGUAGES = {"pt": "Português", "en": "English"}
DEFAULT_LANGUAGE = "pt"
CENT = Decimal("0.01")

LABELS: dict[str, dict[str, str]] = {
    "pt": {
        "app_title": "CRM ELT: painel",
        "language": "Idioma",
        "snapshot_missing": "Ainda não há dados: rode `make run` e recarregue a página.",
        "snapshot_of": "Dados da execução de {when}",
        "mart_missing": (
            "A tabela `{table}` ainda não está no snapshot: ela aparece aqui depois da "
            "primeira execução que a construir."
        ),
        "page_people": "Pessoas",
        "page_quality": "Qualidade dos dados",
        "page_ltv_cac": "LTV:CAC por coorte e canal",
        "page_cac": "CAC por mês e canal",
        "page_audiences": "Públicos",
        "page_batch": "Lote de hoje",
        "golden_contacts": "Contatos únicos",
        "source_records": "Registros nas fontes",
        "records_per_person": "Registros por pessoa",
        "with_whatsapp": "Com WhatsApp",
        "by_source": "Pessoas por combinação de fontes",
        "sources": "Fontes",
        "people": "Pessoas",
        "acquired_by_month": "Contatos adquiridos por mês",
        "lookup": "Buscar uma pessoa",
        "lookup_help": "E-mail, telefone ou id do contato único",
        "lookup_none": "Nenhum contato único corresponde a {query}.",
        "lookup_why": "Por que estes registros são uma só pessoa",
        "runs": "Execuções",
        "last_run": "Última execução",
        "records_received": "Registros recebidos",
        "records_inserted": "Versões novas",
        "failed_streams": "Fluxos com falha",
        "quarantined_rows": "Linhas em quarentena",
        "quarantine_by_reason": "Quarentena por motivo",
        "identity_counts": "Identidades",
        "trend": "Tendência por execução",
        "rows": "Linhas",
        "total": "Total",
        "audience_ilpi": "Público ILPI",
        "audience_estetica": "Público estética",
        "contacts": "Contatos",
        "net_ltv_total": "LTV líquido somado",
        "batch_date": "Lote de {day}",
        "batch_size": "Contatos no lote",
        "download_export": "Baixar a exportação de {day} (CSV)",
        "export_missing": "A exportação de {day} ainda não foi gerada ({path}).",
        "column": "Coluna",
        "value": "Valor",
        "yes": "sim",
        "no": "não",
        "quality_checks": "Verificações de qualidade (dbt)",
        "reported_runs": "Execuções do dbt no relatório",
        "quality_trend": "Cada verificação ao longo das execuções do dbt",
        "quality_breakdown": "Detalhe da última execução",
        "blended": "Todos os canais (ALL)",
        "per_channel": "Por canal",
        "customers": "Clientes",
        "customers_net_ltv": "LTV líquido dos clientes",
        "spend": "Investimento em marketing",
        "blended_ltv_cac": "LTV:CAC geral",
        "blended_cac": "CAC geral",
        "reachable_whatsapp": "Alcançáveis por WhatsApp",
        "reachable_email": "Alcançáveis por e-mail",
        "net_ltv_line_total": "LTV líquido na linha",
        "most_valuable": "Os {count} de maior LTV na linha",
        "everyone": "Todos os {count} contatos",
    },
    "en": {
        "app_title": "CRM ELT: dashboard",
        "language": "Language",
        "snapshot_missing": "No data yet: run `make run` and reload the page.",
        "snapshot_of": "Data as of the run at {when}",
        "mart_missing": (
            "Table `{table}` is not in the snapshot yet: it shows here after the first run "
            "that builds it."
        ),
        "page_people": "People",
        "page_quality": "Data quality",
        "page_ltv_cac": "LTV:CAC by cohort and channel",
        "page_cac": "CAC by month and channel",
        "page_audiences": "Audiences",
        "page_batch": "Today's batch",
        "golden_contacts": "Golden contacts",
        "source_records": "Source records",
        "records_per_person": "Records per person",
        "with_whatsapp": "With WhatsApp",
        "by_source": "People by combination of sources",
        "sources": "Sources",
        "people": "People",
        "acquired_by_month": "Contacts acquired by month",
        "lookup": "Look a person up",
        "lookup_help": "Email, phone or golden contact id",
        "lookup_none": "No golden contact matches {query}.",
        "lookup_why": "Why these records are one person",
        "runs": "Runs",
        "last_run": "Last run",
        "records_received": "Records received",
        "records_inserted": "New versions",
        "failed_streams": "Failed streams",
        "quarantined_rows": "Quarantined rows",
        "quarantine_by_reason": "Quarantine by reason",
        "identity_counts": "Identities",
        "trend": "Trend across runs",
        "rows": "Rows",
        "total": "Total",
        "audience_ilpi": "ILPI audience",
        "audience_estetica": "Aesthetics audience",
        "contacts": "Contacts",
        "net_ltv_total": "Net LTV, summed",
        "batch_date": "Batch of {day}",
        "batch_size": "Contacts in the batch",
        "download_export": "Download the export of {day} (CSV)",
        "export_missing": "The export of {day} has not been written yet ({path}).",
        "column": "Column",
        "value": "Value",
        "yes": "yes",
        "no": "no",
        "quality_checks": "Data-quality checks (dbt)",
        "reported_runs": "dbt runs in the report",
        "quality_trend": "Each check across dbt runs",
        "quality_breakdown": "Breakdown of the last run",
        "blended": "All channels (ALL)",
        "per_channel": "Per channel",
        "customers": "Customers",
        "customers_net_ltv": "Customers' net LTV",
        "spend": "Marketing spend",
        "blended_ltv_cac": "Blended LTV:CAC",
        "blended_cac": "Blended CAC",
        "reachable_whatsapp": "Reachable by WhatsApp",
        "reachable_email": "Reachable by email",
        "net_ltv_line_total": "Net LTV in the line",
        "most_valuable": "The {count} with the highest net LTV in the line",
        "everyone": "All {count} contacts",
    },
}


# Table headings for the columns the pages show; a column not listed keeps its own name.
COLUMN_LABELS: dict[str, dict[str, str]] = {
    "pt": {
        "sources": "Fontes",
        "people": "Pessoas",
        "acquisition_month": "Mês de aquisição",
        "acquisition_channel": "Canal de aquisição",
        "contacts_acquired": "Contatos adquiridos",
        "run_number": "Execução",
        "started_at": "Início",
        "records_received": "Registros recebidos",
        "records_inserted": "Versões novas",
        "failed_streams": "Fluxos com falha",
        "quarantined_rows": "Linhas em quarentena",
        "source": "Fonte",
        "entity": "Entidade",
        "reason": "Motivo",
        "rows": "Linhas",
        "identities": "Identidades",
        "golden_contacts": "Contatos únicos",
        "month": "Mês",
        "channel": "Canal",
        "spend_brl": "Investimento",
        "new_customers": "Clientes novos",
        "cac_brl": "CAC",
        "golden_contact_id": "Contato único",
        "run_date": "Data do lote",
        "priority_rank": "Prioridade",
        "cac_status": "Situação do CAC",
        "cohort_month": "Coorte",
        "customers": "Clientes",
        "avg_net_ltv_brl": "LTV líquido médio",
        "avg_net_ltv_90d_brl": "LTV líquido médio em 90 dias",
        "ltv_cac_ratio": "LTV:CAC",
        "ltv_cac_90d_ratio": "LTV:CAC em 90 dias",
        "cac_payback_months": "Meses de payback",
        "payback_status": "Payback",
        "full_name": "Nome",
        "signals": "Sinais",
        "net_ltv_line_brl": "LTV líquido na linha",
        "net_ltv_brl": "LTV líquido",
        "last_line_purchase_at": "Última compra na linha",
        "is_reachable_by_whatsapp": "WhatsApp",
        "is_reachable_by_email": "E-mail",
        "whatsapp_phone": "WhatsApp",
        "email": "E-mail",
        "audiences": "Públicos",
        "why_selected": "Por que foi escolhido",
        "area": "Área",
        "check_name": "Verificação",
        "field": "Campo",
        "detail": "Detalhe",
        "item_count": "Quantidade",
        "unit": "Unidade",
        "last_run": "Última execução",
        "previous_run": "Execução anterior",
        "change": "Variação",
    },
    "en": {
        "sources": "Sources",
        "people": "People",
        "acquisition_month": "Acquisition month",
        "acquisition_channel": "Acquisition channel",
        "contacts_acquired": "Contacts acquired",
        "run_number": "Run",
        "started_at": "Started",
        "records_received": "Records received",
        "records_inserted": "New versions",
        "failed_streams": "Failed streams",
        "quarantined_rows": "Quarantined rows",
        "source": "Source",
        "entity": "Entity",
        "reason": "Reason",
        "rows": "Rows",
        "identities": "Identities",
        "golden_contacts": "Golden contacts",
        "month": "Month",
        "channel": "Channel",
        "spend_brl": "Spend",
        "new_customers": "New customers",
        "cac_brl": "CAC",
        "golden_contact_id": "Golden contact",
        "run_date": "Batch date",
        "priority_rank": "Priority",
        "cac_status": "CAC status",
        "cohort_month": "Cohort",
        "customers": "Customers",
        "avg_net_ltv_brl": "Average net LTV",
        "avg_net_ltv_90d_brl": "Average net LTV in 90 days",
        "ltv_cac_ratio": "LTV:CAC",
        "ltv_cac_90d_ratio": "LTV:CAC in 90 days",
        "cac_payback_months": "Payback months",
        "payback_status": "Payback",
        "full_name": "Name",
        "signals": "Signals",
        "net_ltv_line_brl": "Net LTV in the line",
        "net_ltv_brl": "Net LTV",
        "last_line_purchase_at": "Last purchase in the line",
        "is_reachable_by_whatsapp": "WhatsApp",
        "is_reachable_by_email": "Email",
        "whatsapp_phone": "WhatsApp",
        "email": "Email",
        "audiences": "Audiences",
        "why_selected": "Why selected",
        "area": "Area",
        "check_name": "Check",
        "field": "Field",
        "detail": "Detail",
        "item_count": "Count",
        "unit": "Unit",
        "last_run": "Last run",
        "previous_run": "Previous run",
        "change": "Change",
    },
}


def column_label(column: str, language: str) -> str:
    return COLUMN_LABELS[language].get(column, column)


def label(key: str, language: str, **values: object) -> str:
    text = LABELS[language][key]
    return text.format(**values) if values else text


def _grouped(number: float | Decimal, decimals: int, language: str) -> str:
    text = f"{number:,.{decimals}f}"
    if language == "pt":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def format_money(value: object, language: str) -> str:
    """R$ 1.234,56 (pt) or R$ 1,234.56 (en); a negative amount as -R$ 1.234,56; '-' when absent."""
    if _missing(value):
        return "-"
    # Half a cent rounds up, as a cashier does, whether the mart gives a DECIMAL or a float.
    amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}R$ {_grouped(abs(amount), 2, language)}"


def format_number(value: object, language: str, decimals: int = 0) -> str:
    if _missing(value):
        return "-"
    return _grouped(float(value), decimals, language)


def format_date(value: object, language: str) -> str:
    """dd/mm/aaaa (pt) or yyyy-mm-dd (en); '-' when absent."""
    if _missing(value) or value is pd.NaT:
        return "-"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    day = value.date() if isinstance(value, datetime) else value
    if not isinstance(day, date):
        day = pd.Timestamp(day).date()
    return day.strftime("%d/%m/%Y" if language == "pt" else "%Y-%m-%d")


def format_datetime(value: object, language: str) -> str:
    if _missing(value) or value is pd.NaT:
        return "-"
    moment = pd.Timestamp(value).to_pydatetime()
    return f"{format_date(moment, language)} {moment:%H:%M}"


def format_frame(frame: pd.DataFrame, language: str) -> pd.DataFrame:
    """A mart's rows as text to show, under localized headings: `*_brl` columns as money,
    dates and ratios localized.

    The marts name money `<what>_brl` and dates `<what>_at`, `<what>_date` or `month`
    (CONVENTIONS.md), so one rule formats every mart, including marts written after this.
    """
    shown = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if column.endswith("_brl"):
            shown[column] = [format_money(value, language) for value in values]
        elif column.endswith("_at"):
            shown[column] = [format_datetime(value, language) for value in values]
        elif column.endswith("_date") or column == "month" or _holds_dates(values):
            shown[column] = [format_date(value, language) for value in values]
        elif pd.api.types.is_float_dtype(values):
            shown[column] = [format_number(value, language, 2) for value in values]
        elif pd.api.types.is_integer_dtype(values):
            shown[column] = [format_number(value, language) for value in values]
        else:
            shown[column] = [_text(value, language) for value in values]
    return shown.rename(columns=lambda column: column_label(column, language))


def _text(value: object, language: str) -> str:
    if _missing(value):
        return "-"
    if isinstance(value, bool | np.bool_):
        return label("yes" if value else "no", language)
    if isinstance(value, list | tuple | np.ndarray):
        return ", ".join(map(str, value))
    return str(value)


def _holds_dates(values: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(values):
        return True
    first = values.dropna().head(1)
    return values.dtype == object and len(first) == 1 and isinstance(first.iloc[0], date)
