"""Build the world: people, doctors, and each source's records of them, with defects.

Everything is sampled from one numpy Generator seeded by `seed`, in a fixed order, so the
same seed and `as_of` give byte-identical files.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from crm_elt.fakedata.defects import (
    DefectLog,
    DefectRates,
    apply_each,
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
    Pools,
    ascii_slug,
    build_pools,
)

DAY_MS = 86_400_000
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
PAYMENT_TYPES = np.array(["CREDIT_CARD", "PIX", "BILLET", "PAYPAL", "GOOGLE_PAY"])
LIFECYCLE_STAGES = np.array(
    ["subscriber", "lead", "marketingqualifiedlead", "opportunity", "customer"]
)
LEAD_STATUSES = np.array(["NEW", "OPEN", "IN_PROGRESS", "CONNECTED", "UNQUALIFIED"])
MANYCHAT_TAGS = {
    "ilpi": ["ilpi", "cuidador", "lead_quente"],
    "estetica": ["estetica", "harmonizacao", "lead_frio"],
}


@dataclass
class World:
    """Every table the writers need, as pandas frames, plus the truth."""

    persons: pd.DataFrame
    companies_truth: pd.DataFrame
    companies: pd.DataFrame
    contacts: pd.DataFrame
    deals: pd.DataFrame
    associations: pd.DataFrame
    hotmart_sales: pd.DataFrame
    hotmart_users: pd.DataFrame
    manychat: pd.DataFrame
    spend: pd.DataFrame
    truth_records: pd.DataFrame


def month_starts(as_of: date) -> np.ndarray:
    """The history's months: the last one holds the day before `as_of`."""
    end = np.datetime64(as_of - timedelta(days=1), "M")
    return np.arange(end - (HISTORY_MONTHS - 1), end + 1)


_STATE_BY_CODE = np.array([STATES_BY_AREA.get(code) for code in range(100)], dtype=object)


def state_of(area_codes: np.ndarray) -> np.ndarray:
    return _STATE_BY_CODE[area_codes]


def later(rng: np.random.Generator, start: np.ndarray, max_gap_ms: int, end_ms: int):
    """A moment after each `start`, at most `max_gap_ms` later and always before `end_ms`.

    Scaling the gap (instead of clamping at the end) keeps recent dates spread out rather than
    piled up on the last millisecond.
    """
    start = np.asarray(start, dtype="int64")
    room = np.clip(np.minimum(max_gap_ms, end_ms - 1 - start), 0, None)
    return start + (rng.random(len(start)) * room).astype("int64")


def iso_strings(epoch_ms: np.ndarray) -> np.ndarray:
    """HubSpot's wire format for datetimes: 2024-09-11T13:27:39.356Z."""
    text = np.datetime_as_string(epoch_ms.astype("datetime64[ms]"), unit="ms")
    return np.char.add(text.astype(str), "Z").astype(object)


