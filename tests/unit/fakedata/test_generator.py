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
from crm_elt.fakedata import DefectRates, generate, places
from crm_elt.fakedata.contact_points import IDENTITY_COLUMNS
from crm_elt.fakedata.defects import nickname_of, strip_accents
from crm_elt.fakedata.names import EMOJIS
from crm_elt.fakedata.outputs import MANYCHAT_EXPORTS
from crm_elt.fakedata.pools import EMAIL_DOMAIN_TYPOS
from tests.conftest import AS_OF

CONTACTS = 3000
TYPO_TARGET = {typo: domain for domain, typos in EMAIL_DOMAIN_TYPOS.items() for typo in typos}


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


NAME_DEFECTS = {
    "name_accents",
    "name_typo",
    "surname_typo",
    "married_name",
    "name_swapped",
    "missing_last_name",
    "name_all_caps",
    "whatsapp_first_name_only",
    "whatsapp_nickname",
    "whatsapp_title",
    "whatsapp_emoji",
}
EMAIL_DEFECTS = {
    "email_case_space",
    "email_gmail_variant",
    "email_domain_typo",
    "email_trailing_dot",
    "invalid_email",
}


@pytest.fixture(scope="module")
def tables(world):
    """Every person-bearing record beside its truth row and its person's truth."""
    records = truth(world)
    records["defect_set"] = records["defects"].str.split(";").apply(lambda names: set(names) - {""})
    persons = pd.read_parquet(world / "truth" / "persons.parquet").set_index("person_id")

    def joined(frame: pd.DataFrame, key: str, source: str, entity: str) -> pd.DataFrame:
        chosen = records[(records["source"] == source) & (records["entity"] == entity)]
        merged = frame.merge(chosen, left_on=key, right_on="record_id", validate="one_to_one")
        return merged.join(persons.add_prefix("true_"), on="person_id")

    contacts = pd.read_parquet(sandbox_path(world, "hubspot_contacts.parquet"))
    sales = pd.read_parquet(sandbox_path(world, "hotmart_sales.parquet"))
    users = pd.read_parquet(sandbox_path(world, "hotmart_sales_users.parquet"))
    buyers = users[users["role"] == "BUYER"][["transaction", "cellphone", "address_city"]]
    sales = sales.merge(buyers, on="transaction", validate="one_to_one")
    subscribers = pd.read_parquet(sandbox_path(world, "manychat_subscribers.parquet"))
    return {
        "hubspot": joined(contacts, "id", "hubspot", "contacts"),
        "hotmart": joined(sales, "transaction", "hotmart", "sales"),
        "manychat": joined(subscribers, "id", "manychat", "subscribers"),
        "persons": persons,
        "records": records,
    }


EMAIL_FIELD = {"hubspot": "email", "hotmart": "buyer_email", "manychat": "email"}


def undo_email_defects(value: str, defects: set[str]) -> str:
    """The clean address an email defect started from, for the defects that keep it."""
    value = value.strip().lower() if "email_case_space" in defects else value
    if "email_trailing_dot" in defects:
        assert value.endswith(".")
        value = value[:-1]
    if "email_domain_typo" in defects:
        local, domain = value.split("@")
        fixed = TYPO_TARGET.get(domain) or (domain + ".br" if domain.endswith(".com") else None)
        value = f"{local}@{fixed or domain.removesuffix('.br')}"
    return value


def gmail_inbox(address: str) -> str:
    local, domain = address.split("@")
    return f"{local.split('+')[0].replace('.', '')}@{domain}"


@pytest.mark.parametrize("source", ["hubspot", "hotmart", "manychat"])
def test_each_email_defect_is_in_the_data_and_undoes_to_its_identity(tables, source):
    frame = tables[source]
    field = EMAIL_FIELD[source]
    with_email = frame[frame["email_identity"].notna()]
    seen = set()
    for value, identity, defects in zip(
        with_email[field], with_email["email_identity"], with_email["defect_set"], strict=True
    ):
        email_defects = defects & EMAIL_DEFECTS
        seen |= email_defects
        assert value is not None
        if "invalid_email" in email_defects:
            with pytest.raises(EmailNotValidError):
                validate_email(value, check_deliverability=False)
            continue
        if "email_case_space" in email_defects:
            assert value != value.strip().lower()
        repaired = undo_email_defects(value, email_defects)
        if "email_gmail_variant" in email_defects:
            assert repaired != identity and gmail_inbox(repaired) == gmail_inbox(identity)
        else:
            assert repaired == identity, (value, identity, email_defects)
    assert frame.loc[frame["email_identity"].isna(), field].isna().all()
    assert seen == EMAIL_DEFECTS, EMAIL_DEFECTS - seen


