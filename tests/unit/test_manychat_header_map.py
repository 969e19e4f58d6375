"""MANYCHAT_HEADER_MAP_FILE: extra export header spellings, validated before anything loads."""

from __future__ import annotations

import pytest

from crm_elt.sources import manychat
from crm_elt.sources.manychat import HeaderMapError, header_map, read_header_map
from crm_elt.warehouse import open_warehouse
from tests.conftest import make_settings


def map_file(tmp_path, content: str | bytes, name: str = "headers.csv"):
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def test_headers_are_normalized_like_file_headers(tmp_path):
    path = map_file(tmp_path, "header,column\n Zap ,phone\nCódigo do Lead,subscriber_id\n")
    assert read_header_map(path) == {"zap": "phone", "codigo_do_lead": "subscriber_id"}


def test_semicolons_bom_blank_lines_extra_columns_and_repeats_are_accepted(tmp_path):
    content = "\ufeffColumn;Header;Note\r\nphone;Zap;from the bot\r\n\r\nphone;ZAP;same again\r\n"
    assert read_header_map(map_file(tmp_path, content.encode())) == {"zap": "phone"}


def test_latin1_map_file_is_read(tmp_path):
    content = "header,column\nNúmero,phone\n".encode("latin-1")
    assert read_header_map(map_file(tmp_path, content)) == {"numero": "phone"}


def test_the_file_overrides_and_extends_the_built_in_spellings(tmp_path):
    path = map_file(tmp_path, "header,column\nName,first_name\nZap,phone\n")
    settings = make_settings(tmp_path / "data", MANYCHAT_HEADER_MAP_FILE=str(path))
    columns = header_map(settings)
    assert columns["name"] == "first_name"  # built in: full_name
    assert columns["zap"] == "phone"
    assert columns["email"] == "email"
    assert header_map(make_settings(tmp_path / "other")) == manychat.HEADER_MAP


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "headers.csv line 1: empty file"),
        ("header,target\nZap,phone\n", "headers.csv line 1: missing column(s) column"),
        ("from,to\nZap,phone\n", "line 1: missing column(s) header, column"),
        ("header,column\nZap,phone\nFone,Phone Number\n", "line 3: column 'Phone Number' is not"),
        ("header,column\nZap,1phone\n", "line 2: column '1phone' is not a valid column name"),
        ("header,column\nZap,\n", "line 2: column '' is not a valid column name"),
        ("header,column\n!!!,phone\n", "line 2: header '!!!' has no letters or digits"),
        ("header,column\nZap\n", "line 2: expected a header and a column, found 1 field(s)"),
        (
            "header,column\nZap,phone\nemail,email\nZAP,whatsapp_phone\n",
            "line 4: header 'ZAP' maps to 'whatsapp_phone', but line 2 maps it to 'phone'",
        ),
        (
            'header,column\n"Multi\nline",phone\nZap,"bad name"\n',
            "line 4: column 'bad name' is not a valid column name",
        ),
    ],
)
def test_a_malformed_map_is_one_line_naming_file_and_line(tmp_path, content, message):
    with pytest.raises(HeaderMapError) as raised:
        read_header_map(map_file(tmp_path, content))
    text = str(raised.value)
    assert text.startswith("MANYCHAT_HEADER_MAP_FILE headers.csv")
    assert message in text
    assert "\n" not in text


def test_export_with_a_mapped_header_loads_it_under_the_canonical_column(tmp_path):
    path = map_file(tmp_path, "header,column\nZap,phone\nCódigo,subscriber_id\n")
    settings = make_settings(tmp_path / "data", MANYCHAT_HEADER_MAP_FILE=str(path))
    settings.manychat_input_dir.mkdir(parents=True)
    (settings.manychat_input_dir / "bot.csv").write_text(
        "Código;Nome;Zap;Cidade\n4242;Ana Souza;+5511987654321;Recife\n", encoding="utf-8"
    )
    manychat.extract(settings)
    with open_warehouse(settings, read_only=True) as con:
        rows = con.execute(
            "select record_key, record ->> 'phone', record ->> 'full_name', record ->> 'cidade' "
            "from raw_manychat.subscribers"
        ).fetchall()
    assert rows == [("4242", "+5511987654321", "Ana Souza", "Recife")]


def test_a_bad_map_stops_the_extraction_before_any_file_loads(tmp_path):
    path = map_file(tmp_path, "header,column\nZap,phone\nZap,email\n")
    settings = make_settings(tmp_path / "data", MANYCHAT_HEADER_MAP_FILE=str(path))
    settings.manychat_input_dir.mkdir(parents=True)
    export = settings.manychat_input_dir / "bot.csv"
    export.write_text("ID,Zap\n4242,+5511987654321\n", encoding="utf-8")
    with pytest.raises(HeaderMapError, match="line 3: header 'Zap' maps to 'email'"):
        manychat.extract(settings)
    assert export.exists()  # neither loaded nor archived
    assert not settings.warehouse_path.exists()
