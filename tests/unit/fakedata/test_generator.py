"""The generator: deterministic, dirty on purpose, and honest about it in the ground truth."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from email_validator import EmailNotValidError, validate_email

from crm_elt.dataset import (
    HOTMART_SALES_COLUMNS,
    HOTMART_USERS_COLUMNS,
    HUBSPOT_RECORD_COLUMNS,
    MANYCHAT_COLUMNS,
    sandbox_path,
)
from crm_elt.fakedata import DefectRates, generate
from crm_elt.fakedata.outputs import MANYCHAT_EXPORTS
from tests.conftest import AS_OF

CONTACTS = 3000


def digest(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("world") / "data"
    generate(out, seed=21, contacts=CONTACTS, as_of=AS_OF)
    return out


def truth(world: Path) -> pd.DataFrame:
    return pd.read_parquet(world / "truth" / "records.parquet")


def with_defect(world: Path, source: str, entity: str, defect: str) -> set[str]:
    records = truth(world)
    chosen = records[(records["source"] == source) & (records["entity"] == entity)]
    return set(
        chosen.loc[
            chosen["defects"].str.split(";").apply(lambda names: defect in names), "record_id"
        ]
    )


def test_same_seed_gives_byte_identical_files(world, tmp_path):
    again = tmp_path / "again"
    generate(again, seed=21, contacts=CONTACTS, as_of=AS_OF)
    assert digest(again) == digest(world)


def test_another_seed_gives_other_data(world, tmp_path):
    other = tmp_path / "other"
    generate(other, seed=22, contacts=CONTACTS, as_of=AS_OF)
    assert (
        digest(other)["sandbox/hubspot_contacts.parquet"]
        != digest(world)["sandbox/hubspot_contacts.parquet"]
    )


def test_dataset_follows_the_contract(world):
    contacts = pd.read_parquet(sandbox_path(world, "hubspot_contacts.parquet"))
    assert list(contacts.columns[: len(HUBSPOT_RECORD_COLUMNS)]) == list(HUBSPOT_RECORD_COLUMNS)
    assert {"hs_object_id", "createdate", "lastmodifieddate", "email"} <= set(contacts.columns)
    for name in ("companies", "deals"):
        frame = pd.read_parquet(sandbox_path(world, f"hubspot_{name}.parquet"))
        assert {"hs_object_id", "createdate", "hs_lastmodifieddate"} <= set(frame.columns)
    for name, columns in (
        ("hotmart_sales", HOTMART_SALES_COLUMNS),
        ("hotmart_sales_users", HOTMART_USERS_COLUMNS),
        ("manychat_subscribers", MANYCHAT_COLUMNS),
    ):
        assert list(pd.read_parquet(sandbox_path(world, f"{name}.parquet")).columns) == list(
            columns
        )
    properties = json.loads(sandbox_path(world, "hubspot_properties.json").read_text())
    assert "especialidade_medica" in {item["name"] for item in properties["companies"]}


def test_dates_never_pass_the_as_of_day(world):
    contacts = pd.read_parquet(sandbox_path(world, "hubspot_contacts.parquet"))
    sales = pd.read_parquet(sandbox_path(world, "hotmart_sales.parquet"))
    limit = pd.Timestamp(AS_OF).value // 1_000_000
    assert contacts["updated_at"].max() < limit
    assert sales["order_date"].max() < limit
    assert sales["order_date"].value_counts().max() <= 2  # spread out, not piled at the end


def test_truth_covers_every_record_of_every_source(world):
    records = truth(world)
    for source, entity, file_name, column in (
        ("hubspot", "contacts", "hubspot_contacts.parquet", "id"),
        ("hubspot", "companies", "hubspot_companies.parquet", "id"),
        ("hubspot", "deals", "hubspot_deals.parquet", "id"),
        ("hotmart", "sales", "hotmart_sales.parquet", "transaction"),
        ("manychat", "subscribers", "manychat_subscribers.parquet", "id"),
    ):
        ids = set(pd.read_parquet(sandbox_path(world, file_name))[column].astype(str))
        present = records[
            (records["source"] == source) & (records["entity"] == entity) & records["in_source"]
        ]
        assert set(present["record_id"]) == ids, (source, entity)
    people = records[records["entity"] != "companies"]
    assert people["person_id"].notna().all()


def test_merged_away_contacts_are_gone_and_named_by_their_survivor(world):
    contacts = pd.read_parquet(sandbox_path(world, "hubspot_contacts.parquet"))
    absorbed = with_defect(world, "hubspot", "contacts", "merged_away")
    assert absorbed
    assert absorbed.isdisjoint(contacts["id"])
    named = {
        part for value in contacts["hs_merged_object_ids"].dropna() for part in value.split(";")
    }
    assert named == absorbed


def test_each_defect_in_the_truth_is_really_in_the_data(world):
    contacts = pd.read_parquet(sandbox_path(world, "hubspot_contacts.parquet")).set_index("id")
    persons = pd.read_parquet(world / "truth" / "persons.parquet").set_index("person_id")
    records = truth(world)
    person_of = records[records["entity"] == "contacts"].set_index("record_id")["person_id"]

    messy = with_defect(world, "hubspot", "contacts", "email_case_space") & set(contacts.index)
    assert messy
    assert all(contacts.at[i, "email"] != contacts.at[i, "email"].strip().lower() for i in messy)
    assert all(
        contacts.at[i, "email"].strip().lower() == persons.at[person_of[i], "email"] for i in messy
    )

    invalid = with_defect(world, "hubspot", "contacts", "invalid_email") & set(contacts.index)
    assert invalid
    for record_id in invalid:
        with pytest.raises(EmailNotValidError):
            validate_email(contacts.at[record_id, "email"], check_deliverability=False)

    no_last = with_defect(world, "hubspot", "contacts", "missing_last_name") & set(contacts.index)
    assert no_last and contacts.loc[list(no_last), "lastname"].isna().all()

    shared = with_defect(world, "hubspot", "contacts", "shared_email") & set(contacts.index)
    assert shared and all(contacts.at[i, "email"].startswith("recepcao@") for i in shared)

    clean_phone = (
        set(contacts.index)
        - with_defect(world, "hubspot", "contacts", "phone_reformatted")
        - with_defect(world, "hubspot", "contacts", "phone_no_area_code")
        - with_defect(world, "hubspot", "contacts", "phone_missing_ninth_digit")
    )
    assert all(re.fullmatch(r"\+55\d{2}9\d{8}", contacts.at[i, "mobilephone"]) for i in clean_phone)
    no_ninth = with_defect(world, "hubspot", "contacts", "phone_missing_ninth_digit") & set(
        contacts.index
    )
    assert all(len(re.sub(r"\D", "", contacts.at[i, "mobilephone"])) == 10 for i in no_ninth)

    companies = pd.read_parquet(sandbox_path(world, "hubspot_companies.parquet")).set_index("id")
    canonical = pd.read_parquet(world / "truth" / "companies.parquet").set_index("company_id")
    company_truth = records[records["entity"] == "companies"].set_index("record_id")["company_id"]
    variants = with_defect(world, "hubspot", "companies", "specialty_variant")
    assert variants
    assert all(
        companies.at[i, "especialidade_medica"] != canonical.at[company_truth[i], "specialty"]
        for i in variants
    )


def test_defect_rates_land_near_their_setting(world):
    contacts = truth(world)
    contacts = contacts[(contacts["entity"] == "contacts") & contacts["in_source"]]
    rates = DefectRates()
    for defect, rate in (
        ("email_case_space", rates.email_case_space),
        ("missing_last_name", rates.missing_last_name),
        ("invalid_email", rates.invalid_email),
    ):
        share = contacts["defects"].str.split(";").apply(lambda names, d=defect: d in names).mean()
        assert abs(share - rate) < max(0.35 * rate, 0.012), (defect, share, rate)


def test_deals_without_company_have_no_company_association(world):
    associations = pd.read_parquet(sandbox_path(world, "hubspot_associations.parquet"))
    contacts = set(pd.read_parquet(sandbox_path(world, "hubspot_contacts.parquet"))["id"])
    deals = set(pd.read_parquet(sandbox_path(world, "hubspot_deals.parquet"))["id"])
    to_contacts = associations[associations["to_type"] == "contacts"]
    assert set(to_contacts["to_id"]) <= contacts
    assert set(associations.loc[associations["from_type"] == "deals", "from_id"]) <= deals
    without = with_defect(world, "hubspot", "deals", "deal_without_company")
    with_company = set(
        associations.loc[
            (associations["from_type"] == "deals") & (associations["to_type"] == "companies"),
            "from_id",
        ]
    )
    assert without and without.isdisjoint(with_company)


def test_manychat_exports_have_their_quirks_and_parse(world):
    folder = world / "input" / "manychat"
    total = 0
    for file_name, encoding, delimiter, header in MANYCHAT_EXPORTS:
        data = (folder / file_name).read_bytes()
        if encoding == "utf-8-sig":
            assert data.startswith(b"\xef\xbb\xbf")
        if encoding == "latin-1":
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
        rows = list(csv.reader(io.StringIO(data.decode(encoding), newline=""), delimiter=delimiter))
        assert rows[0][: len(header)] == header
        total += len(rows) - 1
    subscribers = pd.read_parquet(sandbox_path(world, "manychat_subscribers.parquet"))
    assert total == len(subscribers)
    scientific = with_defect(world, "manychat", "subscribers_csv", "scientific_notation_id")
    multiline = with_defect(world, "manychat", "subscribers_csv", "multiline_cell")
    assert scientific and multiline
    file_name, line = sorted(scientific)[0].split(":")
    text = (folder / file_name).read_bytes().decode("latin-1").splitlines()
    assert re.match(r"^\d\.\d{5}E\+\d+;", text[int(line) - 1])


def test_spend_and_import_csvs_have_the_expected_headers(world):
    for path in (world / "input" / "marketing_spend").glob("*.csv"):
        header = path.read_text(encoding="utf-8").splitlines()[0]
        assert header == "month,channel,amount,currency"
    imports = world / "hubspot_import"

    def header(name: str) -> list[str]:
        with (imports / name).open(encoding="utf-8", newline="") as stream:
            return next(csv.reader(stream))

    assert header("import_companies.csv")[:2] == ["Company name", "Company Domain Name"]
    assert "Email" in header("import_contacts.csv")
    assert {"Deal Stage", "Contact Email", "Company Domain Name"} <= set(header("import_deals.csv"))


def test_generator_cli_rejects_bad_rates(tmp_path):
    import subprocess
    import sys

    from tests.conftest import PROJECT_ROOT

    completed = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "generate_fake_data.py"),
            "--seed",
            "1",
            "--contacts",
            "100",
            "--out",
            str(tmp_path),
            "--invalid-email-rate",
            "1.5",
        ],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stderr.strip() == "error: --invalid-email-rate must be within 0..1: 1.5"


def test_world_builder_refuses_steps_out_of_order():
    from crm_elt.fakedata.generate import WorldBuilder

    builder = WorldBuilder(seed=1, contacts=100, as_of=AS_OF, rates=DefectRates())
    builder.spend()
    with pytest.raises(RuntimeError, match=r"companies\(\) called when persons\(\) was due"):
        builder.companies()
