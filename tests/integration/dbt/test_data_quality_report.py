"""marts.data_quality_report on a generated world, extracted from the emulators over HTTP and
built by dbt: its counts match the defects the generator injected (truth/records.parquet),
and later runs append their own rows without touching the earlier ones."""

from __future__ import annotations

import re

import duckdb
import pytest

from crm_elt.dbt_runner import build, run_dbt
from crm_elt.normalize.emails import DOMAIN_TYPOS
from crm_elt.quality import quality_summary
from crm_elt.sandbox import start_sandbox
from crm_elt.settings import Settings
from crm_elt.sources import hotmart, hubspot, manychat, marketing_spend
from crm_elt.warehouse import ensure_elt_schema, new_load_id
from tests.conftest import generate_dataset, make_settings, sandbox_settings

pytestmark = pytest.mark.slow

REPORT_COLUMNS = "run_id, check_name, source, field, detail, item_count"
# A late spend file: a channel no contact came through, another currency, and a row the
# loader refuses (negative amount). The month is new, so no earlier row is superseded.
LATE_SPEND_CSV = (
    "month,channel,amount,currency\n"
    "2026-11,TIKTOK_ADS,100.00,BRL\n"
    "2026-11,PAID_SOCIAL,50.00,USD\n"
    "2026-11,PAID_SEARCH,-5.00,BRL\n"
)


def report_rows(settings: Settings) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(
            f"select {REPORT_COLUMNS} from marts.data_quality_report order by all"
        ).fetchall()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    data_dir = generate_dataset(tmp_path_factory.mktemp("quality") / "data", 1000, seed=7)
    with start_sandbox(data_dir) as sandbox:
        settings = sandbox_settings(data_dir, sandbox.url, MANYCHAT_ENRICH="off")
        for source in (hubspot, hotmart, manychat, marketing_spend):
            source.extract(settings, load_id=new_load_id())
    build(settings)
    first = report_rows(settings)
    (settings.marketing_spend_input_dir / "late_spend.csv").write_text(LATE_SPEND_CSV)
    marketing_spend.extract(settings, load_id=new_load_id())
    # The report and what it reads: staging and the checks are tables, built from raw.
    run_dbt(settings, ["build", "--select", "+data_quality_report"])
    second = report_rows(settings)
    run_dbt(settings, ["run", "--select", "data_quality_report", "--full-refresh"])
    third = report_rows(settings)
    return settings, data_dir, first, second, third


@pytest.fixture(scope="module")
def first_run(world):
    """{(check, source, field, detail): count} of the first run."""
    _, _, first, _, _ = world
    return {tuple(row[1:5]): row[5] for row in first}


def total(report: dict, check: str, source: str | None = None, field: str | None = None) -> int:
    return sum(
        count
        for (name, row_source, row_field, _), count in report.items()
        if name == check
        and (source is None or row_source == source)
        and (field is None or row_field == field)
    )


@pytest.fixture(scope="module")
def staged_truth(world):
    """The injected defects of every record the warehouse holds a current version of, with
    the raw email it arrived with: (source, defects, email_raw) per record."""
    settings, data_dir, *_ = world
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        con.execute(f"create temp view truth as select * from '{data_dir}/truth/records.parquet'")
        return con.execute(
            """
            select 'hubspot', truth.defects, staged.email_raw
            from staging.stg_hubspot__contacts as staged
            inner join truth
                on truth.source = 'hubspot' and truth.entity = 'contacts'
                and truth.record_id = staged.contact_id
            where staged.is_current_version
            union all
            select 'hotmart', truth.defects, staged.email_raw
            from staging.stg_hotmart__sales_users as staged
            inner join truth
                on truth.source = 'hotmart' and truth.entity = 'sales'
                and truth.record_id = staged.transaction_id
            where staged.is_current_version and staged.user_role = 'BUYER'
            union all
            select 'manychat', truth.defects, staged.email_raw
            from staging.stg_manychat__subscribers as staged
            inner join truth
                on truth.source = 'manychat' and truth.entity = 'subscribers_csv'
                and truth.record_id = staged.source_file || ':' || staged.source_line
            where staged.is_current_version
            """
        ).fetchall()


def injected(staged_truth, source: str, defect: str) -> int:
    return sum(
        1
        for row_source, defects, _ in staged_truth
        if row_source == source and defect in defects.split(";")
    )


