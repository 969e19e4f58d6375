"""Build the world: people, doctors, and each source's records of them, with defects.

Everything is sampled from one numpy Generator seeded by `seed`, in a fixed order, so the
same seed and `as_of` give byte-identical files. `WorldBuilder` makes one source table at a
time, in that order, so each can be written and dropped before the next one is built: a
million contacts never need every table in memory at once. Strings are Arrow arrays built by
vectorized kernels (see `text`); Python touches only the few rows that get a defect.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crm_elt.fakedata import places, text
from crm_elt.fakedata.contact_points import (
    EMAIL_KINDS,
    IDENTITY_COLUMNS,
    NONE,
    PHONE_KINDS,
    Identities,
    PersonContacts,
    SourceHabits,
    choose_contacts,
)
from crm_elt.fakedata.defects import (
    DefectLog,
    DefectRates,
    choose,
    e164,
    email_defects,
    format_phones,
    name_defects,
    whatsapp_profile_names,
)
from crm_elt.fakedata.pools import (
    EMAIL_DOMAINS,
    PRODUCTS,
    SPECIALTIES,
    build_pools,
    slugs,
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
COURSES = tuple(product for product in PRODUCTS if not product.subscription)
# PRODUCTS lists the courses, then the ilpi subscription, then the estetica one.
assert [product.line for product in PRODUCTS[len(COURSES) :]] == ["ilpi", "estetica"]
MAX_LOYAL_COURSES = 8  # the most courses one buyer takes
MAX_MONTHS = 18  # a subscription's monthly charges at most
UNPAID_SHARE = 0.12
# Of paid sales; refunds and chargebacks come within the warranty window after approval.
REFUND_SHARE = 0.05
CHARGEBACK_SHARE = 0.012
PARTIAL_REFUND_SHARE = 0.004
UNPAID_STATUSES = {
    "CANCELLED": 0.3,
    "EXPIRED": 0.2,
    "WAITING_PAYMENT": 0.1,
    "PRINTED_BILLET": 0.1,
    "NO_FUNDS": 0.08,
    "UNDER_ANALISYS": 0.05,
    "BLOCKED": 0.04,
    "OVERDUE": 0.04,
    "PROTESTED": 0.03,
    "PRE_ORDER": 0.02,
    "STARTED": 0.02,
    "PROCESSING_TRANSACTION": 0.02,
}
PAYMENT_TYPES = ["CREDIT_CARD", "PIX", "BILLET", "PAYPAL", "GOOGLE_PAY"]
PAYMENT_TYPE_SHARES = [0.55, 0.3, 0.12, 0.02, 0.01]
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
        *((name, pa.string()) for name in IDENTITY_COLUMNS),
    ]
)


def month_starts(as_of: date) -> np.ndarray:
    """The history's months: the last one holds the day before `as_of`."""
    end = np.datetime64(as_of - timedelta(days=1), "M")
    return np.arange(end - (HISTORY_MONTHS - 1), end + 1)


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


def truth_table(
    source, entity, record_ids, person_ids, company_ids, log: DefectLog, identities=None
) -> pa.Table:
    size = len(record_ids)
    identities = identities if identities is not None else Identities.none(size)

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
            *identities.columns(),
        ],
        schema=TRUTH_SCHEMA,
    )


def unique_emails(locals_: pa.Array, domains: pa.Array) -> pa.Array:
    """`local@domain`, numbered like a mail provider does when the name is taken: the first
    maria.silva@gmail.com, then maria.silva2, maria.silva3... Dots do not tell addresses
    apart (Gmail ignores them), so mariasilva is taken once maria.silva is."""
    key = text.concat(pc.replace_substring(locals_, ".", ""), "@", domains)
    values = pd.Series(key.to_numpy(zero_copy_only=False))
    taken = values.groupby(values, sort=False).cumcount().to_numpy()
    numbered = np.flatnonzero(taken > 0)
    locals_ = text.patched(
        locals_,
        [(numbered, text.concat(text.take(locals_, numbered), text.decimal(taken[numbered] + 1)))],
    )
    return text.concat(locals_, "@", domains)


