"""ManyChat subscribers from the UI's CSV exports (ManyChat has no API to list them).

Header spellings vary between exports and languages; `HEADER_MAP` maps their normalized form
to canonical columns and any other column is kept under its normalized name. IDs stay text.
An ID that Excel turned into scientific notation (`1.23457E+15`) has lost digits and cannot
be matched to anything: its row is quarantined rather than loaded under a wrong id.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from crm_elt.settings import Settings
from crm_elt.sources.base import ExtractResult
from crm_elt.sources.csv_files import CsvRow, extract_folder, formula_like_fields
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
    return extract_folder(
        settings,
        load_id=load_id or new_load_id(),
        source=SOURCE,
        entity=ENTITY,
        folder=settings.manychat_input_dir,
        header_map=HEADER_MAP,
        required=("subscriber_id",),
        validate=validate_subscriber,
    )