def is_repairable_domain(raw_email: str | None) -> bool:
    """Whether normalization knows the misspelt domain (crm_elt.normalize.emails): a
    typo of a clinic's own domain ('.br' dropped) cannot be told from a real domain."""
    if not raw_email or "@" not in raw_email:
        return False
    domain = raw_email.strip().lower().rstrip(".").rpartition("@")[2]
    return domain in DOMAIN_TYPOS or domain.endswith(".con")


def test_every_staged_record_has_its_truth(world, staged_truth):
    settings, *_ = world
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        staged = con.execute(
            "select (select count(*) from staging.stg_hubspot__contacts where is_current_version)"
            " + (select count(*) from staging.stg_hotmart__sales_users"
            "    where is_current_version and user_role = 'BUYER')"
            " + (select count(*) from staging.stg_manychat__subscribers where is_current_version)"
        ).fetchall()[0][0]
    assert len(staged_truth) == staged > 1500


@pytest.mark.parametrize(
    ("source", "field", "ninth_digit_defect", "no_area_code_defect"),
    [
        ("hubspot", "mobilephone", "phone_missing_ninth_digit", "phone_no_area_code"),
        ("hotmart", "cellphone", "phone_missing_ninth_digit", "phone_no_area_code"),
        ("manychat", "phone", "phone_missing_ninth_digit", "phone_no_area_code"),
        ("manychat", "whatsapp_phone", "whatsapp_missing_ninth_digit", None),
    ],
)
def test_phone_counts_match_the_injected_defects(
    first_run, staged_truth, source, field, ninth_digit_defect, no_area_code_defect
):
    ninth_digit = injected(staged_truth, source, ninth_digit_defect)
    assert ninth_digit > 0
    assert total(first_run, "phones_ninth_digit_added", source, field) == ninth_digit
    if no_area_code_defect is not None:
        without_area_code = injected(staged_truth, source, no_area_code_defect)
        assert without_area_code > 0
        # Completed from the record's state, or left unnormalized: each one counted once.
        assert (
            total(first_run, "phones_area_code_completed", source, field)
            + first_run.get(("phones_unnormalized", source, field, "no_area_code"), 0)
            == without_area_code
        )
    # The generator writes no other phone defect: nothing else is unnormalized.
    assert total(first_run, "phones_unnormalized", source, field) == first_run.get(
        ("phones_unnormalized", source, field, "no_area_code"), 0
    )


@pytest.mark.parametrize("source", ["hubspot", "hotmart", "manychat"])
def test_email_counts_match_the_injected_defects(first_run, staged_truth, source):
    typos = [
        raw
        for row_source, defects, raw in staged_truth
        if row_source == source and "email_domain_typo" in defects.split(";")
    ]
    visible = sum(1 for raw in typos if is_repairable_domain(raw))
    # Some injected typos (uol.com for uol.com.br, a clinic's own domain) are real-looking
    # domains that normalization does not repair: they are not counted as repaired.
    assert visible > 0
    assert total(first_run, "emails_domain_repaired", source, "email") == visible
    assert total(first_run, "emails_invalid", source, "email") == injected(
        staged_truth, source, "invalid_email"
    )
    assert total(first_run, "emails_role_address", source, "email") == injected(
        staged_truth, source, "shared_email"
    )