def distinct_numbers(rng: np.random.Generator, size: int, low: int, high: int) -> np.ndarray:
    """`size` distinct integers in [low, high) that look random: an affine bijection of
    0..size-1 modulo the range (a multiplier coprime with it), without drawing the whole
    range as `choice(replace=False)` would."""
    span = high - low
    if size > span:
        raise ValueError(f"cannot draw {size} distinct numbers from {span}")
    while True:
        multiplier = int(rng.integers(span // 3, span))
        if math.gcd(multiplier, span) == 1:
            break
    offset = int(rng.integers(0, span))
    return low + (np.arange(size, dtype=np.int64) * multiplier + offset) % span


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
    truth: pa.Table  # the subscribers' truth rows, which their CSV rows inherit


class WorldBuilder:
    """Builds the sources one table at a time, in the order of STEPS.

    The order is part of the output: every step draws from the same random generator, so a
    step called out of order raises rather than quietly giving other data.
    """

    STEPS = ("spend", "persons", "companies", "contacts", "deals", "hotmart", "manychat")

    def __init__(self, seed: int, contacts: int, as_of: date, rates: DefectRates):
        self.rng = np.random.default_rng(seed)
        self.pools = build_pools()
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
        self.person_contacts: PersonContacts | None = None
        self.name_indices: tuple[np.ndarray, np.ndarray] | None = None
        self.company_of_person: np.ndarray | None = None
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
        rng, pools, rates = self.rng, self.pools, self.rates
        size = self.n_hubspot_persons + self.n_hotmart_only + self.n_manychat_only
        weights = self.channel_weights
        months = month_starts(self.as_of)
        cell = rng.choice(weights.size, size=size, p=weights.ravel())
        month_index, channel_index = np.divmod(cell, len(CHANNELS))
        month_ms = months.astype("datetime64[ms]").astype("int64")[month_index]
        acquired_ms = later(rng, month_ms, 28 * DAY_MS, self.as_of_ms)
        person_ids = np.arange(1, size + 1)

        first_index = rng.choice(len(pools.first_names), size, p=pools.first_weights)
        # Most Brazilians carry two surnames (mother's, then father's); the last one is the
        # family name people go by.
        family_surname = rng.choice(len(pools.surnames), size, p=pools.surname_weights)
        other_surname = rng.choice(len(pools.surnames), size, p=pools.surname_weights)
        two_surnames = (rng.random(size) < 0.6) & (
            pools.surname_cores[other_surname] != pools.surname_cores[family_surname]
        )
        city = rng.choice(len(places.CITY_NAMES), size, p=places.CITY_WEIGHTS)
        # A relative registers some people with the relative's own contacts; they share the
        # relative's family name more often than not, and the city.
        relative = np.full(size, -1, dtype=np.int64)
        registered = np.flatnonzero(rng.random(size) < rates.family_shared)
        hosts = rng.integers(0, size, len(registered))
        is_registered = np.zeros(size, dtype=bool)
        is_registered[registered] = True
        usable = (hosts != registered) & ~is_registered[hosts]
        relative[registered[usable]] = hosts[usable]
        has_relative = relative >= 0
        same_family = has_relative & (rng.random(size) < 0.7)
        family_surname[same_family] = family_surname[relative[same_family]]
        two_surnames[same_family] &= (
            pools.surname_cores[other_surname[same_family]]
            != pools.surname_cores[family_surname[same_family]]
        )
        city[has_relative] = city[relative[has_relative]]
        surnames = pa.array(pools.surnames, pa.string())
        last_name = text.patched(
            text.take(surnames, family_surname),
            [
                (
                    np.flatnonzero(two_surnames),
                    text.concat(
                        text.take(surnames, other_surname[two_surnames]),
                        " ",
                        text.take(surnames, family_surname[two_surnames]),
                    ),
                )
            ],
        )
        first = (slugs(pools.first_names), first_index)
        first_word = (slugs([name.split(" ")[0] for name in pools.first_names]), first_index)
        surname = (slugs(pools.surname_cores), family_surname)
        local_parts = (
            (first, ".", surname),
            (first_word, ".", surname),
            (first, surname),
            (first_word, "_", surname),
            (first,),
        )
        pattern = rng.choice(len(local_parts), size, p=[0.3, 0.25, 0.2, 0.1, 0.15])
        replacements = []
        for number, parts in enumerate(local_parts):
            rows = np.flatnonzero(pattern == number)
            pieces = [
                part if isinstance(part, str) else text.take(part[0], part[1][rows])
                for part in parts
            ]
            replacements.append((rows, text.concat(*pieces) if len(pieces) > 1 else pieces[0]))
        locals_ = text.patched(pa.nulls(size, pa.string()), replacements)
        domains = list(EMAIL_DOMAINS)
        domain_index = rng.choice(len(domains), size, p=list(EMAIL_DOMAINS.values()))
        emails = unique_emails(locals_, pick(domains, domain_index))

        area = places.CITY_AREA_CODES[city]
        states = places.CITY_STATES[city]
        origin = rng.choice(len(places.CITY_NAMES), size, p=places.CITY_WEIGHTS)
        moved = (
            (rng.random(size) < rates.moved_area_code)
            & (places.CITY_STATES[origin] != states)
            & ~has_relative
        )
        mobile_area = np.where(moved, places.CITY_AREA_CODES[origin], area)
        changed = rng.random(size) < rates.phone_changed
        whatsapp_differs = rng.random(size) < rates.whatsapp_differs
        clinic = rng.random(size) < rates.second_phone
        # Every number is someone's alone: mobiles 9 6000-0000 to 9 9999-9999, landlines
        # 2000-0000 to 5999-9999.
        n_mobiles = size + int(changed.sum()) + int(whatsapp_differs.sum())
        mobile_numbers = distinct_numbers(rng, n_mobiles, 6 * 10**7, 10**8)
        mobile_base = mobile_area * 10**9 + 9 * 10**8
        mobile = mobile_base + mobile_numbers[:size]
        old_mobile = np.zeros(size, dtype=np.int64)
        old_mobile[changed] = mobile_base[changed] + mobile_numbers[size : size + changed.sum()]
        whatsapp = mobile.copy()
        whatsapp[whatsapp_differs] = (
            mobile_base[whatsapp_differs] + mobile_numbers[size + changed.sum() :]
        )
        clinic_phone = np.zeros(size, dtype=np.int64)
        clinic_phone[clinic] = area[clinic] * 10**8 + distinct_numbers(
            rng, int(clinic.sum()), 2 * 10**7, 6 * 10**7
        )
        changed_at = later(rng, acquired_ms, 400 * DAY_MS, self.as_of_ms) + DAY_MS
        interest = np.where(rng.random(size) < 0.55, 0, 1)
        cpf = rng.integers(0, 10**11, size)
        self.name_indices = (first_index, family_surname)
        self.person_contacts = PersonContacts(
            email=emails,
            work_email=pa.nulls(size, pa.string()),  # known once the companies are
            mobile=mobile,
            clinic=clinic_phone,
            whatsapp=whatsapp,
            old_mobile=old_mobile,
            changed_at_ms=np.where(changed, changed_at, 0),
            relative=relative,
        )
        self.person_table = pa.table(
            {
                "person_id": person_ids,
                "first_name": pick(pools.first_names, first_index),
                "last_name": last_name,
                "gender": pick(("male", "female"), pools.first_female[first_index].astype(int)),
                "email": emails,
                "phone_e164": e164(mobile),
                "whatsapp_e164": e164(whatsapp),
                "clinic_phone_e164": e164(clinic_phone),
                "old_phone_e164": e164(old_mobile),
                "phone_changed_at_ms": nullable_int(changed_at, changed),
                "relative_person_id": nullable_int(relative + 1, has_relative),
                "city": pick(places.CITY_NAMES, city),
                "state": pick(places.CITY_STATES, city),
                "area_code": area.astype(np.int64),
                "phone_area_code": mobile_area.astype(np.int64),
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
        first_index = rng.choice(len(pools.first_names), size, p=pools.first_weights)
        last_index = rng.choice(len(pools.surnames), size, p=pools.surname_weights)
        first = pick(pools.first_names, first_index)
        last = pick(pools.surnames, last_index)
        company_ids = np.arange(1, size + 1)
        names = text.concat("Clínica Dr(a). ", first, " ", last)
        domains = text.concat(
            text.take(slugs(pools.first_names), first_index),
            text.take(slugs(pools.surnames), last_index),
            text.decimal(company_ids),
            ".com.br",
        )
        city_index = rng.choice(len(places.CITY_NAMES), size, p=places.CITY_WEIGHTS)
        area = places.CITY_AREA_CODES[city_index]
        city = pick(places.CITY_NAMES, city_index)
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
        landline = area[source_rows] * 10**8 + rng.integers(2 * 10**7, 6 * 10**7, total)
        phones = format_phones(rng, landline, rates, phone_log)
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
                "state": pick(places.CITY_STATES, city_index[source_rows]),
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
        self._work_emails(domains)
        return Companies(truth, records)

    def _work_emails(self, company_domains: pa.Array) -> None:
        """Each person's clinic, and for some an address there: ana.silva@clinic (ana.silva2
        when the clinic already has an Ana Silva)."""
        rng, pools = self.rng, self.pools
        size = self.person_table.num_rows
        self.company_of_person = rng.integers(0, len(company_domains), size)
        rows = np.flatnonzero(rng.random(size) < self.rates.work_email)
        first_index, surname_index = self.name_indices
        first_word = slugs([name.split(" ")[0] for name in pools.first_names])
        emails = unique_emails(
            text.concat(
                text.take(first_word, first_index[rows]),
                ".",
                text.take(slugs(pools.surname_cores), surname_index[rows]),
            ),
            text.take(company_domains, self.company_of_person[rows]),
        )
        work_email = text.patched(pa.nulls(size, pa.string()), [(rows, emails)])
        self.person_contacts.work_email = work_email
        position = self.person_table.schema.get_field_index("email") + 1
        self.person_table = self.person_table.add_column(position, "work_email", work_email)

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

        people = persons.select(
            [
                "person_id",
                "first_name",
                "last_name",
                "acquired_at_ms",
                "city",
                "state",
                "acquisition_channel",
            ]
        ).take(pa.array(person_row))
        first, last = name_defects(
            rng,
            self.pools,
            people.column("first_name").combine_chunks(),
            people.column("last_name").combine_chunks(),
            rates,
            log,
            near,
        )
        no_last = choose(rng, size, rates.missing_last_name)
        last = text.null_where(last, no_last)
        log.add("missing_last_name", no_last)

        acquired = column(people, "acquired_at_ms")
        created = np.where(duplicate, later(rng, acquired, 60 * DAY_MS, self.as_of_ms), acquired)
        points = self.person_contacts
        chosen = choose_contacts(
            rng, points, person_row, created, SourceHabits.of(rates, "hubspot")
        )
        company_index = self.company_of_person[person_row]
        shared = choose(rng, size, rates.shared_email)
        company_domains = companies.truth.column("domain").combine_chunks()
        identity = text.patched(
            chosen.email_identity(points),
            [
                (
                    np.flatnonzero(shared),
                    text.concat("recepcao@", text.take(company_domains, company_index[shared])),
                )
            ],
        )
        email_kind = np.where(shared, EMAIL_KINDS.index("front_desk"), chosen.email_kind)
        log.add("shared_email", shared)
        missing = choose(rng, size, rates.missing_email) & ~shared
        identity = text.null_where(identity, missing)
        email_kind = np.where(missing, NONE, email_kind)
        log.add("missing_email", missing)
        email = email_defects(rng, identity, ~shared, rates, log, near)

        mobilephone = format_phones(rng, chosen.phone, rates, log)
        # HubSpot's `phone`: the clinic's number for many who have one, else the WhatsApp-only
        # number of people who have one (by habit), else often the mobile again.
        person_clinic = points.clinic[person_row]
        use_clinic = (
            (person_clinic > 0)
            & (chosen.phone_kind != PHONE_KINDS.index("clinic"))
            & (rng.random(size) < 0.6)
        )
        person_whatsapp = points.whatsapp[person_row]
        use_whatsapp = (
            ~use_clinic
            & (person_whatsapp != points.mobile[person_row])
            & (chosen.phone != person_whatsapp)
            & (rng.random(size) < rates.hubspot_whatsapp_second_phone_use)
        )
        # Who gave the clinic's number as their mobile gives their own in the other field.
        own_mobile = (
            ~use_clinic
            & ~use_whatsapp
            & (chosen.phone_kind == PHONE_KINDS.index("clinic"))
            & (rng.random(size) < 0.6)
        )
        person_mobile, was_old = points.mobile_at(person_row, created)
        copy_mobile = ~use_clinic & ~use_whatsapp & ~own_mobile & (rng.random(size) < 0.5)
        other = use_clinic | use_whatsapp | own_mobile
        other_number = np.select(
            [use_clinic, use_whatsapp, own_mobile],
            [person_clinic, person_whatsapp, person_mobile],
            0,
        )
        other_log = DefectLog(size)
        other_text = format_phones(rng, other_number, rates, other_log)
        log.absorb(other_log, prefix="second_")
        second_phone = pc.if_else(
            pa.array(other), other_text, text.null_where(mobilephone, ~copy_mobile)
        )
        own_kind = np.where(was_old, PHONE_KINDS.index("old"), PHONE_KINDS.index("personal"))
        identities = Identities(
            identity,
            email_kind,
            chosen.phone,
            chosen.phone_kind,
            np.where(other, other_number, np.where(copy_mobile, chosen.phone, 0)),
            np.select(
                [use_clinic, use_whatsapp, own_mobile, copy_mobile],
                [
                    PHONE_KINDS.index("clinic"),
                    PHONE_KINDS.index("whatsapp"),
                    own_kind,
                    chosen.phone_kind,
                ],
                NONE,
            ).astype(np.int8),
        )
        order = np.argsort(created, kind="stable")
        modified = later(rng, created, 120 * DAY_MS, self.as_of_ms)
        id_numbers = np.empty(size, dtype=np.int64)
        id_numbers[order] = np.arange(1001, 1001 + size)
        archived = choose(rng, size, rates.archived) & ~duplicate
        log.add("archived", archived)
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
            identities.take(merged_rows),
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
                "phone": second_phone.take(kept),
                "mobilephone": mobilephone.take(kept),
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
        self.truth.append(
            truth_table(
                "hubspot", "contacts", ids, person_id, None, log.take(keep), identities.take(keep)
            )
        )
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
        """Sales as a small course business has them: most buyers buy once or twice, a few
        loyal ones a dozen times or more (subscriptions recur monthly), the same course
        rarely twice; refunds and chargebacks only of approved sales, within the warranty.

        Each checkout (a course bought, or a subscription taken) carries the buyer's data
        once; a subscription's monthly charges repeat its checkout's data.
        """
        self._start("hotmart")
        rng, rates, persons = self.rng, self.rates, self.person_table
        n_hubspot_persons = self.n_hubspot_persons
        hubspot_buyers = rng.choice(
            n_hubspot_persons, size=max(1, n_hubspot_persons // 8), replace=False
        )
        hotmart_only = np.arange(n_hubspot_persons, n_hubspot_persons + self.n_hotmart_only)
        buyers = np.concatenate([hubspot_buyers, hotmart_only])
        n_buyers = len(buyers)
        acquired = column(persons, "acquired_at_ms")[buyers]
        ilpi = pc.equal(persons.column("interest"), "ilpi").to_numpy(zero_copy_only=False)[buyers]

        loyal = rng.random(n_buyers) < 0.03
        courses = np.minimum(rng.geometric(0.65, n_buyers), 4)
        courses[loyal] = np.minimum(2 + rng.geometric(0.3, int(loyal.sum())), MAX_LOYAL_COURSES)
        subscribes = rng.random(n_buyers) < np.where(loyal, 0.6, 0.05)
        months = np.where(
            subscribes, np.minimum(rng.geometric(np.where(loyal, 0.1, 0.3)), MAX_MONTHS), 0
        )
        # Courses without repetition, weighted by popularity and by the buyer's line
        # (Efraimidis-Spirakis: the smallest exponential keys over the weights).
        line_match = (
            np.array([course.line == "ilpi" for course in COURSES])[None, :] == ilpi[:, None]
        )
        popularity = np.array([course.popularity for course in COURSES])[None, :]
        keys = rng.exponential(size=(n_buyers, len(COURSES))) / (
            popularity * np.where(line_match, 1.0, 0.05)
        )
        ranked = np.argsort(keys, axis=1, kind="stable")
        course_buyer = np.repeat(np.arange(n_buyers), courses)
        rank = np.arange(len(course_buyer)) - np.repeat(np.cumsum(courses) - courses, courses)
        course = ranked[course_buyer, rank]
        again = (rank > 0) & (rng.random(len(rank)) < 0.03)
        course[again] = ranked[course_buyer[again], 0]
        gaps = np.where(
            rank == 0,
            0,
            rng.exponential(75 * DAY_MS, len(rank)).astype(np.int64),
        )
        first_order = later(rng, acquired, 120 * DAY_MS, self.as_of_ms)
        course_order = first_order[course_buyer] + _cumulative_by_group(gaps, courses)

        subscription_buyers = np.flatnonzero(months > 0)
        subscription_product = np.where(ilpi[subscription_buyers], 0, 1)
        subscription_start = later(rng, acquired[subscription_buyers], 200 * DAY_MS, self.as_of_ms)

        # Checkouts: every course sale, then every subscription's first charge.
        checkout_buyer = np.concatenate([course_buyer, subscription_buyers])
        checkout_product = np.concatenate([course, len(COURSES) + subscription_product]).astype(
            np.int64
        )
        checkout_order = np.concatenate([course_order, subscription_start])
        n_checkouts = len(checkout_buyer)
        people_rows = buyers[checkout_buyer]
        people = persons.select(
            ["person_id", "first_name", "last_name", "acquisition_channel", "cpf", "city", "state"]
        ).take(pa.array(people_rows))
        log = DefectLog(n_checkouts)
        first, last = name_defects(
            rng,
            self.pools,
            people.column("first_name").combine_chunks(),
            people.column("last_name").combine_chunks(),
            rates,
            log,
        )
        names = pc.utf8_trim_whitespace(text.concat(first, " ", pc.fill_null(last, "")))
        caps = choose(rng, n_checkouts, rates.name_all_caps)
        names = pc.if_else(pa.array(caps), pc.utf8_upper(names), names)
        log.add("name_all_caps", caps)
        points = self.person_contacts
        chosen = choose_contacts(
            rng, points, people_rows, checkout_order, SourceHabits.of(rates, "hotmart")
        )
        identity = chosen.email_identity(points)
        email = email_defects(rng, identity, np.ones(n_checkouts, dtype=bool), rates, log)
        cellphone = format_phones(rng, chosen.phone, rates, log)
        identities = Identities(
            identity,
            chosen.email_kind,
            chosen.phone,
            chosen.phone_kind,
            np.zeros(n_checkouts, dtype=np.int64),
            np.full(n_checkouts, NONE, dtype=np.int8),
        )
        # Hotmart knows a buyer by account: a person's work email is another account.
        person_ids = column(people, "person_id")
        account = person_ids * 2 + (chosen.email_kind == EMAIL_KINDS.index("work"))
        ucodes = hotmart_ucodes(rng, account)

        # Sales: each checkout once, and a subscription's later months after it.
        charges = np.concatenate([np.ones(len(course_buyer), dtype=np.int64), months[months > 0]])
        checkout_of_sale = np.repeat(np.arange(n_checkouts), charges)
        month_number = np.arange(len(checkout_of_sale)) - np.repeat(
            np.cumsum(charges) - charges, charges
        )
        is_subscription = checkout_product[checkout_of_sale] >= len(COURSES)
        order_date = (
            checkout_order[checkout_of_sale]
            + month_number * 30 * DAY_MS
            + rng.integers(0, 3_600_000, len(checkout_of_sale)) * (month_number > 0)
        )
        kept = np.flatnonzero(order_date < self.as_of_ms)
        kept = kept[np.argsort(order_date[kept], kind="stable")]
        checkout_of_sale, month_number = checkout_of_sale[kept], month_number[kept]
        is_subscription, order_date = is_subscription[kept], order_date[kept]
        size = len(kept)
        product = checkout_product[checkout_of_sale]

        payment_type = rng.choice(len(PAYMENT_TYPES), size, p=PAYMENT_TYPE_SHARES)
        payment_type[is_subscription] = 0  # a subscription charges a card
        status_names = list(UNPAID_STATUSES)
        unpaid = rng.random(size) < UNPAID_SHARE
        unpaid_status = rng.choice(
            len(status_names), size, p=np.array(list(UNPAID_STATUSES.values()))
        )
        delay = np.where(
            payment_type == PAYMENT_TYPES.index("BILLET"),
            rng.integers(DAY_MS // 2, 3 * DAY_MS, size),
            rng.integers(1_000, 600_000, size),
        )
        approved = np.minimum(order_date + delay, self.as_of_ms - 1)
        warranty_days = np.array([item.warranty_days for item in PRODUCTS])[product]
        warranty = np.where(unpaid, order_date, approved) + warranty_days * DAY_MS
        roll = rng.random(size)
        status = np.where(warranty > self.as_of_ms, "APPROVED", "COMPLETE").astype(object)
        status[roll < REFUND_SHARE + CHARGEBACK_SHARE + PARTIAL_REFUND_SHARE] = "PARTIALLY_REFUNDED"
        status[roll < REFUND_SHARE + CHARGEBACK_SHARE] = "CHARGEBACK"
        status[roll < REFUND_SHARE] = "REFUNDED"
        status[unpaid] = np.array(status_names, dtype=object)[unpaid_status[unpaid]]
        billet = payment_type == PAYMENT_TYPES.index("BILLET")
        status[unpaid & (status == "PRINTED_BILLET") & ~billet] = "CANCELLED"
        status_text = pa.array(status.tolist(), pa.string())
        list_price = np.array([item.price for item in PRODUCTS])[product]
        price = np.round(list_price * np.where(rng.random(size) < 0.2, 0.8, 1), 2)
        transaction_numbers = rng.choice(10**13, size=size, replace=False) + 10**13
        transactions = text.concat("HP", text.decimal(transaction_numbers))
        installments = np.where(
            (payment_type == PAYMENT_TYPES.index("CREDIT_CARD")) & ~is_subscription,
            rng.choice([1, 1, 1, 2, 3, 4, 6, 10, 12], size),
            1,
        )
        product_ids = np.array([item.product_id for item in PRODUCTS], dtype=np.int64)[product]
        product_names = pick([item.name for item in PRODUCTS], product)
        sale_rows = pa.array(checkout_of_sale)
        buyer_names = names.take(sale_rows)
        buyer_emails = email.take(sale_rows)
        sale_ucodes = ucodes.take(sale_rows)
        tracking = people.column("acquisition_channel").take(sale_rows)
        sales = pa.table(
            {
                "transaction": transactions,
                "product_id": product_ids,
                "product_name": product_names,
                "product_line": pick([item.line for item in PRODUCTS], product),
                "buyer_ucode": sale_ucodes,
                "buyer_name": buyer_names,
                "buyer_email": buyer_emails,
                "producer_ucode": constant(PRODUCER_UCODE, size, pa.string()),
                "producer_name": constant(PRODUCER_NAME, size, pa.string()),
                "status": status_text,
                "order_date": order_date,
                "approved_date": nullable_int(approved, ~unpaid),
                "warranty_expire_date": warranty,
                "price_value": price,
                "price_currency": constant("BRL", size, pa.string()),
                "payment_method": pick(PAYMENT_TYPES, payment_type),
                "payment_type": pick(PAYMENT_TYPES, payment_type),
                "installments_number": installments,
                "is_subscription": is_subscription,
                "recurrency_number": nullable_int(month_number + 1, is_subscription),
                "commission_as": constant("PRODUCER", size, pa.string()),
                "tracking_source": constant("HOTMART", size, pa.string()),
                "tracking_source_sck": pc.utf8_lower(tracking),
                "tracking_external_code": pa.nulls(size),
                "offer_code": text.concat("oferta", text.decimal(product % 4 + 1)),
                "offer_payment_mode": constant("INVOICE", size, pa.string()),
                "hotmart_fee_total": np.round(price * 0.099 + 1, 2),
                "hotmart_fee_currency": constant("BRL", size, pa.string()),
            }
        )
        sale_people = people.take(sale_rows)
        self.truth.append(
            truth_table(
                "hotmart",
                "sales",
                transactions,
                column(sale_people, "person_id"),
                None,
                log.take(checkout_of_sale),
                identities.take(checkout_of_sale),
            )
        )

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

        buyer_users = users(
            "BUYER",
            sale_ucodes,
            buyer_names,
            buyer_emails,
            cellphone.take(sale_rows),
            sale_people.column("cpf"),
            sale_people.column("city"),
            sale_people.column("state"),
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
                    [*buyer_users.column(name).chunks, *producers.column(name).chunks]
                ).take(interleaved)
                for name in buyer_users.column_names
            }
        )
        return Hotmart(sales, users_table)

    def manychat(self) -> ManyChat:
        self._start("manychat")
        rng, rates, persons = self.rng, self.rates, self.person_table
        n_hubspot_persons = self.n_hubspot_persons
        size = max(1, int(self.contacts_wanted * 0.4))
        from_hubspot = rng.choice(n_hubspot_persons, size=int(size * 0.6), replace=False)
        manychat_only = np.arange(persons.num_rows - self.n_manychat_only, persons.num_rows)
        hotmart_only = np.arange(n_hubspot_persons, n_hubspot_persons + self.n_hotmart_only)
        wanted = max(0, size - len(from_hubspot) - len(manychat_only))
        from_hotmart = rng.choice(hotmart_only, size=min(wanted, len(hotmart_only)), replace=False)
        rows = np.concatenate([from_hubspot, from_hotmart, manychat_only])
        size = len(rows)
        people = persons.select(
            ["person_id", "first_name", "last_name", "gender", "acquired_at_ms", "interest"]
        ).take(pa.array(rows))
        log = DefectLog(size)
        subscribed = later(rng, column(people, "acquired_at_ms"), 60 * DAY_MS, self.as_of_ms)

        first, last = name_defects(
            rng,
            self.pools,
            people.column("first_name").combine_chunks(),
            people.column("last_name").combine_chunks(),
            rates,
            log,
        )
        female = pc.equal(people.column("gender"), "female").to_numpy(zero_copy_only=False)
        profile = whatsapp_profile_names(rng, first, last, female, rates, log)
        # ManyChat splits the WhatsApp profile name at its first space.
        parts = pc.extract_regex(profile, r"^(?P<first>\S*)(?: (?P<rest>.*))?$")
        first_name = pc.struct_field(parts, "first")
        rest = pc.struct_field(parts, "rest")
        last_name = pc.if_else(pc.equal(rest, ""), pa.scalar(None, pa.string()), rest)
        points = self.person_contacts
        chosen = choose_contacts(rng, points, rows, subscribed, SourceHabits.of(rates, "manychat"))
        identity = chosen.email_identity(points)
        missing = rng.random(size) < rates.manychat_missing_email
        identity = text.null_where(identity, missing)
        email_kind = np.where(missing, NONE, chosen.email_kind)
        log.add("missing_email", missing)
        email = email_defects(rng, identity, ~missing, rates, log)
        no_phone = rng.random(size) < rates.manychat_missing_phone
        phone_number = np.where(no_phone, 0, chosen.phone)
        log.add("missing_phone", no_phone)
        phone = format_phones(rng, phone_number, rates, log)
        # WhatsApp's own number, clean as WhatsApp gives it; accounts older than Brazil's
        # ninth digit still lack it.
        whatsapp_number, whatsapp_kind = whatsapp_numbers(points, rows, subscribed, chosen)
        no_ninth = choose(rng, size, rates.phone_missing_ninth_digit)
        whatsapp = text.patched(
            e164(whatsapp_number),
            [(np.flatnonzero(no_ninth), e164(_without_ninth_digit(whatsapp_number[no_ninth])))],
        )
        log.add("whatsapp_missing_ninth_digit", no_ninth)
        identities = Identities(
            identity,
            email_kind,
            phone_number,
            np.where(no_phone, NONE, chosen.phone_kind).astype(np.int8),
            whatsapp_number,
            whatsapp_kind,
        )

        last_interaction = later(rng, subscribed, 200 * DAY_MS, self.as_of_ms)
        tag_sets = [
            ";".join(MANYCHAT_TAGS[line][: 1 + count]) for line in INTERESTS for count in range(3)
        ]
        line_index = np.where(_is_ilpi(people), 0, 1)
        tags = pick(tag_sets, line_index * 3 + rng.integers(0, 3, size))
        ids = text.decimal(rng.choice(9 * 10**15, size, replace=False) + 10**15)
        optin_phone = rng.random(size) < 0.9
        optin_whatsapp = rng.random(size) < 0.85
        last_seen = brasilia_iso(last_interaction)
        subscribers = pa.table(
            {
                "id": ids,
                "page_id": constant("1234567890123456", size, pa.string()),
                "first_name": first_name,
                "last_name": last_name,
                "name": profile,
                "gender": people.column("gender"),
                "locale": constant("pt_BR", size, pa.string()),
                "timezone": constant("UTC-03", size, pa.string()),
                "email": email,
                "phone": phone,
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
        truth = truth_table("manychat", "subscribers", ids, person_id, None, log, identities)
        self.truth.append(truth)
        return ManyChat(subscribers, person_id, truth)


def hotmart_ucodes(rng: np.random.Generator, accounts: np.ndarray) -> pa.Array:
    """A random UUID-shaped code per distinct account, like Hotmart's buyer `ucode`: the
    same account gets the same code in every sale."""
    distinct, inverse = np.unique(accounts, return_inverse=True)
    halves = [
        pc.utf8_lpad(text.hexadecimal(rng.integers(0, 2**63, len(distinct)) * 2 + bit), 16, "0")
        for bit in (0, 1)
    ]
    digits = pc.utf8_upper(text.concat(*halves))
    pieces = [pc.utf8_slice_codeunits(digits, start, stop) for start, stop in UUID_GROUPS]
    codes = pc.binary_join_element_wise(*pieces, "-")
    return text.take(codes, inverse)


UUID_GROUPS = ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))


def brasilia_iso(epoch_ms: np.ndarray) -> pa.Array:
    """ManyChat's W3C datetimes in Brasília time: 2026-01-05T14:03:00-03:00."""
    return text.datetimes(epoch_ms - 3 * 3_600_000, "-03:00", milliseconds=False)


def whatsapp_numbers(
    points: PersonContacts, rows, moments_ms, chosen
) -> tuple[np.ndarray, np.ndarray]:
    """Each subscriber's WhatsApp number: their own (the old one before it changed), or the
    relative's when a relative's phone signed them up."""
    number = points.whatsapp[rows].copy()
    own = number == points.mobile[rows]
    kind = np.where(own, PHONE_KINDS.index("personal"), PHONE_KINDS.index("whatsapp"))
    kind = kind.astype(np.int8)
    mobile_then, was_old = points.mobile_at(rows, moments_ms)
    old = own & was_old
    number[old] = mobile_then[old]
    kind[old] = PHONE_KINDS.index("old")
    family = chosen.phone_kind == PHONE_KINDS.index("family")
    number[family] = points.whatsapp[points.relative[rows][family]]
    kind[family] = PHONE_KINDS.index("family")
    return number, kind


def _without_ninth_digit(national: np.ndarray) -> np.ndarray:
    """A mobile's national number as registered before the ninth digit: DDD and 8 digits."""
    return (national // 10**9) * 10**8 + national % 10**8


def _cumulative_by_group(values: np.ndarray, group_sizes: np.ndarray) -> np.ndarray:
    """Running sums of `values` restarting at each group (rows grouped consecutively)."""
    total = np.cumsum(values)
    starts = np.cumsum(group_sizes) - group_sizes
    before = np.where(starts > 0, total[np.maximum(starts - 1, 0)], 0)
    return total - np.repeat(before, group_sizes)