def test_email_identities_are_the_persons_own_addresses_or_shared_ones(tables):
    persons = tables["persons"]
    kinds_seen = set()
    for source in ("hubspot", "hotmart", "manychat"):
        frame = tables[source]
        for kind, column_name in (("personal", "email"), ("work", "work_email")):
            chosen = frame[frame["email_kind"] == kind]
            assert (chosen["email_identity"] == chosen[f"true_{column_name}"]).all(), source
        family = frame[frame["email_kind"] == "family"]
        relatives = persons.loc[family["true_relative_person_id"].astype(int), "email"]
        assert (family["email_identity"].to_numpy() == relatives.to_numpy()).all()
        front_desk = frame[frame["email_kind"] == "front_desk"]
        assert front_desk["email_identity"].str.startswith("recepcao@").all()
        kinds_seen |= set(frame["email_kind"].dropna())
    assert kinds_seen == {"personal", "work", "family", "front_desk"}


def national(phone: str) -> str:
    """DDD and number from any shape (what remains after the country code and trunk 0)."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) >= 12 and digits.startswith("55"):
        digits = digits[2:]
    return digits[1:] if digits.startswith("0") else digits


@pytest.mark.parametrize(
    ("source", "field", "identity", "prefix"),
    [
        ("hubspot", "mobilephone", "phone_identity", ""),
        ("hubspot", "phone", "second_phone_identity", "second_"),
        ("hotmart", "cellphone", "phone_identity", ""),
        ("manychat", "phone", "phone_identity", ""),
        ("manychat", "whatsapp_phone", "second_phone_identity", "whatsapp_"),
    ],
)
def test_each_phone_defect_is_in_the_data(tables, source, field, identity, prefix):
    frame = tables[source]
    present = frame[frame[identity].notna()]
    assert frame.loc[frame[identity].isna(), field].isna().all()
    seen = set()
    ninth_digit_defect = (
        "whatsapp_missing_ninth_digit"
        if field == "whatsapp_phone"
        else prefix + "phone_missing_ninth_digit"
    )
    for value, clean, defects in zip(
        present[field], present[identity], present["defect_set"], strict=True
    ):
        expected = clean.removeprefix("+55")
        if prefix + "phone_no_area_code" in defects:
            seen.add("no_area_code")
            assert national(value) == expected[2:]
        elif ninth_digit_defect in defects:
            seen.add("missing_ninth_digit")
            assert len(expected) == 11 and national(value) == expected[:2] + expected[3:]
        elif prefix + "phone_reformatted" in defects:
            seen.add("reformatted")
            assert value != clean and national(value) == expected
        elif (
            field == "phone"
            and source == "hubspot"
            and value == present.loc[present[field] == value, "mobilephone"].iloc[0]
        ):
            continue  # a copy of the mobile field, with the mobile's defects
        else:
            assert value == clean
    wanted = {"missing_ninth_digit"} if field == "whatsapp_phone" else {"no_area_code"}
    assert wanted <= seen


def test_phone_identities_are_the_persons_numbers_or_a_relatives(tables):
    persons = tables["persons"]
    moments = {"hubspot": "created_at", "hotmart": "order_date"}
    kinds_seen = set()
    for source in ("hubspot", "hotmart", "manychat"):
        frame = tables[source]
        for identity, kind_column in (
            ("phone_identity", "phone_kind"),
            ("second_phone_identity", "second_phone_kind"),
        ):
            for kind, true_column in (
                ("personal", "phone_e164"),
                ("clinic", "clinic_phone_e164"),
                ("whatsapp", "whatsapp_e164"),
                ("old", "old_phone_e164"),
            ):
                chosen = frame[frame[kind_column] == kind]
                assert (chosen[identity] == chosen["true_" + true_column]).all(), (source, kind)
            old = frame[frame[kind_column] == "old"]
            if source == "hotmart":  # a subscription's charges repeat its checkout's data
                old = old[old["recurrency_number"].fillna(1) == 1]
            if source in moments and len(old):
                assert (old[moments[source]] < old["true_phone_changed_at_ms"]).all()
            family = frame[frame[kind_column] == "family"]
            relatives = persons.loc[family["true_relative_person_id"].astype(int)]
            assert (
                family[identity]
                .isin(set(relatives["phone_e164"]) | set(relatives["whatsapp_e164"]))
                .all()
            )
            kinds_seen |= set(frame[kind_column].dropna())
    assert kinds_seen == {"personal", "clinic", "whatsapp", "old", "family"}


def only(frame: pd.DataFrame, defect: str | None) -> pd.DataFrame:
    """Records whose one name defect is `defect` (None: records without any)."""
    wanted = set() if defect is None else {defect}
    return frame[frame["defect_set"].apply(lambda names: names & NAME_DEFECTS == wanted)]


def test_hubspot_name_defects_are_in_the_data(tables):
    frame = tables["hubspot"]
    clean = only(frame, None)
    assert (clean["firstname"] == clean["true_first_name"]).all()
    assert (clean["lastname"] == clean["true_last_name"]).all()
    accents = only(frame, "name_accents")
    assert len(accents)
    for row in accents.itertuples():
        assert (row.firstname, row.lastname) != (row.true_first_name, row.true_last_name)
        assert row.firstname == strip_accents(row.true_first_name)
        assert row.lastname == strip_accents(row.true_last_name)
    typos = only(frame, "name_typo")
    assert len(typos) and (typos["lastname"] == typos["true_last_name"]).all()
    assert all(
        a != b and abs(len(a) - len(b)) <= 1
        for a, b in zip(typos.firstname, typos.true_first_name, strict=True)
    )
    surname = only(frame, "surname_typo")
    assert len(surname) and (surname["firstname"] == surname["true_first_name"]).all()
    assert (surname["lastname"] != surname["true_last_name"]).all()
    married = only(frame, "married_name")
    assert len(married)
    for row in married.itertuples():
        assert row.lastname != row.true_last_name
        assert set(row.lastname.split()) & set(row.true_last_name.split())
    swapped = only(frame, "name_swapped")
    assert len(swapped)
    assert (swapped["firstname"] == swapped["true_last_name"]).all()
    assert (swapped["lastname"] == swapped["true_first_name"]).all()
    missing = only(frame, "missing_last_name")
    assert len(missing) and missing["lastname"].isna().all()


def test_hotmart_names_are_capitals_or_as_typed(tables):
    frame = tables["hotmart"]
    full = frame["true_first_name"] + " " + frame["true_last_name"]
    clean = only(frame, None)
    assert (clean["buyer_name"] == full[clean.index]).all()
    caps = only(frame, "name_all_caps")
    assert len(caps) and (caps["buyer_name"] == full[caps.index].str.upper()).all()
    plain = only(frame, "name_accents")
    assert len(plain)
    assert (plain["buyer_name"] == full[plain.index].map(strip_accents)).all()
    assert (plain["buyer_name"] != full[plain.index]).all()


def test_manychat_names_are_whatsapp_profiles(tables):
    frame = tables["manychat"]
    full = frame["true_first_name"] + " " + frame["true_last_name"]
    clean = only(frame, None)
    assert (clean["name"] == full[clean.index]).all()
    first_only = only(frame, "whatsapp_first_name_only")
    assert len(first_only) and (first_only["name"] == first_only["true_first_name"]).all()
    nickname = only(frame, "whatsapp_nickname")
    assert len(nickname)
    assert all(
        name in nickname_of(first)
        for name, first in zip(nickname["name"], nickname["true_first_name"], strict=True)
    )
    title = only(frame, "whatsapp_title")
    assert len(title) and title["name"].str.match(r"^Dra?\. ").all()
    emoji = only(frame, "whatsapp_emoji")
    assert len(emoji)
    assert all(
        name.rsplit(" ", 1)[1] in EMOJIS and name.rsplit(" ", 1)[0] == expected
        for name, expected in zip(emoji["name"], full[emoji.index], strict=True)
    )
    # ManyChat splits the profile name at its first space.
    split = frame["name"].str.split(" ", n=1)
    assert (frame["first_name"] == split.str[0]).all()
    assert (frame["last_name"].fillna("") == split.str[1].fillna("")).all()


def test_company_specialty_variants_are_in_the_data(world):
    records = truth(world)
    companies = pd.read_parquet(sandbox_path(world, "hubspot_companies.parquet")).set_index("id")
    canonical = pd.read_parquet(world / "truth" / "companies.parquet").set_index("company_id")
    company_truth = records[records["entity"] == "companies"].set_index("record_id")["company_id"]
    variants = with_defect(world, "hubspot", "companies", "specialty_variant")
    assert variants
    assert all(
        companies.at[i, "especialidade_medica"] != canonical.at[company_truth[i], "specialty"]
        for i in variants
    )


def test_manychat_csv_rows_carry_their_subscribers_defects_and_identities(tables):
    records = tables["records"]
    subscribers = records[records["entity"] == "subscribers"].reset_index(drop=True)
    rows = records[records["entity"] == "subscribers_csv"].reset_index(drop=True)
    assert len(rows) == len(subscribers)
    # The exports split the subscribers in order.
    assert (rows["person_id"] == subscribers["person_id"]).all()
    assert all(
        csv_defects >= defects
        for csv_defects, defects in zip(rows["defect_set"], subscribers["defect_set"], strict=True)
    )
    assert rows["defect_set"].apply(lambda names: "missing_email" in names).any()
    for name in IDENTITY_COLUMNS:
        assert rows[name].equals(subscribers[name]), name


def test_names_have_brazilian_frequencies(tables):
    persons = tables["persons"]
    family_names = persons["last_name"].str.split(" ").str[-1]
    shares = family_names.value_counts(normalize=True)
    assert 0.04 <= shares["Silva"] <= 0.1
    assert {"Silva", "Santos", "Oliveira", "Souza"} <= set(shares.index[:6])
    assert persons["first_name"].isin(["Maria Eduarda", "João Pedro", "Ana Clara"]).any()
    assert persons["last_name"].str.contains(r"\b(?:da|de|dos|das) ").mean() > 0.05
    assert persons["last_name"].str.contains(" ").mean() > 0.4
    full_names = (persons["first_name"] + " " + persons["last_name"]).value_counts()
    assert full_names[full_names > 1].sum() > 0.05 * len(persons)


def test_cities_are_real_and_phones_carry_their_states_area_code(tables):
    persons = tables["persons"]
    city_codes = dict(zip(places.CITY_NAMES, places.CITY_AREA_CODES, strict=True))
    city_states = dict(zip(places.CITY_NAMES, places.CITY_STATES, strict=True))
    assert (persons["state"] == persons["city"].map(city_states)).all()
    assert (persons["area_code"] == persons["city"].map(city_codes)).all()
    home = [
        code in places.AREA_CODES_BY_STATE[state]
        for code, state in zip(persons["phone_area_code"], persons["state"], strict=True)
    ]
    assert 0.9 < sum(home) / len(home) < 0.995  # a few moved from another state
    assert persons["phone_e164"].str[3:5].astype(int).equals(persons["phone_area_code"])
    assert persons["city"].value_counts().index[0] == "São Paulo"
    for state, codes in places.AREA_CODES_BY_STATE.items():
        assert all(
            city_codes[city] in codes for city in places.CITY_NAMES[state == places.CITY_STATES]
        )
    assert places.AREA_CODES_BY_STATE["SP"] == tuple(range(11, 20))
    assert places.AREA_CODES_BY_STATE["RJ"] == (21, 22, 24)
    assert places.AREA_CODES_BY_STATE["MG"] == (31, 32, 33, 34, 35, 37, 38)


def test_purchases_follow_a_small_business_distribution(world):
    sales = pd.read_parquet(sandbox_path(world, "hotmart_sales.parquet"))
    per_buyer = sales.groupby("buyer_ucode").size()
    assert per_buyer.median() <= 2 and (per_buyer <= 3).mean() > 0.85
    assert 8 <= per_buyer.max() <= 30
    courses = sales[~sales["is_subscription"]]
    repeated = courses.duplicated(["buyer_ucode", "product_id"]).mean()
    assert 0 < repeated < 0.05
    subscriptions = sales[sales["is_subscription"]].sort_values("order_date")
    assert len(subscriptions) and courses["recurrency_number"].isna().all()
    for _, charges in subscriptions.groupby(["buyer_ucode", "product_id"]):
        assert list(charges["recurrency_number"]) == list(range(1, len(charges) + 1))
        gaps = charges["order_date"].diff().dropna() / 86_400_000
        assert gaps.between(29, 31.1).all()
    refunded = sales[sales["status"].isin(["REFUNDED", "CHARGEBACK", "PARTIALLY_REFUNDED"])]
    assert len(refunded) and refunded["approved_date"].notna().all()
    paid = sales[sales["approved_date"].notna()]
    assert (paid["warranty_expire_date"] > paid["approved_date"]).all()
    limit = pd.Timestamp(AS_OF).value // 1_000_000
    assert (sales.loc[sales["status"] == "APPROVED", "warranty_expire_date"] > limit).all()
    assert (sales.loc[sales["status"] == "COMPLETE", "warranty_expire_date"] <= limit).all()


def test_some_true_pairs_share_no_email_or_phone(tables):
    records = tables["records"]
    people = records[records["entity"].isin(["contacts", "subscribers"]) & records["in_source"]]
    points = people.melt(
        id_vars=["person_id", "record_id"],
        value_vars=["email_identity", "phone_identity", "second_phone_identity"],
    ).dropna()
    by_record = points.groupby("record_id")["value"].apply(set)
    pairs = shared = 0
    for _, group in people.groupby("person_id"):
        ids = list(group["record_id"])
        for left in range(len(ids)):
            for right in range(left + 1, len(ids)):
                pairs += 1
                a, b = by_record.get(ids[left], set()), by_record.get(ids[right], set())
                shared += bool(a & b)
    assert pairs > 500
    assert 0.005 < 1 - shared / pairs < 0.15


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


def test_every_rate_is_a_cli_option_that_reaches_the_world(tmp_path, capsys):
    from generate_fake_data import main

    with pytest.raises(SystemExit):
        main(["--help"])
    help_text = capsys.readouterr().out
    missing = [
        name for name in DefectRates.names() if f"--{name.replace('_', '-')}-rate" not in help_text
    ]
    assert not missing
    out = tmp_path / "caps"
    code = main(
        [
            *("--seed", "5", "--contacts", "200", "--out", str(out)),
            *("--name-all-caps-rate", "1", "--whatsapp-first-name-only-rate", "0"),
            *("--whatsapp-nickname-rate", "0", "--whatsapp-title-rate", "0"),
            *("--whatsapp-emoji-rate", "0", "--family-shared-rate", "0"),
        ]
    )
    assert code == 0
    sales = pd.read_parquet(sandbox_path(out, "hotmart_sales.parquet"))
    assert (sales["buyer_name"] == sales["buyer_name"].str.upper()).all()
    subscribers = pd.read_parquet(sandbox_path(out, "manychat_subscribers.parquet"))
    assert subscribers["name"].str.contains(" ").mean() > 0.9
    records = truth(out)
    assert records["email_kind"].ne("family").all() and records["phone_kind"].ne("family").all()


def test_source_habits_are_rates_of_the_cli(tmp_path):
    """Which contact point each source's records carry is a `--<source>-...-use-rate`."""
    from generate_fake_data import main

    out = tmp_path / "habits"
    code = main(
        [
            *("--seed", "5", "--contacts", "400", "--out", str(out)),
            *("--work-email-rate", "0.5", "--hubspot-work-email-use-rate", "1"),
            *("--hotmart-work-email-use-rate", "0", "--manychat-work-email-use-rate", "0"),
            *("--hubspot-family-phone-use-rate", "0", "--manychat-family-phone-use-rate", "1"),
            *("--family-shared-rate", "0.2"),
        ]
    )
    assert code == 0
    records = truth(out)
    work = records[records["email_kind"].eq("work")]
    assert len(work) > 50
    assert set(work["source"]) == {"hubspot"}
    family_phone_sources = set(records.loc[records["phone_kind"].eq("family"), "source"])
    assert "manychat" in family_phone_sources and "hubspot" not in family_phone_sources
