"""Build the world: people, doctors, and each source's records of them, with defects.

Everything is sampled from one numpy Generator seeded by `seed`, in a fixed order, so the
same seed and `as_of` give byte-identical files. `WorldBuilder` makes one source table at a
time, in that order, so each can be written and dropped before the next one is built: a
million contacts never need every table in memory at once. Strings are Arrow arrays built by
vectorized kernels (see `text`); Python touches only the few rows that get a defect.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crm_elt.fakedata import text
from crm_elt.fakedata.defects import (
    DefectLog,
    DefectRates,
    choose,
    format_phones,
    invalid_email,
    messy_email,
    strip_accents,
    typo,
)
from crm_elt.fakedata.pools import (
    AREA_CODES,
    EMAIL_DOMAINS,
    PRODUCTS,
    SPECIALTIES,
    STATES_BY_AREA,
    ascii_slug,
    build_pools,
)

DAY_MS = text.DAY_MS
HISTORY_MONTHS = 24
PAID_CHANNELS = ("PAID_SOCIAL", "PAID_SEARCH", "EMAIL_MARKETING", "OFFLINE")
FREE_CHANNELS = ("ORGANIC_SEARCH", "SOCIAL_MEDIA", "REFERRALS", "DIRECT_TRAFFIC")
CHANNELS = PAID_CHANNELS + FREE_CHANNELS
# Monthly spend (BRL) per paid channel and what one acquired contact costs there.
CHANNEL_SPEND_BRL = {
    "PAID_SOCIAL": 9000,
    "PAID_SEARCH": 7000,
    "EMAIL_MARKETING": 1500,
    "OFFLINE": 3000,
}
CHANNEL_COST_PER_CONTACT = {
    "PAID_SOCIAL": 45,
    "PAID_SEARCH": 60,
    "EMAIL_MARKETING": 20,
    "OFFLINE": 90,
}
FREE_CHANNEL_WEIGHT = {
    "ORGANIC_SEARCH": 0.5,
    "SOCIAL_MEDIA": 0.3,
    "REFERRALS": 0.25,
    "DIRECT_TRAFFIC": 0.2,
}
HOTMART_STATUSES = {
    "APPROVED": 0.44,
    "COMPLETE": 0.24,
    "REFUNDED": 0.06,
    "CHARGEBACK": 0.02,
    "CANCELLED": 0.05,
    "PARTIALLY_REFUNDED": 0.01,
    "WAITING_PAYMENT": 0.03,
    "EXPIRED": 0.04,
    "PRINTED_BILLET": 0.02,
    "UNDER_ANALISYS": 0.02,
    "BLOCKED": 0.01,
    "NO_FUNDS": 0.02,
    "OVERDUE": 0.01,
    "PROTESTED": 0.01,
    "PRE_ORDER": 0.005,
    "STARTED": 0.005,
    "PROCESSING_TRANSACTION": 0.01,
}
PAID_STATUSES = {"APPROVED", "COMPLETE", "REFUNDED", "CHARGEBACK", "PARTIALLY_REFUNDED"}
PAYMENT_TYPES = ["CREDIT_CARD", "PIX", "BILLET", "PAYPAL", "GOOGLE_PAY"]
LIFECYCLE_STAGES = ["subscriber", "lead", "marketingqualifiedlead", "opportunity", "customer"]
LEAD_STATUSES = ["NEW", "OPEN", "IN_PROGRESS", "CONNECTED", "UNQUALIFIED"]
MANYCHAT_TAGS = {
    "ilpi": ["ilpi", "cuidador", "lead_quente"],
    "estetica": ["estetica", "harmonizacao", "lead_frio"],
}
INTERESTS = ("ilpi", "estetica")
DEFAULT_DEAL_STAGES = (
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
    "closedwon",
    "closedlost",
)
CUSTOM_DEAL_STAGES = ("1001", "1002", "1003", "1004", "1005")
CLOSED_DEAL_STAGES = ("closedwon", "closedlost", "1004", "1005")
PRODUCER_UCODE = "PRODUCER-0001"
PRODUCER_NAME = "Instituto Cuidar & Estética"

TRUTH_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("entity", pa.string()),
        ("record_id", pa.string()),
        ("person_id", pa.int64()),
        ("company_id", pa.int64()),
        ("in_source", pa.bool_()),
        ("defects", pa.string()),
    ]
)


def month_starts(as_of: date) -> np.ndarray:
    """The history's months: the last one holds the day before `as_of`."""
    end = np.datetime64(as_of - timedelta(days=1), "M")
    return np.arange(end - (HISTORY_MONTHS - 1), end + 1)


_STATE_BY_CODE = pa.array([STATES_BY_AREA.get(code) for code in range(100)], type=pa.string())


def state_of(area_codes: np.ndarray) -> pa.Array:
    return text.take(_STATE_BY_CODE, area_codes)


