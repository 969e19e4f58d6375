"""The remarketing batch, proven over 90 days of a generated world.

The world is generated, extracted from the emulators over HTTP (ManyChat profiles included,
for their opt-ins and interactions) and built once. Then the run date advances day by day
and only the remarketing models run, with dbt's var `run_date`: the models filter purchases
and interactions as of the run date (macros/remarketing.sql), so each day sees the world as it
was then. Each day's batch is checked against the warehouse by queries of this file (not the
models' own logic): the cap, both 30-day windows, consent and reachability, our own history
(kept here, following merges), and a repeated day giving the same batch. Half way, two golden
contacts merge (simulated as the identity models would leave it: a redirect, the lineage,
orders and dim_contacts moved) and the absorbed contact's history must follow it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import duckdb
import pytest

from crm_elt.dbt_runner import _dbt_environment, build, run_dbt
from crm_elt.sandbox import start_sandbox
from crm_elt.sources import hotmart, hubspot, manychat, marketing_spend
from crm_elt.warehouse import new_load_id
from tests.conftest import AS_OF, generate_dataset, sandbox_settings

# Generation, extraction, one build and 90 daily runs: 6 min measured on a shared 2-core
# machine (load about 3), past the default 10-min timeout when the load reaches 15.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]

DAYS = 90
CAP = 50
WINDOW = 30
FIRST_DAY = AS_OF - timedelta(days=DAYS)
MERGE_AFTER_DAY = 45
REPEATED_DAYS = {1, 31, 60, DAYS}
# What depends on the run date, and what reads the marts a merge below edits in place.
REMARKETING_MODELS = (
    "int_audience_signals int_contacts_reachable int_audience_members "
    "int_remarketing_eligibility remarketing_ledger remarketing_batch"
)


class DailyRunner:
    """`dbt run` of the remarketing models for one run date, in this process.

    The project is parsed once and its manifest reused: a new `--vars` would otherwise make
    dbt parse the whole project again on every day (about 20 s here).
    """

    def __init__(self, settings):
        from dbt.cli.main import dbtRunner

        self.settings = settings
        project_dir = str(settings.dbt_project_dir)
        self.common = [
            "--quiet",
            "--project-dir",
            project_dir,
            "--profiles-dir",
            project_dir,
            "--target",
            settings.dbt_target,
        ]
        with _dbt_environment(settings):
            parsed = dbtRunner().invoke(["parse", *self.common])
        assert parsed.success, parsed.exception
        self.runner = dbtRunner(manifest=parsed.result)

    def run(self, day: date) -> None:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager

        args = ["run", "--select", REMARKETING_MODELS, "--vars", f'{{"run_date": "{day}"}}']
        try:
            with _dbt_environment(self.settings):
                outcome = self.runner.invoke([*args, *self.common])
        finally:
            # dbt-duckdb keeps the file open after invoke(); the checks below open it too.
            if DuckDBConnectionManager._ENV is not None:
                DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager.close_all_connections()
        assert outcome.success, f"{day}: {outcome.exception or outcome.result}"


def business_date(column: str) -> str:
    return f"cast(timezone('America/Sao_Paulo', timezone('UTC', {column})) as date)"


BATCH = """
    select run_date, priority_rank, golden_contact_id, whatsapp_phone, email
    from marts.remarketing_batch order by priority_rank
"""

# The golden contacts who, as of a day, paid or interacted on ManyChat within the window
# ending that day; computed from the marts and staging, not from the remarketing models.
RECENTLY_ACTIVE = f"""
    select golden_contact_id from marts.fct_orders
    where status_class = 'paid' and paid_at is not null
        and {business_date("paid_at")} between $day::date - {WINDOW - 1} and $day::date
    union
    select lineage.golden_contact_id
    from (
        select subscriber_id, last_interaction_at from staging.stg_manychat__subscribers
        where is_current_version
        union all
        select subscriber_id, last_interaction_at from staging.stg_manychat__subscriber_profiles
    ) as interactions
    inner join marts.contact_lineage as lineage
        on lineage.source = 'manychat' and interactions.subscriber_id = lineage.source_record_id
    where {business_date("interactions.last_interaction_at")}
        between $day::date - {WINDOW - 1} and $day::date
"""

CONTACTS = """
    select golden_contact_id, whatsapp_phone, email, has_whatsapp_consent, has_email_consent
    from marts.dim_contacts
"""

# Batch members with a paid purchase dated after the day: they prove the as-of filtering
# (a model reading every purchase would have kept them out).
BUYING_LATER = f"""
    select count(distinct golden_contact_id) from marts.fct_orders
    where status_class = 'paid' and paid_at is not null
        and {business_date("paid_at")} between $day::date + 1 and $day::date + {WINDOW - 1}
        and golden_contact_id in (select golden_contact_id from marts.remarketing_batch)
