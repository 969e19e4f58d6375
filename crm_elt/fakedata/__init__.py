"""The fake-data generator: a seeded world of patients, doctors, buyers and subscribers.

`generate(out, seed=..., contacts=..., as_of=...)` writes the layout of crm_elt/dataset.py.
The same seed and `as_of` give byte-identical files.

Ground truth in `<out>/truth/`:
- `persons.parquet`: one row per real person: person_id, true first_name (compound names
  included) and last_name, gender, email (personal), work_email (at their clinic, or null),
  phone_e164 (current mobile), whatsapp_e164 (the mobile itself unless they keep WhatsApp on
  another number), clinic_phone_e164, old_phone_e164 and phone_changed_at_ms (the number they
  had before, until that moment), relative_person_id (whose phone or email registered them,
  e.g. the daughter of an ILPI resident), city and state (a real municipality), area_code
  (the city's DDD) and phone_area_code (the mobile's: another state's for people who moved),
  acquisition channel and time, product-line interest, CPF, in_hubspot.
- `companies.parquet`: one row per real doctor's company (company_id, name, domain,
  canonical specialty).
- `records.parquet`: one row per record of every source: source, entity, record_id (HubSpot
  id, Hotmart transaction, ManyChat subscriber id, or `file:line` for ManyChat CSV rows),
  person_id or company_id, in_source (false for HubSpot records merged away), the injected
  defects as `;`-joined names (see DefectRates; a phone defect prefixed `second_` is in
  HubSpot's `phone` field, `whatsapp_` in ManyChat's `whatsapp_phone`), and which of a
  person's contact points each field came from:
  - `email_identity`: the clean address the record's email was written from (null when it
    has none); `email_kind`: personal, work, family (a relative's) or front_desk (a
    clinic's `recepcao@`, shared by its people);
  - `phone_identity`: the E.164 number behind the main phone field (HubSpot `mobilephone`,
    Hotmart buyer `cellphone`, ManyChat `phone`); `second_phone_identity`: behind HubSpot's
    `phone` or ManyChat's `whatsapp_phone`; `*_kind`: personal, clinic, whatsapp, old (the
    number before it changed) or family (a relative's).
  Two records share evidence exactly when they share an identity value; records of
  different persons with one identity share a relative's or a front desk's contact point.
  A ManyChat CSV row inherits its subscriber's defects and identities (plus its own CSV
  defects). A Hotmart subscription's monthly charges repeat the data of its first charge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from crm_elt.fakedata.defects import DefectRates
from crm_elt.fakedata.outputs import write_world

__all__ = ["DefectRates", "GenerationResult", "generate"]


@dataclass(frozen=True)
class GenerationResult:
    out: Path
    counts: dict[str, int]


def generate(
    out: Path,
    *,
    seed: int,
    contacts: int,
    as_of: date,
    rates: DefectRates | None = None,
) -> GenerationResult:
    if contacts < 10:
        raise ValueError(f"--contacts must be at least 10, got {contacts}")
    rates = rates or DefectRates()
    rates.validate()
    return GenerationResult(Path(out), write_world(Path(out), seed, contacts, as_of, rates))