def build_world(seed: int, contacts: int, as_of: date, rates: DefectRates) -> World:
    rng = np.random.default_rng(seed)
    pools = build_pools(seed)
    # History ends at midnight UTC starting `as_of`: with today's date, nothing lies ahead of now.
    as_of_ms = int(np.datetime64(as_of, "ms").astype("int64"))

    spend, weights = _spend(rng, as_of)
    n_duplicates = round(contacts * rates.duplicate)
    n_hubspot_persons = contacts - n_duplicates
    n_hotmart_only = max(1, contacts // 5)
    n_manychat_only = max(1, contacts // 10)
    persons = _persons(
        rng, pools, n_hubspot_persons + n_hotmart_only + n_manychat_only, weights, as_of_ms
    )
    persons["in_hubspot"] = np.arange(len(persons)) < n_hubspot_persons

    companies_truth, companies, company_log = _companies(
        rng, pools, max(5, contacts // 20), rates, as_of_ms
    )
    contacts_frame, contacts_log, merged_away = _contacts(
        rng, persons, n_hubspot_persons, n_duplicates, companies_truth, rates, as_of_ms
    )
    deals, deals_log, associations = _deals(rng, contacts_frame, companies, rates, as_of_ms)
    sales, users, sales_log = _hotmart(rng, persons, n_hubspot_persons, contacts, rates, as_of_ms)
    manychat, manychat_log = _manychat(
        rng, persons, n_hubspot_persons, n_hotmart_only, contacts, rates, as_of_ms
    )

    truth = pd.concat(
        [
            _truth(
                "hubspot", "companies", companies["id"], None, companies["_company_id"], company_log
            ),
            _truth(
                "hubspot",
                "contacts",
                contacts_frame["id"],
                contacts_frame["_person_id"],
                None,
                contacts_log.take(np.arange(len(contacts_frame))),
            ),
            merged_away,
            _truth(
                "hubspot",
                "deals",
                deals["id"],
                deals["_person_id"],
                deals["_company_id"],
                deals_log,
            ),
            _truth("hotmart", "sales", sales["transaction"], sales["_person_id"], None, sales_log),
            _truth(
                "manychat",
                "subscribers",
                manychat["id"],
                manychat["_person_id"],
                None,
                manychat_log,
            ),
        ],
        ignore_index=True,
    )
    return World(
        persons,
        companies_truth,
        companies,
        contacts_frame,
        deals,
        associations,
        sales,
        users,
        manychat,
        spend,
        truth,
    )


def _truth(source, entity, record_ids, person_ids, company_ids, log: DefectLog) -> pd.DataFrame:
    size = len(record_ids)
    return pd.DataFrame(
        {
            "source": source,
            "entity": entity,
            "record_id": np.asarray(record_ids).astype(str),
            "person_id": pd.array(
                person_ids if person_ids is not None else [None] * size, dtype="Int64"
            ),
            "company_id": pd.array(
                company_ids if company_ids is not None else [None] * size, dtype="Int64"
            ),
            "in_source": True,
            "defects": log.joined(),
        }
    )


def _spend(rng: np.random.Generator, as_of: date) -> tuple[pd.DataFrame, np.ndarray]:
    months = month_starts(as_of)
    growth = np.linspace(0.7, 1.3, len(months))
    rows, weights = [], np.zeros((len(months), len(CHANNELS)))
    for channel_index, channel in enumerate(CHANNELS):
        if channel in CHANNEL_SPEND_BRL:
            amounts = CHANNEL_SPEND_BRL[channel] * growth * rng.lognormal(0, 0.25, len(months))
            amounts = np.round(amounts, 2)
            weights[:, channel_index] = amounts / CHANNEL_COST_PER_CONTACT[channel]
            rows += [
                (str(month), channel, float(amount), "BRL")
                for month, amount in zip(months, amounts, strict=True)
            ]
        else:
            weights[:, channel_index] = 150 * FREE_CHANNEL_WEIGHT[channel] * growth
    spend = pd.DataFrame(rows, columns=["month", "channel", "amount", "currency"])
    return spend, weights / weights.sum()


def _persons(rng, pools: Pools, size: int, weights: np.ndarray, as_of_ms: int) -> pd.DataFrame:
    months = month_starts(date.fromtimestamp(as_of_ms / 1000))
    cell = rng.choice(weights.size, size=size, p=weights.ravel())
    month_index, channel_index = np.divmod(cell, len(CHANNELS))
    month_ms = months.astype("datetime64[ms]").astype("int64")[month_index]
    acquired_ms = later(rng, month_ms, 28 * DAY_MS, as_of_ms)
    first_index = rng.integers(0, len(pools.first_names), size)
    last_index = rng.integers(0, len(pools.last_names), size)
    first_slugs = np.array([ascii_slug(name) for name in pools.first_names], dtype=object)
    last_slugs = np.array([ascii_slug(name) for name in pools.last_names], dtype=object)
    person_ids = np.arange(1, size + 1)
    domains = EMAIL_DOMAINS[rng.integers(0, len(EMAIL_DOMAINS), size)].astype(object)
    suffix = np.char.mod("%x", person_ids).astype(object)
    emails = first_slugs[first_index] + "." + last_slugs[last_index] + "." + suffix + "@" + domains
    area = AREA_CODES[rng.integers(0, len(AREA_CODES), size)]
    subscriber = rng.integers(0, 100_000_000, size)
    return pd.DataFrame(
        {
            "person_id": person_ids,
            "first_name": pools.first_names[first_index],
            "last_name": pools.last_names[last_index],
            "email": emails,
            "area_code": area,
            "phone_subscriber": subscriber,
            "phone_e164": "+55"
            + area.astype(str).astype(object)
            + "9"
            + np.char.zfill(subscriber.astype(str), 8).astype(object),
            "city": pools.cities[rng.integers(0, len(pools.cities), size)],
            "state": state_of(area),
            "acquisition_channel": np.array(CHANNELS, dtype=object)[channel_index],
            "acquired_at_ms": acquired_ms,
            "interest": np.where(rng.random(size) < 0.55, "ilpi", "estetica").astype(object),
            "cpf": np.char.zfill(rng.integers(0, 10**11, size).astype(str), 11).astype(object),
        }
    )


def _companies(rng, pools: Pools, size: int, rates: DefectRates, as_of_ms: int):
    specialties = np.array(list(SPECIALTIES), dtype=object)
    specialty = specialties[rng.integers(0, len(specialties), size)]
    first = pools.first_names[rng.integers(0, len(pools.first_names), size)]
    last = pools.last_names[rng.integers(0, len(pools.last_names), size)]
    company_ids = np.arange(1, size + 1)
    names = "Clínica Dr(a). " + first + " " + last
    domains = np.array(
        [
            f"{ascii_slug(f'{a} {b}').replace('.', '')}{i}.com.br"
            for a, b, i in zip(first, last, company_ids, strict=True)
        ],
        dtype=object,
    )
    area = AREA_CODES[rng.integers(0, len(AREA_CODES), size)]
    city = pools.cities[rng.integers(0, len(pools.cities), size)]
    created = as_of_ms - rng.integers(200 * DAY_MS, 900 * DAY_MS, size)
    truth = pd.DataFrame(
        {
            "company_id": company_ids,
            "name": names,
            "domain": domains,
            "specialty": specialty,
            "city": city,
        }
    )

    n_duplicates = round(size * rates.company_duplicate)
    source_rows = np.concatenate([np.arange(size), rng.integers(0, size, n_duplicates)])
    total = len(source_rows)
    log = DefectLog(total)
    duplicate = np.arange(total) >= size
    log.add("duplicate_record", duplicate)
    record_names = names[source_rows].copy()
    record_names = np.where(
        duplicate, np.char.upper(record_names.astype(str)).astype(object), record_names
    )
    variant = choose(rng, total, rates.specialty_variant)
    record_specialty = specialty[source_rows].copy()
    for index in np.flatnonzero(variant):
        aliases = SPECIALTIES[record_specialty[index]]
        record_specialty[index] = aliases[index % len(aliases)]
    log.add("specialty_variant", variant)
    phone_log = DefectLog(total)
    phones = format_phones(rng, area[source_rows], rng.integers(0, 10**8, total), rates, phone_log)
    log.absorb(phone_log)
    ids = np.arange(101, 101 + total).astype(str).astype(object)
    created_records = created[source_rows] + np.where(duplicate, 30 * DAY_MS, 0)
    modified = later(rng, created_records, 200 * DAY_MS, as_of_ms)
    archived = choose(rng, total, rates.archived / 2)
    log.add("archived", archived)
    companies = pd.DataFrame(
        {
            "id": ids,
            "created_at": created_records,
            "updated_at": modified,
            "archived": archived,
            "archived_at": np.where(archived, modified, None),
            "name": record_names,
            "domain": domains[source_rows],
            "phone": phones,
            "city": city[source_rows],
            "state": state_of(area[source_rows]),
            "country": "Brasil",
            "industry": "HOSPITAL_HEALTH_CARE",
            "website": "https://www." + domains[source_rows],
            "especialidade_medica": record_specialty,
            "createdate": iso_strings(created_records),
            "hs_lastmodifieddate": iso_strings(modified),
            "hs_object_id": ids,
            "_company_id": company_ids[source_rows],
        }
    )
    return truth, companies, log


def _contacts(rng, persons, n_persons, n_duplicates, companies_truth, rates, as_of_ms):
    size = n_persons + n_duplicates
    person_row = np.concatenate([np.arange(n_persons), rng.integers(0, n_persons, n_duplicates)])
    duplicate = np.arange(size) >= n_persons
    near = duplicate & choose(rng, size, rates.near_duplicate_share)
    log = DefectLog(size)
    log.add("duplicate_record", duplicate & ~near)
    log.add("near_duplicate_record", near)

    people = persons.iloc[person_row].reset_index(drop=True)
    first = people["first_name"].to_numpy(object)
    last = people["last_name"].to_numpy(object).copy()
    email = people["email"].to_numpy(object).copy()

    accents = choose(rng, size, rates.name_accents) | (near & (rng.random(size) < 0.3))
    first = apply_each(first, accents, lambda value, _: strip_accents(value))
    log.add("name_accents", accents)
    typos = choose(rng, size, rates.name_typo) | (near & (rng.random(size) < 0.3))
    first = apply_each(first, typos, typo)
    log.add("name_typo", typos)
    no_last = choose(rng, size, rates.missing_last_name)
    last[no_last] = None
    log.add("missing_last_name", no_last)

    company_of_person = rng.integers(0, len(companies_truth), len(persons))
    company_index = company_of_person[person_row]
    shared = choose(rng, size, rates.shared_email)
    email[shared] = "recepcao@" + companies_truth["domain"].to_numpy(object)[company_index[shared]]
    log.add("shared_email", shared)
    messy = (
        choose(rng, size, rates.email_case_space) | (near & (rng.random(size) < 0.5))
    ) & ~shared
    email = apply_each(email, messy, messy_email)
    log.add("email_case_space", messy)
    invalid = choose(rng, size, rates.invalid_email) & ~shared & ~messy
    email = apply_each(email, invalid, invalid_email)
    log.add("invalid_email", invalid)
    missing = choose(rng, size, rates.missing_email) & ~shared & ~invalid & ~messy
    email[missing] = None
    log.add("missing_email", missing)

    phones = format_phones(
        rng, people["area_code"].to_numpy(), people["phone_subscriber"].to_numpy(), rates, log
    )
    acquired = people["acquired_at_ms"].to_numpy()
    created = np.where(duplicate, later(rng, acquired, 60 * DAY_MS, as_of_ms), acquired)
    order = np.argsort(created, kind="stable")
    modified = later(rng, created, 120 * DAY_MS, as_of_ms)
    ids = np.empty(size, dtype=object)
    ids[order] = np.arange(1001, 1001 + size).astype(str)
    archived = choose(rng, size, rates.archived) & ~duplicate
    log.add("archived", archived)

    frame = pd.DataFrame(
        {
            "id": ids,
            "created_at": created,
            "updated_at": modified,
            "archived": archived,
            "archived_at": np.where(archived, modified, None),
            "firstname": first,
            "lastname": last,
            "email": email,
            "phone": np.where(rng.random(size) < 0.5, phones, None),
            "mobilephone": phones,
            "city": people["city"].to_numpy(object),
            "state": people["state"].to_numpy(object),
            "lifecyclestage": LIFECYCLE_STAGES[rng.integers(0, len(LIFECYCLE_STAGES), size)],
            "hs_lead_status": LEAD_STATUSES[rng.integers(0, len(LEAD_STATUSES), size)],
            "hs_analytics_source": people["acquisition_channel"].to_numpy(object),
            "consentimento_whatsapp": np.where(rng.random(size) < 0.8, "true", "false"),
            "createdate": iso_strings(created),
            "lastmodifieddate": iso_strings(modified),
            "hs_object_id": ids,
            "hs_merged_object_ids": None,
            "_person_id": people["person_id"].to_numpy(),
            "_company_index": company_index,
        }
    )
    # Some duplicates were merged in HubSpot: they vanish and the survivor lists their id.
    merged = duplicate & choose(rng, size, rates.merged_share)
    first_record_of_person = pd.Series(np.arange(n_persons), index=person_row[:n_persons])
    survivors = first_record_of_person.loc[person_row[merged]].to_numpy()
    absorbed_ids = ids[merged]
    merged_lists: dict[int, list[str]] = {}
    for survivor, absorbed in zip(survivors, absorbed_ids, strict=True):
        merged_lists.setdefault(int(survivor), []).append(absorbed)
    merged_column = frame["hs_merged_object_ids"].to_numpy(object)
    for survivor, absorbed in merged_lists.items():
        merged_column[survivor] = ";".join(sorted(absorbed, key=int))
    frame["hs_merged_object_ids"] = merged_column
    # A merge modifies the survivor: it is at least as recent as what it absorbed.
    latest_absorbed = pd.Series(frame["updated_at"].to_numpy()[merged]).groupby(survivors).max()
    updated = frame["updated_at"].to_numpy().copy()
    positions = latest_absorbed.index.to_numpy()
    updated[positions] = np.maximum(updated[positions], latest_absorbed.to_numpy())
    frame["updated_at"] = updated
    frame["lastmodifieddate"] = iso_strings(frame["updated_at"].to_numpy("int64"))
    survivor_mask = np.zeros(size, dtype=bool)
    survivor_mask[list(merged_lists)] = True
    log.add("merge_survivor", survivor_mask)
    merged_away = _truth(
        "hubspot",
        "contacts",
        absorbed_ids,
        frame.loc[merged, "_person_id"].to_numpy(),
        None,
        log.take(np.flatnonzero(merged)),
    )
    merged_away["in_source"] = False
    merged_away["defects"] = (merged_away["defects"] + ";merged_away").str.lstrip(";")
    keep = ~merged
    frame = frame[keep].reset_index(drop=True)
    log = log.take(np.flatnonzero(keep))
    return frame, log, merged_away


def _deals(rng, contacts, companies, rates, as_of_ms):
    live = contacts[~contacts["archived"]]
    size = max(1, int(len(contacts) * 0.6))
    picked = live.iloc[rng.integers(0, len(live), size)]
    company_records = companies.drop_duplicates("_company_id").set_index("_company_id")
    company_ids = picked["_company_index"].to_numpy() + 1
    company_hs_id = company_records["id"].reindex(company_ids).to_numpy(object)
    log = DefectLog(size)
    without_company = choose(rng, size, rates.deal_without_company)
    log.add("deal_without_company", without_company)
    created = later(rng, picked["created_at"].to_numpy(), 90 * DAY_MS, as_of_ms)
    stage_roll = rng.random(size)
    custom = rng.random(size) < 0.2
    default_stages = np.array(
        [
            "appointmentscheduled",
            "qualifiedtobuy",
            "presentationscheduled",
            "decisionmakerboughtin",
            "contractsent",
            "closedwon",
            "closedlost",
        ],
        dtype=object,
    )
    default_weights = np.cumsum([0.08, 0.07, 0.06, 0.05, 0.04, 0.45, 0.25])
    custom_stages = np.array(["1001", "1002", "1003", "1004", "1005"], dtype=object)
    custom_weights = np.cumsum([0.1, 0.1, 0.1, 0.45, 0.25])
    stage = np.where(
        custom,
        custom_stages[np.searchsorted(custom_weights, stage_roll * custom_weights[-1])],
        default_stages[np.searchsorted(default_weights, stage_roll * default_weights[-1])],
    )
    closed = np.isin(stage, ["closedwon", "closedlost", "1004", "1005"])
    closedate = later(rng, created, 30 * DAY_MS, as_of_ms)
    modified = np.maximum(created, np.where(closed, closedate, created))
    ids = np.arange(5001, 5001 + size).astype(str).astype(object)
    amount = np.round(rng.choice([250, 350, 450, 600, 900], size) * rng.uniform(0.9, 1.1, size), 2)
    archived = choose(rng, size, rates.archived / 2)
    log.add("archived", archived)
    names = (
        "Consulta CBD - "
        + picked["firstname"].fillna("").to_numpy(object)
        + " "
        + picked["lastname"].fillna("").to_numpy(object)
    )
    deals = pd.DataFrame(
        {
            "id": ids,
            "created_at": created,
            "updated_at": modified,
            "archived": archived,
            "archived_at": np.where(archived, modified, None),
            "dealname": np.char.strip(names.astype(str)).astype(object),
            "pipeline": np.where(custom, "canabidiol", "default"),
            "dealstage": stage,
            "amount": amount.astype(str).astype(object),
            "deal_currency_code": "BRL",
            "closedate": np.where(closed, iso_strings(closedate), None),
            "createdate": iso_strings(created),
            "hs_lastmodifieddate": iso_strings(modified),
            "hs_object_id": ids,
            "_person_id": picked["_person_id"].to_numpy(),
            "_company_id": np.where(without_company, None, company_ids).astype(object),
        }
    )
    contact_to_company = contacts[rng.random(len(contacts)) < 0.7]
    company_for_contact = (
        company_records["id"]
        .reindex(contact_to_company["_company_index"].to_numpy() + 1)
        .to_numpy(object)
    )
    associations = pd.concat(
        [
            pd.DataFrame(
                {
                    "from_type": "deals",
                    "from_id": ids,
                    "to_type": "contacts",
                    "to_id": picked["id"].to_numpy(object),
                    "type_id": 3,
                }
            ),
            pd.DataFrame(
                {
                    "from_type": "deals",
                    "from_id": ids[~without_company],
                    "to_type": "companies",
                    "to_id": company_hs_id[~without_company],
                    "type_id": 341,
                }
            ),
            pd.DataFrame(
                {
                    "from_type": "contacts",
                    "from_id": contact_to_company["id"].to_numpy(object),
                    "to_type": "companies",
                    "to_id": company_for_contact,
                    "type_id": 279,
                }
            ),
        ],
        ignore_index=True,
    )
    associations["label"] = None
    return deals, log, associations


def _hotmart(rng, persons, n_hubspot_persons, contacts, rates, as_of_ms):
    size = max(1, contacts // 2)
    hubspot_buyers = rng.choice(
        n_hubspot_persons, size=max(1, n_hubspot_persons // 3), replace=False
    )
    hotmart_only = np.arange(n_hubspot_persons, n_hubspot_persons + max(1, contacts // 5))
    hotmart_only = hotmart_only[hotmart_only < len(persons)]
    buyer_pool = np.concatenate([hubspot_buyers, hotmart_only])
    # A few loyal buyers buy again and again (repeat purchases drive LTV).
    popularity = rng.pareto(1.5, len(buyer_pool)) + 1
    buyer_rows = buyer_pool[rng.choice(len(buyer_pool), size, p=popularity / popularity.sum())]
    people = persons.iloc[buyer_rows].reset_index(drop=True)
    interest = people["interest"].to_numpy(object)
    products_by_line = {
        line: [product for product in PRODUCTS if product[2] == line]
        for line in ("ilpi", "estetica")
    }
    product_pick = rng.integers(0, 4, size)
    chosen = [
        products_by_line[line][pick] for line, pick in zip(interest, product_pick, strict=True)
    ]
    statuses = np.array(list(HOTMART_STATUSES), dtype=object)
    status_weights = np.array(list(HOTMART_STATUSES.values()))
    status = statuses[rng.choice(len(statuses), size, p=status_weights / status_weights.sum())]
    order_date = later(rng, people["acquired_at_ms"].to_numpy(), 300 * DAY_MS, as_of_ms)
    paid = np.isin(status, list(PAID_STATUSES))
    approved = np.where(paid, order_date + rng.integers(0, 3 * DAY_MS, size), None)
    price = np.array([product[3] for product in chosen]) * np.where(rng.random(size) < 0.2, 0.8, 1)
    transactions = np.array(
        [f"HP{value:014d}" for value in rng.choice(10**13, size=size, replace=False) + 10**13],
        dtype=object,
    )
    salt = int(rng.integers(0, 2**62))
    ucodes = np.array([hotmart_ucode(salt, int(pid)) for pid in people["person_id"]], dtype=object)
    log = DefectLog(size)
    email = people["email"].to_numpy(object)
    messy = choose(rng, size, rates.email_case_space)
    email = apply_each(email, messy, messy_email)
    log.add("email_case_space", messy)
    channel = people["acquisition_channel"].to_numpy(object)
    sales = pd.DataFrame(
        {
            "transaction": transactions,
            "product_id": [product[0] for product in chosen],
            "product_name": [product[1] for product in chosen],
            "product_line": [product[2] for product in chosen],
            "buyer_ucode": ucodes,
            "buyer_name": people["first_name"].to_numpy(object)
            + " "
            + people["last_name"].to_numpy(object),
            "buyer_email": email,
            "producer_ucode": "PRODUCER-0001",
            "producer_name": "Instituto Cuidar & Estética",
            "status": status,
            "order_date": order_date,
            "approved_date": approved,
            "warranty_expire_date": order_date + 7 * DAY_MS,
            "price_value": np.round(price, 2),
            "price_currency": "BRL",
            "payment_method": PAYMENT_TYPES[rng.integers(0, len(PAYMENT_TYPES), size)],
            "payment_type": PAYMENT_TYPES[rng.integers(0, len(PAYMENT_TYPES), size)],
            "installments_number": rng.integers(1, 13, size),
            "is_subscription": False,
            "recurrency_number": None,
            "commission_as": "PRODUCER",
            "tracking_source": "HOTMART",
            "tracking_source_sck": np.char.lower(channel.astype(str)).astype(object),
            "tracking_external_code": None,
            "offer_code": "oferta" + (product_pick + 1).astype(str).astype(object),
            "offer_payment_mode": "INVOICE",
            "hotmart_fee_total": np.round(price * 0.099 + 1, 2),
            "hotmart_fee_currency": "BRL",
            "_person_id": people["person_id"].to_numpy(),
        }
    )
    phone_log = DefectLog(size)
    cellphones = format_phones(
        rng, people["area_code"].to_numpy(), people["phone_subscriber"].to_numpy(), rates, phone_log
    )
    log.absorb(phone_log)
    buyers = pd.DataFrame(
        {
            "transaction": transactions,
            "product_id": sales["product_id"],
            "product_name": sales["product_name"],
            "role": "BUYER",
            "ucode": ucodes,
            "name": sales["buyer_name"],
            "email": email,
            "cellphone": cellphones,
            "phone": None,
            "locale": "pt_BR",
            "document_type": "CPF",
            "document_value": people["cpf"].to_numpy(object),
            "address_city": people["city"].to_numpy(object),
            "address_state": people["state"].to_numpy(object),
            "address_country": "Brasil",
            "address_zip_code": None,
        }
    )
    producers = buyers.assign(
        role="PRODUCER",
        ucode="PRODUCER-0001",
        name="Instituto Cuidar & Estética",
        email="contato@cuidar.com.br",
        cellphone=None,
        document_value=None,
        address_city=None,
        address_state=None,
    )
    users = pd.concat([buyers, producers], ignore_index=True).sort_values(
        ["transaction", "role"], kind="stable", ignore_index=True
    )
    return sales, users, log


def hotmart_ucode(salt: int, person_id: int) -> str:
    """A stable UUID-shaped buyer code per person, like Hotmart's `ucode`."""
    digest = hashlib.md5(f"{salt}:{person_id}".encode()).hexdigest().upper()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:]}"


def _manychat(rng, persons, n_hubspot_persons, n_hotmart_only, contacts, rates, as_of_ms):
    size = max(1, int(contacts * 0.4))
    from_hubspot = rng.choice(n_hubspot_persons, size=int(size * 0.6), replace=False)
    others_start = n_hubspot_persons
    others = np.arange(others_start, len(persons))
    rest = rng.choice(others, size=min(size - len(from_hubspot), len(others)), replace=False)
    rows = np.concatenate([from_hubspot, rest])
    size = len(rows)
    people = persons.iloc[rows].reset_index(drop=True)
    log = DefectLog(size)
    email = people["email"].to_numpy(object).copy()
    missing = rng.random(size) < 0.4
    email[missing] = None
    log.add("missing_email", missing)
    phone_log = DefectLog(size)
    whatsapp = format_phones(
        rng, people["area_code"].to_numpy(), people["phone_subscriber"].to_numpy(), rates, phone_log
    )
    log.absorb(phone_log)
    subscribed = later(rng, people["acquired_at_ms"].to_numpy(), 60 * DAY_MS, as_of_ms)
    last_interaction = later(rng, subscribed, 200 * DAY_MS, as_of_ms)
    interest = people["interest"].to_numpy(object)
    tags = np.array(
        [
            ";".join(MANYCHAT_TAGS[line][: 1 + int(pick)])
            for line, pick in zip(interest, rng.integers(0, 3, size), strict=True)
        ],
        dtype=object,
    )
    ids = np.array(
        [str(value) for value in rng.choice(9 * 10**15, size, replace=False) + 10**15], dtype=object
    )
    frame = pd.DataFrame(
        {
            "id": ids,
            "page_id": "1234567890123456",
            "first_name": people["first_name"].to_numpy(object),
            "last_name": people["last_name"].to_numpy(object),
            "name": people["first_name"].to_numpy(object)
            + " "
            + people["last_name"].to_numpy(object),
            "gender": np.where(rng.random(size) < 0.6, "female", "male"),
            "locale": "pt_BR",
            "timezone": "UTC-03",
            "email": email,
            "phone": whatsapp,
            "whatsapp_phone": whatsapp,
            "optin_email": email != None,  # noqa: E711 (elementwise on object arrays)
            "optin_phone": rng.random(size) < 0.9,
            "optin_whatsapp": rng.random(size) < 0.85,
            "subscribed": _offset_iso(subscribed),
            "last_interaction": _offset_iso(last_interaction),
            "last_seen": _offset_iso(last_interaction),
            "tags": tags,
            "_person_id": people["person_id"].to_numpy(),
        }
    )
    return frame, log


def _offset_iso(epoch_ms: np.ndarray) -> np.ndarray:
    """ManyChat's W3C datetimes in Brasília time: 2026-01-05T14:03:00-03:00."""
    local = (epoch_ms - 3 * 3_600_000).astype("datetime64[ms]")
    text = np.datetime_as_string(local, unit="s").astype(str)
    return np.char.add(text, "-03:00").astype(object)