def test_record_counts_match_the_world(world, first_run):
    _, data_dir, *_ = world
    with duckdb.connect() as con:
        con.execute(f"create view truth as select * from '{data_dir}/truth/records.parquet'")

        def truth_count(where: str) -> int:
            return con.execute(f"select count(*) from truth where {where}").fetchall()[0][0]

        def has(defect: str) -> str:
            return f"list_contains(string_split(defects, ';'), '{defect}')"

        refunded_statuses = con.execute(
            f"select status, count(*) from '{data_dir}/sandbox/hotmart_sales.parquet' "
            "where status in ('REFUNDED', 'PARTIALLY_REFUNDED', 'CHARGEBACK', 'DISPUTE') "
            "group by status"
        ).fetchall()
        archived_contacts = truth_count(f"entity = 'contacts' and in_source and {has('archived')}")
        archived_deals = truth_count(f"entity = 'deals' and {has('archived')}")
        merged_away = truth_count(f"entity = 'contacts' and {has('merged_away')}")
        deals_without_company = truth_count(
            f"entity = 'deals' and {has('deal_without_company')} and not {has('archived')}"
        )
        scientific_ids = truth_count(
            f"entity = 'subscribers_csv' and {has('scientific_notation_id')}"
        )
        specialty_variants = truth_count(f"entity = 'companies' and {has('specialty_variant')}")
        hubspot_contacts, hubspot_persons = con.execute(
            "select count(*), count(distinct person_id) from truth "
            "where source = 'hubspot' and entity = 'contacts' and in_source"
        ).fetchall()[0]

    assert archived_contacts > 0 and archived_deals > 0 and merged_away > 0
    assert total(first_run, "hubspot_records_archived", "hubspot", "contacts") == archived_contacts
    assert total(first_run, "hubspot_records_archived", "hubspot", "deals") == archived_deals
    assert total(first_run, "hubspot_records_merged", "hubspot", "contacts") == merged_away
    assert deals_without_company > 0
    assert total(first_run, "deals_without_company") == deals_without_company
    assert scientific_ids > 0
    assert (
        first_run[
            (
                "file_rows_quarantined",
                "manychat",
                "subscribers",
                "subscriber id <value> is in scientific notation",
            )
        ]
        == scientific_ids
    )
    mapped_otherwise = total(first_run, "specialties_mapped") - first_run.get(
        ("specialties_mapped", "hubspot", "companies", "exact"), 0
    )
    assert specialty_variants > 0 and mapped_otherwise == specialty_variants
    assert {
        detail: count
        for (check, _, _, detail), count in first_run.items()
        if check == "hotmart_refunds"
    } == dict(refunded_statuses)
    # Duplicates merged within HubSpot: records beyond the first of each true person, within
    # identity resolution's error (measured against the truth in test_identity_quality.py).
    true_duplicates = hubspot_contacts - hubspot_persons
    merged = first_run[("duplicates_merged_within_source", "hubspot", None, None)]
    assert true_duplicates > 0
    assert abs(merged - true_duplicates) <= max(2, 0.1 * true_duplicates)
    assert first_run[("source_identities", "hubspot", None, None)] == hubspot_contacts


def test_every_check_is_reported_even_when_it_found_nothing(world, first_run):
    settings, *_ = world
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        checks = {
            name
            for (name,) in con.execute(
                "select check_name from seeds.data_quality_checks"
            ).fetchall()
        }
    assert {check for check, *_ in first_run} == checks
    assert first_run[("spend_rows_other_currency", None, None, None)] == 0
    assert first_run[("spend_rows_unmatched_channel", None, None, None)] == 0


def test_a_later_run_appends_its_own_rows_and_keeps_the_earlier_ones(world):
    _, _, first, second, third = world
    first_runs = {row[0] for row in first}
    assert len(first_runs) == 1
    assert set(first) <= set(second) and set(second) <= set(third)
    assert len({row[0] for row in second}) == 2
    # --full-refresh does not rebuild it: a third run is appended, the history kept.
    assert len({row[0] for row in third}) == 3
    assert len(third) == len(first) + (len(second) - len(first)) * 2


def test_a_later_run_counts_the_bad_spend_it_received(world):
    _, _, first, second, _ = world
    (first_run_id,) = {row[0] for row in first}
    latest = {tuple(row[1:5]): row[5] for row in second if row[0] != first_run_id}
    assert latest[("spend_rows_other_currency", "marketing", None, "USD")] == 1
    assert latest[("spend_rows_unmatched_channel", "marketing", None, "TIKTOK_ADS")] == 1
    assert latest[("file_rows_quarantined", "marketing", "spend", "negative amount -N.N")] == 1


def test_the_summary_has_one_line_per_check_of_the_latest_run(world, first_run):
    settings, *_ = world
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        lines = quality_summary(con)
    assert len(lines) == len({check for check, *_ in first_run})
    currency = next(line for line in lines if line.startswith("spend_rows_other_currency:"))
    # The latest run (the third) counted what the second did: no change to show.
    assert currency == "spend_rows_other_currency: 1 spend rows (marketing USD 1)"
    assert re.match(
        r"^golden_contacts: [\d,]+ golden contacts \(",
        next(line for line in lines if line.startswith("golden_contacts:")),
    )


def test_the_elt_tables_dbt_creates_match_the_warehouse_ddl(tmp_path):
    settings = make_settings(tmp_path / "data")
    run_dbt(settings, ["run-operation", "ensure_elt_tables"])
    columns_sql = (
        "select table_name, column_name, data_type, is_nullable from information_schema.columns "
        "where table_schema = '_elt' and table_name in ('load_log', 'quarantine') order by all"
    )
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        made_by_dbt = con.execute(columns_sql).fetchall()
    with duckdb.connect() as con:
        ensure_elt_schema(con)
        made_by_warehouse = con.execute(columns_sql).fetchall()
    assert made_by_dbt == made_by_warehouse
    assert len(made_by_dbt) > 15