def later(rng: np.random.Generator, start: np.ndarray, max_gap_ms: int, end_ms: int):
    """A moment after each `start`, at most `max_gap_ms` later and always before `end_ms`.

    Scaling the gap (instead of clamping at the end) keeps recent dates spread out rather than
    piled up on the last millisecond.
    """
    start = np.asarray(start, dtype="int64")
    room = np.clip(np.minimum(max_gap_ms, end_ms - 1 - start), 0, None)
    return start + (rng.random(len(start)) * room).astype("int64")


def constant(value, size: int, type_: pa.DataType | None = None) -> pa.Array:
    """A column repeating one value (null when value is None)."""
    if value is None:
        return pa.nulls(size, type_ or pa.null())
    return pa.array([value], type=type_).take(pa.array(np.zeros(size, dtype=np.int64)))


def pick(choices, index: np.ndarray) -> pa.Array:
    """`choices[index]` for a short list of strings."""
    return text.take(pa.array(list(choices), type=pa.string()), index)


def nullable_int(values: np.ndarray, valid: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64), mask=~np.asarray(valid, dtype=bool))


def money_strings(amount: np.ndarray) -> pa.Array:
    """Amounts already rounded to cents as Python's str(float) writes them: 412.5, 250.0.

    A float rounded to two decimals is the double nearest to its cents over 100, whose
    shortest repr is that decimal with trailing zeros dropped (at least one digit kept).
    """
    cents = np.rint(np.asarray(amount) * 100).astype(np.int64)
    if (cents < 0).any():
        raise ValueError("money_strings takes non-negative amounts")
    fractions = pa.array(
        [f".{value:02d}" if value % 10 else f".{value // 10}" for value in range(100)],
        type=pa.string(),
    )
    return text.concat(text.decimal(cents // 100), text.take(fractions, cents % 100))


def column(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).to_numpy()


def _is_ilpi(people: pa.Table) -> np.ndarray:
    return pc.equal(people.column("interest"), "ilpi").to_numpy()


def truth_table(source, entity, record_ids, person_ids, company_ids, log: DefectLog) -> pa.Table:
    size = len(record_ids)

    def ids(values) -> pa.Array:
        if values is None:
            return pa.nulls(size, pa.int64())
        if isinstance(values, pa.Array | pa.ChunkedArray):
            return values
        return pa.array(np.asarray(values, dtype=np.int64))

    return pa.Table.from_arrays(
        [
            constant(source, size, pa.string()),
            constant(entity, size, pa.string()),
            text.strings(record_ids),
            ids(person_ids),
            ids(company_ids),
            constant(True, size, pa.bool_()),
            log.joined(),
        ],
        schema=TRUTH_SCHEMA,
    )


@dataclass
class Companies:
    truth: pa.Table  # the real companies (truth/companies.parquet)
    records: pa.Table  # HubSpot's company records


@dataclass
class Contacts:
    records: pa.Table  # HubSpot's contact records (merged-away ones already gone)
    person_id: np.ndarray
    company_index: np.ndarray  # row in the companies' truth
    n_first_records: int  # the first rows are each HubSpot person's first record, in order


@dataclass
class Deals:
    records: pa.Table
    associations: pa.Table
    person_id: np.ndarray
    company_id: np.ndarray  # 0 for a deal without a company


@dataclass
class Hotmart:
    sales: pa.Table
    users: pa.Table


@dataclass
class ManyChat:
    subscribers: pa.Table
    person_id: np.ndarray


class WorldBuilder:
    """Builds the sources one table at a time, in the order of STEPS.

    The order is part of the output: every step draws from the same random generator, so a
    step called out of order raises rather than quietly giving other data.
    """

    STEPS = ("spend", "persons", "companies", "contacts", "deals", "hotmart", "manychat")

    def __init__(self, seed: int, contacts: int, as_of: date, rates: DefectRates):
        self.rng = np.random.default_rng(seed)
        self.pools = build_pools(seed)
        self.rates = rates
        self.contacts_wanted = contacts
        # History ends at midnight UTC starting `as_of`: nothing lies ahead of now.
        self.as_of = as_of
        self.as_of_ms = int(np.datetime64(as_of, "ms").astype("int64"))
        self.n_duplicates = round(contacts * rates.duplicate)
        self.n_hubspot_persons = contacts - self.n_duplicates
        self.n_hotmart_only = max(1, contacts // 5)
        self.n_manychat_only = max(1, contacts // 10)
        self.channel_weights: np.ndarray | None = None
        self.person_table: pa.Table | None = None
        self.steps_done = 0
        self.truth: list[pa.Table] = []

    def _start(self, step: str) -> None:
        expected = self.STEPS[self.steps_done] if self.steps_done < len(self.STEPS) else None
        if step != expected:
            raise RuntimeError(f"WorldBuilder.{step}() called when {expected}() was due")
        self.steps_done += 1

    def spend(self) -> pd.DataFrame:
        self._start("spend")
        months = month_starts(self.as_of)
        growth = np.linspace(0.7, 1.3, len(months))
        rows, weights = [], np.zeros((len(months), len(CHANNELS)))
        for channel_index, channel in enumerate(CHANNELS):
            if channel in CHANNEL_SPEND_BRL:
                amounts = (
                    CHANNEL_SPEND_BRL[channel] * growth * self.rng.lognormal(0, 0.25, len(months))
                )
                amounts = np.round(amounts, 2)
                weights[:, channel_index] = amounts / CHANNEL_COST_PER_CONTACT[channel]
                rows += [
                    (str(month), channel, float(amount), "BRL")
                    for month, amount in zip(months, amounts, strict=True)
                ]
            else:
                weights[:, channel_index] = 150 * FREE_CHANNEL_WEIGHT[channel] * growth
        self.channel_weights = weights / weights.sum()
        return pd.DataFrame(rows, columns=["month", "channel", "amount", "currency"])

    def persons(self) -> pa.Table:
        """Every real person: HubSpot's first, then Hotmart-only, then ManyChat-only ones."""
        self._start("persons")
        rng, pools = self.rng, self.pools
        size = self.n_hubspot_persons + self.n_hotmart_only + self.n_manychat_only
        weights = self.channel_weights
        months = month_starts(self.as_of)
        cell = rng.choice(weights.size, size=size, p=weights.ravel())
        month_index, channel_index = np.divmod(cell, len(CHANNELS))
        month_ms = months.astype("datetime64[ms]").astype("int64")[month_index]
        acquired_ms = later(rng, month_ms, 28 * DAY_MS, self.as_of_ms)
        first_index = rng.integers(0, len(pools.first_names), size)
        last_index = rng.integers(0, len(pools.last_names), size)
        first_slugs = pa.array([ascii_slug(name) for name in pools.first_names], pa.string())
        last_slugs = pa.array([ascii_slug(name) for name in pools.last_names], pa.string())
        person_ids = np.arange(1, size + 1)
        domain_index = rng.integers(0, len(EMAIL_DOMAINS), size)
        emails = text.concat(
            text.take(first_slugs, first_index),
            ".",
            text.take(last_slugs, last_index),
            ".",
            text.hexadecimal(person_ids),
            "@",
            pick(EMAIL_DOMAINS, domain_index),
        )
        area = AREA_CODES[rng.integers(0, len(AREA_CODES), size)]
        subscriber = rng.integers(0, 100_000_000, size)
        city_index = rng.integers(0, len(pools.cities), size)
        interest = np.where(rng.random(size) < 0.55, 0, 1)
        cpf = rng.integers(0, 10**11, size)
        self.person_table = pa.table(
            {
                "person_id": person_ids,
                "first_name": pick(pools.first_names, first_index),
                "last_name": pick(pools.last_names, last_index),
                "email": emails,
                "area_code": area.astype(np.int64),
                "phone_subscriber": subscriber,
                "phone_e164": text.concat(
                    "+55", text.decimal(area), "9", text.zero_padded(subscriber, 8)
                ),
                "city": pick(pools.cities, city_index),
                "state": state_of(area),
                "acquisition_channel": pick(CHANNELS, channel_index),
                "acquired_at_ms": acquired_ms,
                "interest": pick(INTERESTS, interest),
                "cpf": text.zero_padded(cpf, 11),
                "in_hubspot": np.arange(size) < self.n_hubspot_persons,
            }
        )
        return self.person_table

    def companies(self) -> Companies:
        self._start("companies")
        rng, pools, rates = self.rng, self.pools, self.rates
        size = max(5, self.contacts_wanted // 20)
        specialties = list(SPECIALTIES)
        specialty = rng.integers(0, len(specialties), size)
        first_index = rng.integers(0, len(pools.first_names), size)
        last_index = rng.integers(0, len(pools.last_names), size)
        first = pick(pools.first_names, first_index)
        last = pick(pools.last_names, last_index)
        company_ids = np.arange(1, size + 1)
        names = text.concat("Clínica Dr(a). ", first, " ", last)
        # ascii_slug("First Last") without its dots is the two names' slugs without theirs.
        first_slugs = pa.array(
            [ascii_slug(name).replace(".", "") for name in pools.first_names], pa.string()
        )
        last_slugs = pa.array(
            [ascii_slug(name).replace(".", "") for name in pools.last_names], pa.string()
        )
        domains = text.concat(
            text.take(first_slugs, first_index),
            text.take(last_slugs, last_index),
            text.decimal(company_ids),
            ".com.br",
        )
        area = AREA_CODES[rng.integers(0, len(AREA_CODES), size)]
        city = pick(pools.cities, rng.integers(0, len(pools.cities), size))
        created = self.as_of_ms - rng.integers(200 * DAY_MS, 900 * DAY_MS, size)
        truth = pa.table(
            {
                "company_id": company_ids,
                "name": names,
                "domain": domains,
                "specialty": pick(specialties, specialty),
                "city": city,
            }
        )

        n_duplicates = round(size * rates.company_duplicate)
        source_rows = np.concatenate([np.arange(size), rng.integers(0, size, n_duplicates)])
        source = pa.array(source_rows)
        total = len(source_rows)
        log = DefectLog(total)
        duplicate = np.arange(total) >= size
        log.add("duplicate_record", duplicate)
        record_names = names.take(source)
        record_names = pc.if_else(pa.array(duplicate), pc.utf8_upper(record_names), record_names)
        variant = choose(rng, total, rates.specialty_variant)
        record_specialty = specialty[source_rows]
        # Each alias list is indexed by the row number, so a variant varies between records.
        alias_lists = [SPECIALTIES[name] for name in specialties]
        alias_pool = pa.array(
            [alias for aliases in alias_lists for alias in aliases], type=pa.string()
        )
        alias_start = np.cumsum([0] + [len(aliases) for aliases in alias_lists])
        alias_count = np.diff(alias_start)
        alias_index = (
            alias_start[record_specialty] + np.arange(total) % alias_count[record_specialty]
        )
        specialty_text = text.patched(
            pick(specialties, record_specialty),
            [(np.flatnonzero(variant), text.take(alias_pool, alias_index[variant]))],
        )
        log.add("specialty_variant", variant)
        phone_log = DefectLog(total)
        phones = format_phones(
            rng, area[source_rows], rng.integers(0, 10**8, total), rates, phone_log
        )
        log.absorb(phone_log)
        ids = text.decimal(np.arange(101, 101 + total))
        created_records = created[source_rows] + np.where(duplicate, 30 * DAY_MS, 0)
        modified = later(rng, created_records, 200 * DAY_MS, self.as_of_ms)
        archived = choose(rng, total, rates.archived / 2)
        log.add("archived", archived)
        record_domains = domains.take(source)
        records = pa.table(
            {
                "id": ids,
                "created_at": created_records,
                "updated_at": modified,
                "archived": archived,
                "archived_at": nullable_int(modified, archived),
                "name": record_names,
                "domain": record_domains,
                "phone": phones,
                "city": city.take(source),
                "state": state_of(area[source_rows]),
                "country": constant("Brasil", total, pa.string()),
                "industry": constant("HOSPITAL_HEALTH_CARE", total, pa.string()),
                "website": text.concat("https://www.", record_domains),
                "especialidade_medica": specialty_text,
                "createdate": text.iso_utc(created_records),
                "hs_lastmodifieddate": text.iso_utc(modified),
                "hs_object_id": ids,
            }
        )
        self.truth.append(
            truth_table("hubspot", "companies", ids, None, company_ids[source_rows], log)
        )
        return Companies(truth, records)

    def contacts(self, companies: Companies) -> Contacts:
        self._start("contacts")
        rng, rates, persons = self.rng, self.rates, self.person_table
        n_persons, n_duplicates = self.n_hubspot_persons, self.n_duplicates
        size = n_persons + n_duplicates
        person_row = np.concatenate(
            [np.arange(n_persons), rng.integers(0, n_persons, n_duplicates)]
        )
        duplicate = np.arange(size) >= n_persons
        near = duplicate & choose(rng, size, rates.near_duplicate_share)
        log = DefectLog(size)
        log.add("duplicate_record", duplicate & ~near)
        log.add("near_duplicate_record", near)

        people = persons.take(pa.array(person_row))
        first = people.column("first_name").combine_chunks()
        last = people.column("last_name").combine_chunks()
        email = people.column("email").combine_chunks()

        accents = choose(rng, size, rates.name_accents) | (near & (rng.random(size) < 0.3))
        first = text.mapped(first, accents, lambda value, _: strip_accents(value))
        log.add("name_accents", accents)
        typos = choose(rng, size, rates.name_typo) | (near & (rng.random(size) < 0.3))
        first = text.mapped(first, typos, typo)
        log.add("name_typo", typos)
        no_last = choose(rng, size, rates.missing_last_name)
        last = text.null_where(last, no_last)
        log.add("missing_last_name", no_last)

        company_of_person = rng.integers(0, companies.truth.num_rows, persons.num_rows)
        company_index = company_of_person[person_row]
        shared = choose(rng, size, rates.shared_email)
        company_domains = companies.truth.column("domain").combine_chunks()
        email = text.patched(
            email,
            [
                (
                    np.flatnonzero(shared),
                    text.concat("recepcao@", text.take(company_domains, company_index[shared])),
                )
            ],
        )
        log.add("shared_email", shared)
        messy = (
            choose(rng, size, rates.email_case_space) | (near & (rng.random(size) < 0.5))
        ) & ~shared
        email = text.mapped(email, messy, messy_email)
        log.add("email_case_space", messy)
        invalid = choose(rng, size, rates.invalid_email) & ~shared & ~messy
        email = text.mapped(email, invalid, invalid_email)
        log.add("invalid_email", invalid)
        missing = choose(rng, size, rates.missing_email) & ~shared & ~invalid & ~messy
        email = text.null_where(email, missing)
        log.add("missing_email", missing)

        phones = format_phones(
            rng, column(people, "area_code"), column(people, "phone_subscriber"), rates, log
        )
        acquired = column(people, "acquired_at_ms")
        created = np.where(duplicate, later(rng, acquired, 60 * DAY_MS, self.as_of_ms), acquired)
        order = np.argsort(created, kind="stable")
        modified = later(rng, created, 120 * DAY_MS, self.as_of_ms)
        id_numbers = np.empty(size, dtype=np.int64)
        id_numbers[order] = np.arange(1001, 1001 + size)
        archived = choose(rng, size, rates.archived) & ~duplicate
        log.add("archived", archived)
        with_phone = rng.random(size) < 0.5
        lifecycle = rng.integers(0, len(LIFECYCLE_STAGES), size)
        lead_status = rng.integers(0, len(LEAD_STATUSES), size)
        consent = rng.random(size) < 0.8

        # Some duplicates were merged in HubSpot: they vanish and the survivor lists their id.
        # A person's first record is row person_row == row, so that row is the survivor.
        merged = duplicate & choose(rng, size, rates.merged_share)
        survivors = person_row[merged]
        absorbed = id_numbers[merged]
        by_survivor = np.lexsort((absorbed, survivors))
        merged_lists: dict[int, list[str]] = {}
        for survivor, absorbed_id in zip(
            survivors[by_survivor].tolist(), absorbed[by_survivor].tolist(), strict=True
        ):
            merged_lists.setdefault(survivor, []).append(str(absorbed_id))
        survivor_rows = np.array(list(merged_lists), dtype=np.int64)
        merged_ids = text.patched(
            pa.nulls(size, pa.string()),
            [(survivor_rows, pa.array([";".join(ids) for ids in merged_lists.values()]))],
        )
        archived_at = nullable_int(modified, archived)  # as archived, before any merge
        # A merge modifies the survivor: it is at least as recent as what it absorbed. (A copy:
        # Arrow arrays may share numpy's memory, so arrays are never edited in place.)
        updated = modified.copy()
        np.maximum.at(updated, survivors, modified[merged])
        survivor_mask = np.zeros(size, dtype=bool)
        survivor_mask[survivor_rows] = True
        log.add("merge_survivor", survivor_mask)

        merged_rows = np.flatnonzero(merged)
        merged_away = truth_table(
            "hubspot",
            "contacts",
            text.decimal(absorbed),
            column(people, "person_id")[merged_rows],
            None,
            log.take(merged_rows),
        )
        merged_away = merged_away.set_column(
            5, "in_source", constant(False, len(merged_rows), pa.bool_())
        ).set_column(
            6,
            "defects",
            pc.utf8_ltrim(
                text.concat(merged_away.column("defects").combine_chunks(), ";merged_away"),
                characters=";",
            ),
        )

        keep = np.flatnonzero(~merged)
        kept = pa.array(keep)
        ids = text.decimal(id_numbers[keep])
        modified_kept = updated[keep]
        archived_kept = archived[keep]
        records = pa.table(
            {
                "id": ids,
                "created_at": created[keep],
                "updated_at": modified_kept,
                "archived": archived_kept,
                "archived_at": archived_at.take(kept),
                "firstname": first.take(kept),
                "lastname": last.take(kept),
                "email": email.take(kept),
                "phone": text.null_where(phones, ~with_phone).take(kept),
                "mobilephone": phones.take(kept),
                "city": people.column("city").take(kept),
                "state": people.column("state").take(kept),
                "lifecyclestage": pick(LIFECYCLE_STAGES, lifecycle[keep]),
                "hs_lead_status": pick(LEAD_STATUSES, lead_status[keep]),
                "hs_analytics_source": people.column("acquisition_channel").take(kept),
                "consentimento_whatsapp": pick(("false", "true"), consent[keep].astype(np.int64)),
                "createdate": text.iso_utc(created[keep]),
                "lastmodifieddate": text.iso_utc(modified_kept),
                "hs_object_id": ids,
                "hs_merged_object_ids": merged_ids.take(kept),
            }
        )
        person_id = column(people, "person_id")[keep]
        self.truth.append(truth_table("hubspot", "contacts", ids, person_id, None, log.take(keep)))
        self.truth.append(merged_away)
        return Contacts(records, person_id, company_index[keep], n_persons)

    def deals(self, contacts: Contacts) -> Deals:
        self._start("deals")
        rng, rates = self.rng, self.rates
        records = contacts.records
        n_contacts = records.num_rows
        live = np.flatnonzero(~column(records, "archived"))
        size = max(1, int(n_contacts * 0.6))
        picked = live[rng.integers(0, len(live), size)]
        picked_rows = pa.array(picked)
        company_ids = contacts.company_index[picked] + 1
        # A real company's first HubSpot record is row company_id - 1, whose id is 100 + it.
        company_hs_id = text.decimal(100 + company_ids)
        log = DefectLog(size)
        without_company = choose(rng, size, rates.deal_without_company)
        log.add("deal_without_company", without_company)
        created = later(rng, column(records, "created_at")[picked], 90 * DAY_MS, self.as_of_ms)
        stage_roll = rng.random(size)
        custom = rng.random(size) < 0.2
        default_weights = np.cumsum([0.08, 0.07, 0.06, 0.05, 0.04, 0.45, 0.25])
        custom_weights = np.cumsum([0.1, 0.1, 0.1, 0.45, 0.25])
        stages = DEFAULT_DEAL_STAGES + CUSTOM_DEAL_STAGES
        stage_index = np.where(
            custom,
            len(DEFAULT_DEAL_STAGES)
            + np.searchsorted(custom_weights, stage_roll * custom_weights[-1]),
            np.searchsorted(default_weights, stage_roll * default_weights[-1]),
        )
        closed = np.isin(stage_index, [stages.index(stage) for stage in CLOSED_DEAL_STAGES])
        closedate = later(rng, created, 30 * DAY_MS, self.as_of_ms)
        modified = np.maximum(created, np.where(closed, closedate, created))
        id_numbers = np.arange(5001, 5001 + size)
        ids = text.decimal(id_numbers)
        amount = np.round(
            rng.choice([250, 350, 450, 600, 900], size) * rng.uniform(0.9, 1.1, size), 2
        )
        archived = choose(rng, size, rates.archived / 2)
        log.add("archived", archived)
        names = pc.utf8_trim_whitespace(
            text.concat(
                "Consulta CBD - ",
                pc.fill_null(records.column("firstname").take(picked_rows), ""),
                " ",
                pc.fill_null(records.column("lastname").take(picked_rows), ""),
            )
        )
        deals = pa.table(
            {
                "id": ids,
                "created_at": created,
                "updated_at": modified,
                "archived": archived,
                "archived_at": nullable_int(modified, archived),
                "dealname": names,
                "pipeline": pick(("default", "canabidiol"), custom.astype(np.int64)),
                "dealstage": pick(stages, stage_index),
                "amount": money_strings(amount),
                "deal_currency_code": constant("BRL", size, pa.string()),
                "closedate": text.null_where(text.iso_utc(closedate), ~closed),
                "createdate": text.iso_utc(created),
                "hs_lastmodifieddate": text.iso_utc(modified),
                "hs_object_id": ids,
            }
        )
        person_id = contacts.person_id[picked]
        deal_company = np.where(without_company, 0, company_ids)
        self.truth.append(
            truth_table(
                "hubspot",
                "deals",
                ids,
                person_id,
                nullable_int(deal_company, ~without_company),
                log,
            )
        )

        linked = np.flatnonzero(rng.random(n_contacts) < 0.7)
        with_company = pa.array(np.flatnonzero(~without_company))
        parts = [
            ("deals", ids, "contacts", records.column("id").take(picked_rows), 3),
            ("deals", ids.take(with_company), "companies", company_hs_id.take(with_company), 341),
            (
                "contacts",
                records.column("id").take(pa.array(linked)),
                "companies",
                text.decimal(100 + contacts.company_index[linked] + 1),
                279,
            ),
        ]
        associations = pa.concat_tables(
            [
                pa.table(
                    {
                        "from_type": constant(from_type, len(from_ids), pa.string()),
                        "from_id": from_ids,
                        "to_type": constant(to_type, len(from_ids), pa.string()),
                        "to_id": to_ids,
                        "type_id": constant(type_id, len(from_ids), pa.int64()),
                        "label": pa.nulls(len(from_ids)),
                    }
                )
                for from_type, from_ids, to_type, to_ids, type_id in parts
            ]
        ).combine_chunks()
        return Deals(deals, associations, person_id, deal_company)

    def hotmart(self) -> Hotmart:
        self._start("hotmart")
        rng, rates, persons = self.rng, self.rates, self.person_table
        n_hubspot_persons, contacts = self.n_hubspot_persons, self.contacts_wanted
        size = max(1, contacts // 2)
        hubspot_buyers = rng.choice(
            n_hubspot_persons, size=max(1, n_hubspot_persons // 3), replace=False
        )
        hotmart_only = np.arange(n_hubspot_persons, n_hubspot_persons + max(1, contacts // 5))
        hotmart_only = hotmart_only[hotmart_only < persons.num_rows]
        buyer_pool = np.concatenate([hubspot_buyers, hotmart_only])
        # A few loyal buyers buy again and again (repeat purchases drive LTV).
        popularity = rng.pareto(1.5, len(buyer_pool)) + 1
        buyer_rows = buyer_pool[rng.choice(len(buyer_pool), size, p=popularity / popularity.sum())]
        people = persons.take(pa.array(buyer_rows))
        person_id = column(people, "person_id")
        # PRODUCTS lists the four ilpi products, then the four estetica ones.
        line_start = np.where(_is_ilpi(people), 0, 4)
        product_pick = rng.integers(0, 4, size)
        product = line_start + product_pick
        statuses = list(HOTMART_STATUSES)
        status_weights = np.array(list(HOTMART_STATUSES.values()))
        status = rng.choice(len(statuses), size, p=status_weights / status_weights.sum())
        order_date = later(rng, column(people, "acquired_at_ms"), 300 * DAY_MS, self.as_of_ms)
        paid = np.isin(status, [statuses.index(name) for name in PAID_STATUSES])
        approved = order_date + rng.integers(0, 3 * DAY_MS, size)
        list_price = np.array([item[3] for item in PRODUCTS])[product]
        price = list_price * np.where(rng.random(size) < 0.2, 0.8, 1)
        # 14 digits from 10**13 on, like HP17715690036014.
        transaction_numbers = rng.choice(10**13, size=size, replace=False) + 10**13
        transactions = text.concat("HP", text.decimal(transaction_numbers))
        salt = int(rng.integers(0, 2**62))
        ucodes = hotmart_ucodes(salt, person_id)
        log = DefectLog(size)
        messy = choose(rng, size, rates.email_case_space)
        email = text.mapped(people.column("email").combine_chunks(), messy, messy_email)
        log.add("email_case_space", messy)
        product_ids = np.array([item[0] for item in PRODUCTS], dtype=np.int64)[product]
        product_names = pick([item[1] for item in PRODUCTS], product)
        buyer_names = text.concat(people.column("first_name"), " ", people.column("last_name"))
        payment_method = rng.integers(0, len(PAYMENT_TYPES), size)
        payment_type = rng.integers(0, len(PAYMENT_TYPES), size)
        installments = rng.integers(1, 13, size)
        sales = pa.table(
            {
                "transaction": transactions,
                "product_id": product_ids,
                "product_name": product_names,
                "product_line": pick([item[2] for item in PRODUCTS], product),
                "buyer_ucode": ucodes,
                "buyer_name": buyer_names,
                "buyer_email": email,
                "producer_ucode": constant(PRODUCER_UCODE, size, pa.string()),
                "producer_name": constant(PRODUCER_NAME, size, pa.string()),
                "status": pick(statuses, status),
                "order_date": order_date,
                "approved_date": nullable_int(approved, paid),
                "warranty_expire_date": order_date + 7 * DAY_MS,
                "price_value": np.round(price, 2),
                "price_currency": constant("BRL", size, pa.string()),
                "payment_method": pick(PAYMENT_TYPES, payment_method),
                "payment_type": pick(PAYMENT_TYPES, payment_type),
                "installments_number": installments,
                "is_subscription": constant(False, size, pa.bool_()),
                "recurrency_number": pa.nulls(size),
                "commission_as": constant("PRODUCER", size, pa.string()),
                "tracking_source": constant("HOTMART", size, pa.string()),
                "tracking_source_sck": pc.utf8_lower(people.column("acquisition_channel")),
                "tracking_external_code": pa.nulls(size),
                "offer_code": text.concat("oferta", text.decimal(product_pick + 1)),
                "offer_payment_mode": constant("INVOICE", size, pa.string()),
                "hotmart_fee_total": np.round(price * 0.099 + 1, 2),
                "hotmart_fee_currency": constant("BRL", size, pa.string()),
            }
        )
        cellphones = _people_phones(rng, people, rates, log)
        self.truth.append(truth_table("hotmart", "sales", transactions, person_id, None, log))

        def users(role, ucode, name, email, cellphone, document, city, state) -> pa.Table:
            return pa.table(
                {
                    "transaction": transactions,
                    "product_id": product_ids,
                    "product_name": product_names,
                    "role": constant(role, size, pa.string()),
                    "ucode": ucode,
                    "name": name,
                    "email": email,
                    "cellphone": cellphone,
                    "phone": pa.nulls(size),
                    "locale": constant("pt_BR", size, pa.string()),
                    "document_type": constant("CPF", size, pa.string()),
                    "document_value": document,
                    "address_city": city,
                    "address_state": state,
                    "address_country": constant("Brasil", size, pa.string()),
                    "address_zip_code": pa.nulls(size),
                }
            )

        buyers = users(
            "BUYER",
            ucodes,
            buyer_names,
            email,
            cellphones,
            people.column("cpf"),
            people.column("city"),
            people.column("state"),
        )
        no_text = pa.nulls(size, pa.string())
        producers = users(
            "PRODUCER",
            constant(PRODUCER_UCODE, size, pa.string()),
            constant(PRODUCER_NAME, size, pa.string()),
            constant("contato@cuidar.com.br", size, pa.string()),
            no_text,
            no_text,
            no_text,
            no_text,
        )
        # One buyer and one producer row per sale, ordered by transaction (all have 14 digits,
        # so numeric order is text order), the buyer first.
        by_transaction = np.argsort(transaction_numbers, kind="stable")
        interleaved = pa.array(np.column_stack([by_transaction, by_transaction + size]).ravel())
        # Column by column, so only one column is ever held twice.
        users_table = pa.table(
            {
                name: pa.chunked_array(
                    [*buyers.column(name).chunks, *producers.column(name).chunks]
                ).take(interleaved)
                for name in buyers.column_names
            }
        )
        return Hotmart(sales, users_table)

    def manychat(self) -> ManyChat:
        self._start("manychat")
        rng, rates, persons = self.rng, self.rates, self.person_table
        n_hubspot_persons = self.n_hubspot_persons
        size = max(1, int(self.contacts_wanted * 0.4))
        from_hubspot = rng.choice(n_hubspot_persons, size=int(size * 0.6), replace=False)
        others = np.arange(n_hubspot_persons, persons.num_rows)
        rest = rng.choice(others, size=min(size - len(from_hubspot), len(others)), replace=False)
        rows = np.concatenate([from_hubspot, rest])
        size = len(rows)
        people = persons.take(pa.array(rows))
        log = DefectLog(size)
        missing = rng.random(size) < 0.4
        email = text.null_where(people.column("email").combine_chunks(), missing)
        log.add("missing_email", missing)
        whatsapp = _people_phones(rng, people, rates, log)
        subscribed = later(rng, column(people, "acquired_at_ms"), 60 * DAY_MS, self.as_of_ms)
        last_interaction = later(rng, subscribed, 200 * DAY_MS, self.as_of_ms)
        tag_sets = [
            ";".join(MANYCHAT_TAGS[line][: 1 + count]) for line in INTERESTS for count in range(3)
        ]
        line_index = np.where(_is_ilpi(people), 0, 1)
        tags = pick(tag_sets, line_index * 3 + rng.integers(0, 3, size))
        ids = text.decimal(rng.choice(9 * 10**15, size, replace=False) + 10**15)
        gender = rng.random(size) < 0.6
        optin_phone = rng.random(size) < 0.9
        optin_whatsapp = rng.random(size) < 0.85
        last_seen = brasilia_iso(last_interaction)
        subscribers = pa.table(
            {
                "id": ids,
                "page_id": constant("1234567890123456", size, pa.string()),
                "first_name": people.column("first_name"),
                "last_name": people.column("last_name"),
                "name": text.concat(people.column("first_name"), " ", people.column("last_name")),
                "gender": pick(("male", "female"), gender.astype(np.int64)),
                "locale": constant("pt_BR", size, pa.string()),
                "timezone": constant("UTC-03", size, pa.string()),
                "email": email,
                "phone": whatsapp,
                "whatsapp_phone": whatsapp,
                "optin_email": ~missing,
                "optin_phone": optin_phone,
                "optin_whatsapp": optin_whatsapp,
                "subscribed": brasilia_iso(subscribed),
                "last_interaction": last_seen,
                "last_seen": last_seen,
                "tags": tags,
            }
        )
        person_id = column(people, "person_id")
        self.truth.append(truth_table("manychat", "subscribers", ids, person_id, None, log))
        return ManyChat(subscribers, person_id)


def hotmart_ucodes(salt: int, person_ids: np.ndarray) -> pa.Array:
    """A stable UUID-shaped buyer code per person, like Hotmart's `ucode`.

    Hashed once per distinct buyer: loyal buyers appear in many sales.
    """
    distinct, inverse = np.unique(person_ids, return_inverse=True)
    codes = [hotmart_ucode(salt, person_id) for person_id in distinct.tolist()]
    return text.take(pa.array(codes, type=pa.string()), inverse)


def hotmart_ucode(salt: int, person_id: int) -> str:
    digest = hashlib.md5(f"{salt}:{person_id}".encode()).hexdigest().upper()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:]}"


def brasilia_iso(epoch_ms: np.ndarray) -> pa.Array:
    """ManyChat's W3C datetimes in Brasília time: 2026-01-05T14:03:00-03:00."""
    return text.datetimes(epoch_ms - 3 * 3_600_000, "-03:00", milliseconds=False)


def _people_phones(rng, people: pa.Table, rates, log: DefectLog) -> pa.Array:
    """Each person's phone in one of the Brazilian shapes; its defects are added to `log`."""
    phone_log = DefectLog(len(people))
    phones = format_phones(
        rng, column(people, "area_code"), column(people, "phone_subscriber"), rates, phone_log
    )
    log.absorb(phone_log)
    return phones