"""


@dataclass(frozen=True)
class Merge:
    absorbed: str
    survivor: str
    absorbed_sent_on: date


@dataclass
class Simulation:
    sent: dict[date, list[str]] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    batch_sizes: list[int] = field(default_factory=list)
    bought_later: int = 0
    merged: Merge | None = None
    merge_held_back: list[date] = field(default_factory=list)
    seconds_per_day: list[float] = field(default_factory=list)

    def current(self, golden_contact_id: str) -> str:
        while golden_contact_id in self.redirects:
            golden_contact_id = self.redirects[golden_contact_id]
        return golden_contact_id

    def sent_within_window_before(self, day: date) -> set[str]:
        return {
            self.current(golden_contact_id)
            for sent_day, members in self.sent.items()
            if 0 < (day - sent_day).days < WINDOW
            for golden_contact_id in members
        }


def check_batch(con, sim: Simulation, day: date, batch: list[tuple]) -> None:
    def violation(text: str) -> None:
        sim.violations.append(f"{day}: {text}")

    if len(batch) > CAP:
        violation(f"{len(batch)} contacts, over the cap of {CAP}")
    ids = [row[2] for row in batch]
    if len(set(ids)) != len(ids):
        violation("a contact twice in the batch")
    if [row[1] for row in batch] != list(range(1, len(batch) + 1)):
        violation(f"ranks are not 1..{len(batch)}")
    if any(row[0] != day for row in batch):
        violation("a row of another run date")
    active = {row[0] for row in con.execute(RECENTLY_ACTIVE, {"day": day}).fetchall()}
    contacts = {row[0]: row for row in con.execute(CONTACTS).fetchall()}
    recently_sent = sim.sent_within_window_before(day)
    for _, _, golden_contact_id, whatsapp_phone, email in batch:
        if golden_contact_id in active:
            violation(f"{golden_contact_id} paid or interacted within {WINDOW} days")
        if golden_contact_id in recently_sent:
            violation(f"{golden_contact_id} was sent a batch within {WINDOW} days")
        contact = contacts.get(golden_contact_id)
        if contact is None:
            violation(f"{golden_contact_id} is not in dim_contacts")
            continue
        _, dim_whatsapp, dim_email, whatsapp_consent, email_consent = contact
        if whatsapp_phone is None and email is None:
            violation(f"{golden_contact_id} has no channel")
        if whatsapp_phone is not None and (
            whatsapp_phone != dim_whatsapp or whatsapp_consent is False
        ):
            violation(f"{golden_contact_id} WhatsApp {whatsapp_phone} not theirs or opted out")
        if email is not None and (email != dim_email or email_consent is False):
            violation(f"{golden_contact_id} email {email} not theirs or opted out")
    sim.bought_later += con.execute(BUYING_LATER, {"day": day}).fetchall()[0][0]


def check_ledger_holds_the_batch(con, sim: Simulation, day: date, batch: list[tuple]) -> None:
    entries = con.execute(
        "select golden_contact_id, priority_rank from marts.remarketing_ledger "
        "where run_date = ? order by priority_rank",
        [day],
    ).fetchall()
    if entries != [(row[2], row[1]) for row in batch]:
        sim.violations.append(f"{day}: the ledger's entries differ from the batch")


def merge_two_golden_contacts(con, sim: Simulation, day: date) -> None:
    """As the identity models leave a merge: `absorbed` redirects to `survivor`.

    `absorbed` is the first contact of the latest batch sent; `survivor` is the eligible
    contact of highest priority not sent within the window, so the next days would pick it,
    were the history not to follow.
    """
    absorbed_on = max(sent_day for sent_day, members in sim.sent.items() if members)
    absorbed = sim.sent[absorbed_on][0]
    survivor = con.execute(
        "select golden_contact_id from intermediate.int_remarketing_eligibility "
        "where is_eligible and golden_contact_id != ? "
        "and golden_contact_id not in (select unnest(?::varchar[])) "
        "order by net_ltv_brl desc, golden_contact_id limit 1",
        [absorbed, sorted(sim.sent_within_window_before(day + timedelta(days=1)))],
    ).fetchall()[0][0]
    con.execute(
        "insert into marts.golden_contact_redirects values (?, ?, now()::timestamp)",
        [absorbed, survivor],
    )
    for table in ("contact_lineage", "fct_orders"):
        con.execute(
            f"update marts.{table} set golden_contact_id = ? where golden_contact_id = ?",
            [survivor, absorbed],
        )
    con.execute("delete from marts.dim_contacts where golden_contact_id = ?", [absorbed])
    sim.redirects[absorbed] = survivor
    sim.merged = Merge(absorbed, survivor, absorbed_on)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    # Big enough that more people are eligible on the merge day than the cap takes.
    data_dir = generate_dataset(tmp_path_factory.mktemp("remarketing") / "data", 800, seed=11)
    with start_sandbox(data_dir) as sandbox:
        settings = sandbox_settings(data_dir, sandbox.url, MANYCHAT_ENRICH="all")
        for source in (hubspot, hotmart, manychat, marketing_spend):
            source.extract(settings, load_id=new_load_id())
    build(settings)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        # The build sent today's batch (the default run date); the simulation starts empty.
        con.execute("delete from marts.remarketing_ledger")

    runner = DailyRunner(settings)
    sim = Simulation()
    for offset in range(DAYS):
        day = FIRST_DAY + timedelta(days=offset)
        started = time.monotonic()
        runner.run(day)
        sim.seconds_per_day.append(time.monotonic() - started)
        with duckdb.connect(str(settings.warehouse_path)) as con:
            batch = con.execute(BATCH).fetchall()
            check_batch(con, sim, day, batch)
            check_ledger_holds_the_batch(con, sim, day, batch)
            sim.sent[day] = [row[2] for row in batch]
            sim.batch_sizes.append(len(batch))
            # The survivor inherits the absorbed contact's batch: out until its window ends.
            if sim.merged and (day - sim.merged.absorbed_sent_on).days < WINDOW:
                sim.merge_held_back.append(day)
                if sim.merged.survivor in sim.sent[day]:
                    sim.violations.append(
                        f"{day}: {sim.merged.survivor} sent within the window of "
                        f"{sim.merged.absorbed}'s batch of {sim.merged.absorbed_sent_on}"
                    )
        if offset + 1 in REPEATED_DAYS:
            runner.run(day)
            with duckdb.connect(str(settings.warehouse_path)) as con:
                again = con.execute(BATCH).fetchall()
                entries = con.execute(
                    "select count(*) from marts.remarketing_ledger where run_date = ?", [day]
                ).fetchall()[0][0]
            if again != batch:
                sim.violations.append(f"{day}: a repeated run gave another batch")
            if entries != len(batch):
                sim.violations.append(
                    f"{day}: a repeated run wrote {entries - len(batch)} more entries"
                )
        if offset + 1 == MERGE_AFTER_DAY:
            with duckdb.connect(str(settings.warehouse_path)) as con:
                merge_two_golden_contacts(con, sim, day)
    return settings, sim


def test_remarketing_over_90_days_has_no_violation(simulated):
    _, sim = simulated
    days = len(sim.seconds_per_day)
    print(
        f"\n{days} days, {sum(sim.seconds_per_day):.0f} s of dbt runs "
        f"({sum(sim.seconds_per_day) / days:.1f} s a day), {sum(sim.batch_sizes)} sent, "
        f"batch sizes by day {sim.batch_sizes}, merge {sim.merged}, held back "
        f"{len(sim.merge_held_back)} days, {sim.bought_later} selected before a later purchase"
    )
    assert sim.violations == []
    assert days == DAYS
    # The cap and the windows both bind in this world: full days, and days the window empties.
    assert max(sim.batch_sizes) == CAP
    assert min(sim.batch_sizes) < CAP
    # Purchases dated after a run date did not count on it.
    assert sim.bought_later > 0


def test_a_merged_contacts_history_follows_it(simulated):
    settings, sim = simulated
    merge = sim.merged
    assert sim.merge_held_back, "the merge came after the absorbed contact's window"
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        moved = con.execute(
            "select run_date, golden_contact_id from marts.remarketing_ledger "
            "where sent_golden_contact_id = ?",
            [merge.absorbed],
        ).fetchall()
        stale = con.execute(
            "select count(*) from marts.remarketing_ledger where golden_contact_id = ?",
            [merge.absorbed],
        ).fetchall()
    assert (merge.absorbed_sent_on, merge.survivor) in moved
    assert {golden_contact_id for _, golden_contact_id in moved} == {merge.survivor}
    assert stale == [(0,)]


def test_a_full_refresh_keeps_the_ledger(simulated):
    settings, sim = simulated
    query = "select * exclude (recorded_at) from marts.remarketing_ledger order by ledger_entry_id"
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        before = con.execute(query).fetchall()
    last_day = FIRST_DAY + timedelta(days=DAYS - 1)
    run_dbt(
        settings,
        [
            "build",
            "--full-refresh",
            "--select",
            "remarketing_ledger remarketing_batch",
            "--vars",
            f'{{"run_date": "{last_day}"}}',
        ],
    )
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        after = con.execute(query).fetchall()
    assert len(before) == sum(sim.batch_sizes)
    assert after == before


def brazilian_money(amount: Decimal) -> str:
    return "R$ " + f"{amount:,.2f}".translate(str.maketrans(",.", ".,"))


def test_why_selected_says_the_net_ltv_as_brazilians_write_it(simulated):
    settings, _ = simulated
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        entries = con.execute(
            "select net_ltv_brl, why_selected from marts.remarketing_ledger"
        ).fetchall()
    assert entries and any(amount >= 1000 for amount, _ in entries)
    for amount, why in entries:
        assert why.startswith(f"net LTV {brazilian_money(amount)}; "), (amount, why)
