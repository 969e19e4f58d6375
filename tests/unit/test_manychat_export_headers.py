"""ManyChat export headers in English, Portuguese and Spanish, and the date order they imply."""

from __future__ import annotations

import logging
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_elt.sources.csv_files import normalize_header, parse_csv
from crm_elt.sources.export_dates import DAY_FIRST, MONTH_FIRST
from crm_elt.sources.manychat import (
    HEADER_MAP,
    HEADER_SPELLINGS,
    file_date_order,
    header_language,
    subscriber_validator,
)
from crm_elt.warehouse import RawRecord
from tests.conftest import make_settings

SPELLINGS = [
    (spelling, column)
    for column, by_language in HEADER_SPELLINGS.items()
    for spellings in by_language.values()
    for spelling in spellings
]


@pytest.mark.parametrize(
    ("header", "columns", "language"),
    [
        (
            "ID do usuário;Nome;Sobrenome;E-mail;Telefone;Inscrito em;Última interação;Etiquetas",
            [
                "subscriber_id",
                "first_name",
                "last_name",
                "email",
                "phone",
                "subscribed_at",
                "last_interaction_at",
                "tags",
            ],
            "pt",
        ),
        (
            "ID DO USUARIO;NOME COMPLETO;GENERO;TELEFONE DO WHATSAPP;DATA DE INSCRICAO",
            ["subscriber_id", "full_name", "gender", "whatsapp_phone", "subscribed_at"],
            "pt",
        ),
        (
            "ID de usuario,Nombre,Apellido,Correo electrónico,Teléfono,Etiquetas,Suscrito,"
            "Última interacción,Género",
            [
                "subscriber_id",
                "first_name",
                "last_name",
                "email",
                "phone",
                "tags",
                "subscribed_at",
                "last_interaction_at",
                "gender",
            ],
            "es",
        ),
        (
            "Subscriber ID,First Name,Last Name,Name,Email,WhatsApp Phone,Subscribed,Tags",
            [
                "subscriber_id",
                "first_name",
                "last_name",
                "full_name",
                "email",
                "whatsapp_phone",
                "subscribed_at",
                "tags",
            ],
            "en",
        ),
        ("ID,Email,WhatsApp,Cidade", ["subscriber_id", "email", "whatsapp_phone", "cidade"], None),
        # Etiquetas is both Portuguese and Spanish: either way, dates are day first.
        ("ID;Etiquetas", ["subscriber_id", "tags"], "es"),
    ],
)
def test_export_header_maps_to_columns_and_tells_its_language(header, columns, language):
    delimiter = ";" if ";" in header else ","
    parsed = parse_csv(f"{header}\n".encode(), HEADER_MAP, ("subscriber_id",))
    assert parsed.error is None
    assert parsed.columns == columns
    assert header_language(header.split(delimiter)) == language


def _strip_accents(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


@given(
    st.sampled_from(SPELLINGS),
    st.sampled_from([str.upper, str.lower, str.title, _strip_accents, str.strip]),
    st.sampled_from(["", " ", "  ", "\t"]),
)
def test_every_spelling_maps_whatever_its_case_accents_and_padding(spelling_column, change, pad):
    spelling, column = spelling_column
    assert HEADER_MAP[normalize_header(pad + change(spelling) + pad)] == column


def test_no_spelling_means_two_columns():
    seen: dict[str, str] = {}
    for spelling, column in SPELLINGS:
        assert seen.setdefault(normalize_header(spelling), column) == column, spelling


def parsed_export(text: str):
    return parse_csv(text.encode(), HEADER_MAP, ("subscriber_id",))


@pytest.mark.parametrize(
    ("export", "order", "logged"),
    [
        ("ID do usuário;Inscrito em\n1;01/03/2025 10:00\n", DAY_FIRST, "Portuguese headers"),
        ("ID de usuario;Suscrito\n1;01/03/2025 10:00\n", DAY_FIRST, "Spanish headers"),
        ("ID,Subscribed\n1,01/03/2025 10:00\n", MONTH_FIRST, "English headers"),
        ("ID;Subscribed at\n1;01/03/2025\n2;25/03/2025\n", DAY_FIRST, "1 cell(s) only readable"),
        ("ID;Inscrito em\n1;03/25/2025\n", MONTH_FIRST, "0 cell(s) only readable day first"),
        # As many English as Portuguese headers: no language, day first by default.
        ("ID;Inscrito em;Last Interaction\n1;01/03/2025;\n", DAY_FIRST, "by default"),
    ],
)
def test_file_date_order_is_decided_and_logged(caplog, export, order, logged):
    with caplog.at_level(logging.INFO, logger="crm_elt.sources.manychat"):
        assert file_date_order(parsed_export(export), "export.csv").order == order
    assert "export.csv: dates read" in caplog.text
    assert logged in caplog.text


def test_contradictory_file_is_a_warning_and_only_the_odd_row_is_refused(tmp_path, caplog):
    export = parsed_export(
        "ID do usuário;Inscrito em\n1;13/01/2025 10:00\n2;14/01/2025 10:00\n3;01/15/2025 10:00\n"
    )
    with caplog.at_level(logging.INFO, logger="crm_elt.sources.manychat"):
        validate = subscriber_validator(make_settings(tmp_path))(export, "export.csv")
    assert [record.levelname for record in caplog.records] == ["WARNING"]
    outcomes = [validate(row, "export.csv") for row in export.rows]
    assert [isinstance(outcome, RawRecord) for outcome in outcomes] == [True, True, False]
    assert outcomes[2] == (
        "subscribed_at",
        "subscribed_at '01/15/2025 10:00' cannot be read day/month/year like the rest of its file",
    )


def test_nome_alone_holds_the_full_name_and_next_to_sobrenome_the_first(tmp_path):
    settings = make_settings(tmp_path, MANYCHAT_TIMEZONE="UTC")
    for text, expected in [
        ("ID;Nome\n1;Ana Souza\n", {"full_name": "Ana Souza"}),
        ("ID;Nome;Sobrenome\n1;Ana;Souza\n", {"first_name": "Ana", "last_name": "Souza"}),
        ("ID;Nombre;Nombre completo\n1;Ana;Ana Souza\n", {"first_name": "Ana"}),
    ]:
        export = parsed_export(text)
        record = subscriber_validator(settings)(export, "export.csv")(export.rows[0], "e.csv")
        assert isinstance(record, RawRecord)
        assert {key: record.payload.get(key) for key in expected} == expected
        assert "_date_order" not in record.payload  # no date column: nothing to say


def test_dates_are_read_in_the_account_time_zone(tmp_path):
    export = parsed_export("ID;Inscrito em\n1;01/03/2025 10:00\n")
    for zone, expected in [
        ("UTC", "2025-03-01T10:00:00Z"),
        ("Europe/Lisbon", "2025-03-01T10:00:00Z"),
        ("America/Manaus", "2025-03-01T14:00:00Z"),
    ]:
        settings = make_settings(tmp_path, MANYCHAT_TIMEZONE=zone)
        record = subscriber_validator(settings)(export, "e.csv")(export.rows[0], "e.csv")
        assert record.payload["_utc"] == {"subscribed_at": expected}
